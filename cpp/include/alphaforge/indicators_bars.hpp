#pragma once

#include <cstddef>

#include "alphaforge/indicator_windows.hpp"
#include "alphaforge/indicators_series.hpp"

// Indicators of OHLCV bars, with the contract of indicators_series.hpp. update() also rejects a
// bar whose high is below its low, and a negative volume.
namespace alphaforge::indicators {

// Wilder's ATR: true ranges from the second bar on, seeded by the mean of the first `period`,
// then (atr * (period - 1) + tr) / period.
class Atr {
 public:
  explicit Atr(std::size_t period);
  double update(double high, double low, double close);
  void push(double high, double low, double close) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return ranges_ == period_; }
  [[nodiscard]] std::size_t period() const noexcept { return period_; }
  [[nodiscard]] std::size_t lookback() const noexcept { return period_; }
  void reset() noexcept;

 private:
  std::size_t period_;
  double keep_;
  double weight_;
  std::size_t ranges_ = 0;
  bool started_ = false;
  double previous_close_ = 0.0;
  double sum_ = 0.0;
  double value_ = kNaN;
};

struct StochasticValue {
  double k = kNaN;
  double d = kNaN;
};

// TA-Lib's STOCH with SMA smoothing: fast %K = 100 * (close - lowest low) / (highest high -
// lowest low) over `fastk` bars (0 when the range is 0), slow %K = SMA(fast %K, slowk),
// %D = SMA(slow %K, slowd); both appear once %D is ready.
class Stochastic {
 public:
  Stochastic(std::size_t fastk, std::size_t slowk, std::size_t slowd);
  StochasticValue update(double high, double low, double close);
  void push(double high, double low, double close) noexcept;
  [[nodiscard]] const StochasticValue& value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return slow_d_.ready(); }
  [[nodiscard]] std::size_t lookback() const noexcept;
  [[nodiscard]] std::size_t fastk_period() const noexcept { return fastk_; }
  [[nodiscard]] std::size_t slowk_period() const noexcept { return slow_k_.period(); }
  [[nodiscard]] std::size_t slowd_period() const noexcept { return slow_d_.period(); }
  void reset() noexcept;

 private:
  std::size_t fastk_;
  std::size_t bars_ = 0;
  ExtremeWindow<true> highest_;
  ExtremeWindow<false> lowest_;
  Sma slow_k_;
  Sma slow_d_;
  StochasticValue value_;
};

// TA-Lib's ADX: +DM, -DM and TR summed over period - 1 bars, then Wilder-smoothed as
// s - s / period + x; DX averaged over `period` bars for the first ADX, then Wilder-smoothed.
// A bar whose smoothed TR or DI sum is 0 leaves the ADX as it was.
class Adx {
 public:
  explicit Adx(std::size_t period);
  double update(double high, double low, double close);
  void push(double high, double low, double close) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return bars_ >= 2 * period_; }
  [[nodiscard]] std::size_t period() const noexcept { return period_; }
  [[nodiscard]] std::size_t lookback() const noexcept { return 2 * period_ - 1; }
  void reset() noexcept;

 private:
  std::size_t period_;
  double keep_;
  double weight_;
  std::size_t bars_ = 0;
  double previous_high_ = 0.0;
  double previous_low_ = 0.0;
  double previous_close_ = 0.0;
  double plus_dm_ = 0.0;
  double minus_dm_ = 0.0;
  double range_ = 0.0;
  double dx_sum_ = 0.0;
  double value_ = kNaN;
};

// On-balance volume: starts at the first bar's volume, then adds the volume of a bar that
// closes higher and subtracts that of one that closes lower.
class Obv {
 public:
  Obv() = default;
  double update(double close, double volume);
  void push(double close, double volume) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return started_; }
  [[nodiscard]] std::size_t lookback() const noexcept { return 0; }
  void reset() noexcept;

 private:
  bool started_ = false;
  double previous_close_ = 0.0;
  double value_ = kNaN;
};

// Volume-weighted typical price (high + low + close) / 3: over every bar since the start (or
// the last reset) when period is 0, else over the last `period` bars. NaN while the volume it
// covers is 0.
class Vwap {
 public:
  explicit Vwap(std::size_t period = 0);
  double update(double high, double low, double close, double volume);
  void push(double high, double low, double close, double volume) noexcept;
  [[nodiscard]] double value() const noexcept { return value_; }
  [[nodiscard]] bool ready() const noexcept { return period_ == 0 ? started_ : volumes_.full(); }
  [[nodiscard]] std::size_t period() const noexcept { return period_; }
  [[nodiscard]] std::size_t lookback() const noexcept { return period_ == 0 ? 0 : period_ - 1; }
  void reset() noexcept;

 private:
  std::size_t period_;
  bool started_ = false;
  Ring price_volumes_;
  Ring volumes_;
  VolumeSums sums_;
  double value_ = kNaN;
};

}  // namespace alphaforge::indicators
