#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "alphaforge/indicators.hpp"
#include "indicator_input.hpp"
#include "indicator_math.hpp"

namespace alphaforge::indicators {

using detail::checked_period;
using detail::require_finite;
using detail::smooth;

using detail::rsi_value;

namespace {

ALPHAFORGE_INLINE double deviation(double variance) noexcept { return std::sqrt(variance); }

ALPHAFORGE_INLINE double zscore_value(double value, double mean, double std) noexcept {
  return std > 0.0 ? (value - mean) / std : 0.0;
}

}  // namespace

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

Ema::Ema(std::size_t period) : period_(checked_period(period)), k_(detail::ema_weight(period)) {}

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
  value_ = smooth(value_, value, k_);
}

void Ema::reset() noexcept {
  seen_ = 0;
  sum_ = 0.0;
  value_ = kNaN;
}

Wma::Wma(std::size_t period) : window_(checked_period(period)), sums_(period) {}

double Wma::update(double value) {
  require_finite(value, "value");
  push(value);
  return value_;
}

void Wma::push(double value) noexcept {
  if (!window_.full()) {
    window_.push(value);
    sums_.fill(value, window_.size());
    if (window_.full()) value_ = sums_.value();
    return;
  }
  const double leaving = window_.oldest();
  window_.push(value);
  sums_.slide(value, leaving, window_);
  value_ = sums_.value();
}

void Wma::reset() noexcept {
  window_.clear();
  sums_.clear();
  value_ = kNaN;
}

Rsi::Rsi(std::size_t period)
    : period_(checked_period(period)),
      keep_(detail::wilder_keep(period)),
      weight_(detail::wilder_weight(period)) {}

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
  const double gain = change > 0.0 ? change : 0.0;
  const double loss = change < 0.0 ? -change : 0.0;
  if (changes_ < period_) {
    gain_ += gain;
    loss_ += loss;
    if (++changes_ < period_) return;
    gain_ /= static_cast<double>(period_);
    loss_ /= static_cast<double>(period_);
  } else {
    gain_ = detail::wilder(gain_, gain, keep_, weight_);
    loss_ = detail::wilder(loss_, loss, keep_, weight_);
  }
  value_ = rsi_value(gain_, loss_);
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
  if (variance_.full()) value_ = deviation(variance_.variance());
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

ALPHAFORGE_INLINE BollingerValue bands(double middle, double std, double num_std) noexcept {
  const double width = std * num_std;
  return BollingerValue{middle + width, middle, middle - width};
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
  if (mean_.ready()) value_ = bands(mean_.value(), deviation(variance_.variance()), num_std_);
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
  if (mean_.ready()) value_ = zscore_value(value, mean_.value(), deviation(variance_.variance()));
}

void ZScore::reset() noexcept {
  mean_.reset();
  variance_.clear();
  value_ = kNaN;
}

// The vectorised loops: the streaming arithmetic above, step for step, with the window read
// from the input column instead of a ring, and each row checked as it is read. tests/ check that
// both agree bit for bit.
namespace {

// The first row to read; the outputs hold NaN up to it, and `warm` more rows after it.
std::size_t begin_of(Column values, std::initializer_list<Output> outputs, std::size_t warm) {
  const std::size_t begin = detail::first_complete_row({{"values", values}});
  for (Output out : outputs) {
    detail::require_output(out, values.size(), "out");
    const auto end = std::min(values.size(), begin + warm);
    std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(end), kNaN);
  }
  return begin;
}

ALPHAFORGE_INLINE double checked(Column values, std::size_t i) {
  detail::check_value("values", i, values[i]);
  return values[i];
}

}  // namespace

void sma(Column values, std::size_t period, Output out) {
  checked_period(period);
  const std::size_t begin = begin_of(values, {out}, period - 1);
  const double n = static_cast<double>(period);
  const std::size_t first_full = std::min(values.size(), begin + period - 1);
  double sum = 0.0;
  for (std::size_t i = begin; i < first_full; ++i) sum += checked(values, i);
  for (std::size_t i = first_full; i < values.size(); ++i) {
    sum += checked(values, i);
    out[i] = sum / n;
    sum -= values[i + 1 - period];
  }
}

ALPHAFORGE_FMA_CLONES
void ema(Column values, std::size_t period, Output out) {
  checked_period(period);
  const std::size_t begin = begin_of(values, {out}, period - 1);
  const double k = detail::ema_weight(period);
  const std::size_t seed_end = std::min(values.size(), begin + period);
  double sum = 0.0;
  for (std::size_t i = begin; i < seed_end; ++i) sum += checked(values, i);
  if (seed_end - begin < period) return;
  double value = sum / static_cast<double>(period);
  out[seed_end - 1] = value;
  for (std::size_t i = seed_end; i < values.size(); ++i) {
    value = smooth(value, checked(values, i), k);
    out[i] = value;
  }
}

ALPHAFORGE_FMA_CLONES
void rsi(Column values, std::size_t period, Output out) {
  checked_period(period);
  const std::size_t begin = begin_of(values, {out}, period);
  const std::size_t rows = values.size();
  if (begin >= rows) return;
  const double keep = detail::wilder_keep(period);
  const double weight = detail::wilder_weight(period);
  double previous = checked(values, begin);
  double gain = 0.0;
  double loss = 0.0;
  const std::size_t seed_end = std::min(rows, begin + period + 1);
  for (std::size_t i = begin + 1; i < seed_end; ++i) {
    const double change = checked(values, i) - previous;
    previous = values[i];
    gain += change > 0.0 ? change : 0.0;
    loss += change < 0.0 ? -change : 0.0;
  }
  if (seed_end - begin <= period) return;
  gain /= static_cast<double>(period);
  loss /= static_cast<double>(period);
  out[seed_end - 1] = rsi_value(gain, loss);
  for (std::size_t i = seed_end; i < rows; ++i) {
    const double change = checked(values, i) - previous;
    previous = values[i];
    gain = detail::wilder(gain, change > 0.0 ? change : 0.0, keep, weight);
    loss = detail::wilder(loss, change < 0.0 ? -change : 0.0, keep, weight);
    out[i] = rsi_value(gain, loss);
  }
}

void wma(Column values, std::size_t period, Output out) {
  WeightedSums sums(checked_period(period));
  const std::size_t begin = begin_of(values, {out}, period - 1);
  const std::size_t first_full = std::min(values.size(), begin + period - 1);
  for (std::size_t i = begin; i < first_full; ++i) sums.fill(checked(values, i), i - begin + 1);
  if (first_full == values.size()) return;
  sums.fill(checked(values, first_full), period);
  out[first_full] = sums.value();
  const double* x = values.data();
  for (std::size_t i = first_full + 1; i < values.size(); ++i) {
    sums.slide(checked(values, i), x[i - period], ColumnWindow{x + i + 1 - period, period});
    out[i] = sums.value();
  }
}

namespace {

// The SMA and the variance of each full window, rounded as Sma and RollingVariance round them.
class WindowMoments {
 public:
  WindowMoments(Column values, std::size_t begin, std::size_t period)
      : x_(values.data()), begin_(begin), period_(period), n_(static_cast<double>(period)),
        state_(period) {}

  // Reads row i; true once the window ending there is full.
  ALPHAFORGE_INLINE bool add(std::size_t i) noexcept {
    const double v = x_[i];
    sum_ += v;
    const std::size_t position = i - begin_ + 1;
    if (position <= period_) {
      state_.fill(v);
      if (position < period_) return false;
      state_.rebuild(ColumnWindow{x_ + i + 1 - period_, period_});
    } else {
      state_.slide(v, x_[i - period_], ColumnWindow{x_ + i + 1 - period_, period_});
    }
    mean_ = sum_ / n_;
    sum_ -= x_[i + 1 - period_];
    return true;
  }
  [[nodiscard]] double mean() const noexcept { return mean_; }
  [[nodiscard]] double variance() const noexcept { return state_.variance(); }

 private:
  const double* x_;
  std::size_t begin_;
  std::size_t period_;
  double n_;
  VarianceState state_;
  double sum_ = 0.0;
  double mean_ = kNaN;
};

}  // namespace

void rolling_std(Column values, std::size_t period, Output out) {
  checked_period(period);
  const std::size_t begin = begin_of(values, {out}, period - 1);
  WindowMoments moments(values, begin, period);
  for (std::size_t i = begin; i < values.size(); ++i) {
    checked(values, i);
    if (moments.add(i)) out[i] = deviation(moments.variance());
  }
}

void zscore(Column values, std::size_t period, Output out) {
  checked_period(period);
  const std::size_t begin = begin_of(values, {out}, period - 1);
  WindowMoments moments(values, begin, period);
  for (std::size_t i = begin; i < values.size(); ++i) {
    const double v = checked(values, i);
    if (moments.add(i)) out[i] = zscore_value(v, moments.mean(), deviation(moments.variance()));
  }
}

void bollinger(Column values, std::size_t period, double num_std, Output upper, Output middle,
               Output lower) {
  checked_period(period);
  checked_num_std(num_std);
  const std::size_t begin = begin_of(values, {upper, middle, lower}, period - 1);
  WindowMoments moments(values, begin, period);
  for (std::size_t i = begin; i < values.size(); ++i) {
    checked(values, i);
    if (!moments.add(i)) continue;
    const BollingerValue v = bands(moments.mean(), deviation(moments.variance()), num_std);
    upper[i] = v.upper;
    middle[i] = v.middle;
    lower[i] = v.lower;
  }
}

ALPHAFORGE_FMA_CLONES
void macd(Column values, std::size_t fast, std::size_t slow, std::size_t signal, Output macd,
          Output signal_line, Output hist) {
  const Macd shape(fast, slow, signal);  // checks the periods
  const std::size_t begin = begin_of(values, {macd, signal_line, hist}, shape.lookback());
  const std::size_t rows = values.size();
  // Macd's three EMAs, unrolled: the slow one from `begin`, the fast one from slow - fast rows
  // later, the signal from the first MACD line on.
  const double fast_k = detail::ema_weight(fast);
  const double slow_k = detail::ema_weight(slow);
  const double signal_k = detail::ema_weight(signal);
  double slow_sum = 0.0;
  double fast_sum = 0.0;
  double signal_sum = 0.0;
  double slow_value = 0.0;
  double fast_value = 0.0;
  double signal_value = 0.0;
  for (std::size_t i = begin; i < rows; ++i) {
    const double v = checked(values, i);
    const std::size_t seen = i - begin + 1;
    if (seen < slow) {
      slow_sum += v;
      if (seen > slow - fast) fast_sum += v;
      continue;
    }
    if (seen == slow) {
      slow_value = (slow_sum + v) / static_cast<double>(slow);
      fast_value = (fast_sum + v) / static_cast<double>(fast);
    } else {
      slow_value = smooth(slow_value, v, slow_k);
      fast_value = smooth(fast_value, v, fast_k);
    }
    const double line = fast_value - slow_value;
    const std::size_t lines = seen - slow + 1;
    if (lines < signal) {
      signal_sum += line;
      continue;
    }
    signal_value = lines == signal ? (signal_sum + line) / static_cast<double>(signal)
                                   : smooth(signal_value, line, signal_k);
    macd[i] = line;
    signal_line[i] = signal_value;
    hist[i] = line - signal_value;
  }
}

}  // namespace alphaforge::indicators
