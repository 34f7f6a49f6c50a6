#pragma once

#include <cstddef>

#include "alphaforge/indicator_windows.hpp"

// Indicators of one series (closes, usually), each updated in amortised O(1) per value, following
// TA-Lib's definitions; docs/indicators.md gives every convention and warm-up length.
// update() rejects a non-finite value with std::invalid_argument and leaves the state as it was;
// push() is the same step without the check, for callers that checked a whole column first.
// value() is NaN until ready(): after lookback() + 1 values.
namespace alphaforge::indicators {

// Mean of the last `period` values from a running sum, as TA-Lib's SMA (same rounding).
class Sma {
 public:
  explicit Sma(std::size_t period);
  double update(double value);
  void push(double value) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return window_.full(); }
  [[nodiscard]] std::size_t period() const noexcept { return window_.capacity(); }
  [[nodiscard]] std::size_t lookback() const noexcept { return period() - 1; }
  void reset() noexcept;

 private:
  Ring window_;
  double sum_ = 0.0;
  double value_ = kNaN;
};

// k = 2 / (period + 1), seeded by the mean of the first `period` values (TA-Lib's default).
class Ema {
 public:
  explicit Ema(std::size_t period);
  double update(double value);
  void push(double value) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return seen_ == period_; }
  [[nodiscard]] std::size_t period() const noexcept { return period_; }
  [[nodiscard]] std::size_t lookback() const noexcept { return period_ - 1; }
  void reset() noexcept;

 private:
  std::size_t period_;
  double k_;
  std::size_t seen_ = 0;
  double sum_ = 0.0;
  double value_ = kNaN;
};

// Weights 1 (oldest) .. period (newest) over period * (period + 1) / 2 (see WeightedSums).
class Wma {
 public:
  explicit Wma(std::size_t period);
  double update(double value);
  void push(double value) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return window_.full(); }
  [[nodiscard]] std::size_t period() const noexcept { return window_.capacity(); }
  [[nodiscard]] std::size_t lookback() const noexcept { return period() - 1; }
  void reset() noexcept;

 private:
  Ring window_;
  WeightedSums sums_;
  double value_ = kNaN;
};

// Wilder's RSI: average gain and loss seeded by the mean of the first `period` changes, then
// smoothed as (avg * (period - 1) + change) / period; 0 when both averages are 0 (a flat start).
class Rsi {
 public:
  explicit Rsi(std::size_t period);
  double update(double value);
  void push(double value) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return changes_ == period_; }
  [[nodiscard]] std::size_t period() const noexcept { return period_; }
  [[nodiscard]] std::size_t lookback() const noexcept { return period_; }
  void reset() noexcept;

 private:
  std::size_t period_;
  double keep_;
  double weight_;
  std::size_t changes_ = 0;
  bool started_ = false;
  double previous_ = 0.0;
  double gain_ = 0.0;
  double loss_ = 0.0;
  double value_ = kNaN;
};

struct MacdValue {
  double macd = kNaN;
  double signal = kNaN;
  double hist = kNaN;
};

// TA-Lib's MACD: the fast EMA is seeded on the `fast` values that end where the slow EMA's seed
// ends, so both start on the same bar; the signal is an EMA of the MACD line; all three outputs
// appear together once the signal is ready.
class Macd {
 public:
  Macd(std::size_t fast, std::size_t slow, std::size_t signal);
  MacdValue update(double value);
  void push(double value) noexcept;
  [[nodiscard]] const MacdValue& value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return signal_.ready(); }
  [[nodiscard]] std::size_t lookback() const noexcept;
  [[nodiscard]] std::size_t fast_period() const noexcept { return fast_.period(); }
  [[nodiscard]] std::size_t slow_period() const noexcept { return slow_.period(); }
  [[nodiscard]] std::size_t signal_period() const noexcept { return signal_.period(); }
  void reset() noexcept;

 private:
  Ema fast_;
  Ema slow_;
  Ema signal_;
  std::size_t skipped_ = 0;
  MacdValue value_;
};

// Population standard deviation of the last `period` values (TA-Lib's STDDEV with nbdev 1).
class RollingStd {
 public:
  explicit RollingStd(std::size_t period);
  double update(double value);
  void push(double value) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return variance_.full(); }
  [[nodiscard]] std::size_t period() const noexcept { return period_; }
  [[nodiscard]] std::size_t lookback() const noexcept { return period_ - 1; }
  void reset() noexcept;

 private:
  std::size_t period_;
  RollingVariance variance_;
  double value_ = kNaN;
};

struct BollingerValue {
  double upper = kNaN;
  double middle = kNaN;
  double lower = kNaN;
};

// Middle: the SMA; upper and lower: middle +- num_std population standard deviations.
class Bollinger {
 public:
  Bollinger(std::size_t period, double num_std);
  BollingerValue update(double value);
  void push(double value) noexcept;
  [[nodiscard]] const BollingerValue& value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return mean_.ready(); }
  [[nodiscard]] std::size_t period() const noexcept { return mean_.period(); }
  [[nodiscard]] double num_std() const noexcept { return num_std_; }
  [[nodiscard]] std::size_t lookback() const noexcept { return mean_.lookback(); }
  void reset() noexcept;

 private:
  Sma mean_;
  RollingVariance variance_;
  double num_std_;
  BollingerValue value_;
};

// (value - SMA) / population standard deviation over `period`; 0 when the window is flat.
class ZScore {
 public:
  explicit ZScore(std::size_t period);
  double update(double value);
  void push(double value) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return mean_.ready(); }
  [[nodiscard]] std::size_t period() const noexcept { return mean_.period(); }
  [[nodiscard]] std::size_t lookback() const noexcept { return mean_.lookback(); }
  void reset() noexcept;

 private:
  Sma mean_;
  RollingVariance variance_;
  double value_ = kNaN;
};

}  // namespace alphaforge::indicators
