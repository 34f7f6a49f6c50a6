#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "alphaforge/indicators.hpp"
#include "indicator_input.hpp"

namespace alphaforge::indicators {

using detail::checked_period;
using detail::require_finite;

Sma::Sma(std::size_t period) : window_(checked_period(period)) {}

double Sma::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void Sma::push(double value) noexcept {
  sum_ += value;
  window_.push(value);
  if (!window_.full()) return;
  value_ = sum_ / static_cast<double>(window_.capacity());
  // TA-Lib's order: the oldest value leaves right after the output it was part of.
  sum_ -= window_.oldest();
}

void Sma::reset() noexcept {
  window_.clear();
  sum_ = 0.0;
  value_ = kNaN;
}

Ema::Ema(std::size_t period)
    : period_(checked_period(period)), k_(2.0 / (static_cast<double>(period) + 1.0)) {}

double Ema::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void Ema::push(double value) noexcept {
  if (seen_ < period_) {
    sum_ += value;
    if (++seen_ == period_) value_ = sum_ / static_cast<double>(period_);
    return;
  }
  value_ = (value - value_) * k_ + value_;
}

void Ema::reset() noexcept {
  seen_ = 0;
  sum_ = 0.0;
  value_ = kNaN;
}

Wma::Wma(std::size_t period)
    : window_(checked_period(period)),
      divisor_(static_cast<double>(period) * static_cast<double>(period + 1) / 2.0) {}

double Wma::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void Wma::push(double value) noexcept {
  if (!window_.full()) {
    window_.push(value);
    sum_ += value;
    weighted_ += static_cast<double>(window_.size()) * value;
    if (window_.full()) value_ = weighted_ / divisor_;
    return;
  }
  const double leaving = window_.oldest();
  window_.push(value);
  if (++since_rebuild_ == window_.capacity()) {
    rebuild();
  } else {
    // Every weight drops by one (minus the old sum) and the new value enters at `period`.
    weighted_ += static_cast<double>(window_.capacity()) * value - sum_;
    sum_ += value - leaving;
  }
  value_ = weighted_ / divisor_;
}

void Wma::rebuild() noexcept {
  since_rebuild_ = 0;
  sum_ = weighted_ = 0.0;
  for (std::size_t i = 0; i < window_.size(); ++i) {
    const double v = window_.at(i);
    sum_ += v;
    weighted_ += static_cast<double>(i + 1) * v;
  }
}

void Wma::reset() noexcept {
  window_.clear();
  sum_ = weighted_ = 0.0;
  since_rebuild_ = 0;
  value_ = kNaN;
}

Rsi::Rsi(std::size_t period) : period_(checked_period(period)) {}

double Rsi::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void Rsi::push(double value) noexcept {
  if (!started_) {
    started_ = true;
    previous_ = value;
    return;
  }
  const double change = value - previous_;
  previous_ = value;
  const double n = static_cast<double>(period_);
  if (changes_ < period_) {
    if (change < 0.0) {
      loss_ -= change;
    } else {
      gain_ += change;
    }
    if (++changes_ < period_) return;
  } else {
    loss_ *= n - 1.0;
    gain_ *= n - 1.0;
    if (change < 0.0) {
      loss_ -= change;
    } else {
      gain_ += change;
    }
  }
  loss_ /= n;
  gain_ /= n;
  const double total = gain_ + loss_;
  value_ = total != 0.0 ? 100.0 * (gain_ / total) : 0.0;
}

void Rsi::reset() noexcept {
  changes_ = 0;
  started_ = false;
  previous_ = gain_ = loss_ = 0.0;
  value_ = kNaN;
}

namespace {

std::size_t checked_fast(std::size_t fast, std::size_t slow) {
  checked_period(fast, "fast");
  checked_period(slow, "slow");
  if (fast > slow) {
    throw std::invalid_argument("fast must not exceed slow, got fast=" + std::to_string(fast) +
                                " slow=" + std::to_string(slow));
  }
  return fast;
}

}  // namespace

Macd::Macd(std::size_t fast, std::size_t slow, std::size_t signal)
    : fast_(checked_fast(fast, slow)), slow_(slow), signal_(checked_period(signal, "signal")) {}

MacdValue Macd::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void Macd::push(double value) noexcept {
  slow_.push(value);
  if (skipped_ < slow_.period() - fast_.period()) {
    ++skipped_;
  } else {
    fast_.push(value);
  }
  if (!slow_.ready()) return;
  const double line = fast_.value() - slow_.value();
  signal_.push(line);
  if (!signal_.ready()) return;
  value_ = MacdValue{line, signal_.value(), line - signal_.value()};
}

std::size_t Macd::lookback() const noexcept { return slow_.lookback() + signal_.lookback(); }

void Macd::reset() noexcept {
  fast_.reset();
  slow_.reset();
  signal_.reset();
  skipped_ = 0;
  value_ = MacdValue{};
}

RollingStd::RollingStd(std::size_t period)
    : period_(checked_period(period)), variance_(period) {}

double RollingStd::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void RollingStd::push(double value) noexcept {
  variance_.push(value);
  if (variance_.full()) value_ = std::sqrt(variance_.variance());
}

void RollingStd::reset() noexcept {
  variance_.clear();
  value_ = kNaN;
}

namespace {

double checked_num_std(double num_std) {
  if (!std::isfinite(num_std) || num_std < 0.0) {
    throw std::invalid_argument("num_std must be finite and >= 0, got " +
                                detail::format_number(num_std));
  }
  return num_std;
}

}  // namespace

Bollinger::Bollinger(std::size_t period, double num_std)
    : mean_(period), variance_(period), num_std_(checked_num_std(num_std)) {}

BollingerValue Bollinger::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void Bollinger::push(double value) noexcept {
  mean_.push(value);
  variance_.push(value);
  if (!mean_.ready()) return;
  const double middle = mean_.value();
  const double width = std::sqrt(variance_.variance()) * num_std_;
  value_ = BollingerValue{middle + width, middle, middle - width};
}

void Bollinger::reset() noexcept {
  mean_.reset();
  variance_.clear();
  value_ = BollingerValue{};
}

ZScore::ZScore(std::size_t period) : mean_(period), variance_(period) {}

double ZScore::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void ZScore::push(double value) noexcept {
  mean_.push(value);
  variance_.push(value);
  if (!mean_.ready()) return;
  const double std = std::sqrt(variance_.variance());
  value_ = std > 0.0 ? (value - mean_.value()) / std : 0.0;
}

void ZScore::reset() noexcept {
  mean_.reset();
  variance_.clear();
  value_ = kNaN;
}

namespace {

// Leading rows NaN, then the indicator's value after each row.
template <typename Indicator>
void run_series(Indicator indicator, Column values, Output out) {
  const std::size_t begin = detail::first_complete_row({{"values", values}});
  detail::require_output(out, values.size(), "out");
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(begin), kNaN);
  for (std::size_t i = begin; i < values.size(); ++i) {
    indicator.push(values[i]);
    out[i] = indicator.value();
  }
}

}  // namespace

void sma(Column values, std::size_t period, Output out) { run_series(Sma(period), values, out); }
void ema(Column values, std::size_t period, Output out) { run_series(Ema(period), values, out); }
void wma(Column values, std::size_t period, Output out) { run_series(Wma(period), values, out); }
void rsi(Column values, std::size_t period, Output out) { run_series(Rsi(period), values, out); }

void rolling_std(Column values, std::size_t period, Output out) {
  run_series(RollingStd(period), values, out);
}

void zscore(Column values, std::size_t period, Output out) {
  run_series(ZScore(period), values, out);
}

void macd(Column values, std::size_t fast, std::size_t slow, std::size_t signal, Output macd,
          Output signal_line, Output hist) {
  Macd indicator(fast, slow, signal);
  const std::size_t begin = detail::first_complete_row({{"values", values}});
  const std::size_t rows = values.size();
  detail::require_output(macd, rows, "macd");
  detail::require_output(signal_line, rows, "signal");
  detail::require_output(hist, rows, "hist");
  for (std::size_t i = 0; i < begin; ++i) macd[i] = signal_line[i] = hist[i] = kNaN;
  for (std::size_t i = begin; i < rows; ++i) {
    indicator.push(values[i]);
    const MacdValue& v = indicator.value();
    macd[i] = v.macd;
    signal_line[i] = v.signal;
    hist[i] = v.hist;
  }
}

void bollinger(Column values, std::size_t period, double num_std, Output upper, Output middle,
               Output lower) {
  Bollinger indicator(period, num_std);
  const std::size_t begin = detail::first_complete_row({{"values", values}});
  const std::size_t rows = values.size();
  detail::require_output(upper, rows, "upper");
  detail::require_output(middle, rows, "middle");
  detail::require_output(lower, rows, "lower");
  for (std::size_t i = 0; i < begin; ++i) upper[i] = middle[i] = lower[i] = kNaN;
  for (std::size_t i = begin; i < rows; ++i) {
    indicator.push(values[i]);
    const BollingerValue& v = indicator.value();
    upper[i] = v.upper;
    middle[i] = v.middle;
    lower[i] = v.lower;
  }
}

}  // namespace alphaforge::indicators
