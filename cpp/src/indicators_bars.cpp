#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "alphaforge/indicators.hpp"
#include "indicator_input.hpp"
#include "indicator_math.hpp"

namespace alphaforge::indicators {

using detail::checked_period;

using detail::fast_k;
using detail::true_range;
using detail::typical_price_volume;

Atr::Atr(std::size_t period)
    : period_(checked_period(period)),
      keep_(detail::wilder_keep(period)),
      weight_(detail::wilder_weight(period)) {}

double Atr::update(double high, double low, double close) {
  detail::require_bar(high, low, close);
  push(high, low, close);
  return value_;
}

void Atr::push(double high, double low, double close) noexcept {
  if (!started_) {
    started_ = true;
    previous_close_ = close;
    return;
  }
  const double range = true_range(high, low, previous_close_);
  previous_close_ = close;
  if (ranges_ < period_) {
    sum_ += range;
    if (++ranges_ == period_) value_ = sum_ / static_cast<double>(period_);
    return;
  }
  value_ = detail::wilder(value_, range, keep_, weight_);
}

void Atr::reset() noexcept {
  ranges_ = 0;
  started_ = false;
  previous_close_ = sum_ = 0.0;
  value_ = kNaN;
}

Stochastic::Stochastic(std::size_t fastk, std::size_t slowk, std::size_t slowd)
    : fastk_(checked_period(fastk, "fastk")),
      highest_(fastk),
      lowest_(fastk),
      slow_k_(checked_period(slowk, "slowk")),
      slow_d_(checked_period(slowd, "slowd")) {}

StochasticValue Stochastic::update(double high, double low, double close) {
  detail::require_bar(high, low, close);
  push(high, low, close);
  return value_;
}

void Stochastic::push(double high, double low, double close) noexcept {
  highest_.push(high);
  lowest_.push(low);
  if (bars_ < fastk_ && ++bars_ < fastk_) return;
  slow_k_.push(fast_k(close, highest_.extreme(), lowest_.extreme()));
  if (!slow_k_.ready()) return;
  slow_d_.push(slow_k_.value());
  if (!slow_d_.ready()) return;
  value_ = StochasticValue{slow_k_.value(), slow_d_.value()};
}

std::size_t Stochastic::lookback() const noexcept {
  return fastk_ - 1 + slow_k_.lookback() + slow_d_.lookback();
}

void Stochastic::reset() noexcept {
  bars_ = 0;
  highest_.clear();
  lowest_.clear();
  slow_k_.reset();
  slow_d_.reset();
  value_ = StochasticValue{};
}

Adx::Adx(std::size_t period)
    : period_(checked_period(period)),
      keep_(detail::wilder_keep(period)),
      weight_(detail::wilder_weight(period)) {}

double Adx::update(double high, double low, double close) {
  detail::require_bar(high, low, close);
  push(high, low, close);
  return value_;
}

void Adx::push(double high, double low, double close) noexcept {
  const std::size_t bar = bars_++;
  const double up = high - previous_high_;
  const double down = previous_low_ - low;
  const double range = true_range(high, low, previous_close_);
  previous_high_ = high;
  previous_low_ = low;
  previous_close_ = close;
  if (bar == 0) return;
  if (bar >= period_) {
    minus_dm_ *= keep_;
    plus_dm_ *= keep_;
  }
  detail::add_movement(up, down, plus_dm_, minus_dm_);
  if (bar < period_) {
    range_ += range;
    return;
  }
  range_ = std::fma(range_, keep_, range);
  double dx = 0.0;
  const bool has_dx = detail::directional_index(plus_dm_, minus_dm_, range_, dx);
  if (bar < 2 * period_) {
    if (has_dx) dx_sum_ += dx;
    if (bar == 2 * period_ - 1) value_ = dx_sum_ / static_cast<double>(period_);
    return;
  }
  if (has_dx) value_ = detail::wilder(value_, dx, keep_, weight_);
}

void Adx::reset() noexcept {
  bars_ = 0;
  previous_high_ = previous_low_ = previous_close_ = 0.0;
  plus_dm_ = minus_dm_ = range_ = dx_sum_ = 0.0;
  value_ = kNaN;
}

double Obv::update(double close, double volume) {
  detail::require_finite(close, "close");
  detail::require_volume(volume);
  push(close, volume);
  return value_;
}

void Obv::push(double close, double volume) noexcept {
  if (started_) {
    value_ += detail::signed_volume(close, previous_close_, volume);
  } else {
    started_ = true;
    value_ = volume;
  }
  previous_close_ = close;
}

void Obv::reset() noexcept {
  started_ = false;
  previous_close_ = 0.0;
  value_ = kNaN;
}

Vwap::Vwap(std::size_t period)
    : period_(period), price_volumes_(period), volumes_(period), sums_(period) {}

double Vwap::update(double high, double low, double close, double volume) {
  detail::require_bar(high, low, close);
  detail::require_volume(volume);
  push(high, low, close, volume);
  return value_;
}

void Vwap::push(double high, double low, double close, double volume) noexcept {
  const double price_volume = typical_price_volume(high, low, close, volume);
  started_ = true;
  if (period_ == 0 || !volumes_.full()) {
    sums_.add(price_volume, volume);
    if (period_ > 0) {
      price_volumes_.push(price_volume);
      volumes_.push(volume);
    }
    if (ready()) value_ = sums_.value();
    return;
  }
  const double leaving_price_volume = price_volumes_.oldest();
  const double leaving_volume = volumes_.oldest();
  price_volumes_.push(price_volume);
  volumes_.push(volume);
  sums_.slide(price_volume, volume, leaving_price_volume, leaving_volume, price_volumes_,
              volumes_);
  value_ = sums_.value();
}

void Vwap::reset() noexcept {
  started_ = false;
  price_volumes_.clear();
  volumes_.clear();
  sums_.clear();
  value_ = kNaN;
}

// The vectorised loops: the streaming arithmetic above, step for step; tests/ check both agree
// bit for bit. Each row is checked as it is read.
namespace {

// The first row to read; the outputs hold NaN up to it and `warm` more rows after it.
std::size_t bar_begin(Column high, Column low, Column close,
                      std::initializer_list<Output> outputs, std::size_t warm) {
  const std::size_t begin =
      detail::first_complete_row({{"high", high}, {"low", low}, {"close", close}});
  for (Output out : outputs) {
    detail::require_output(out, high.size(), "out");
    const auto end = std::min(high.size(), begin + warm);
    std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(end), kNaN);
  }
  return begin;
}

// Checks row i of a bar; the columns are read directly after.
ALPHAFORGE_INLINE void checked_bar(Column high, Column low, Column close, std::size_t i) {
  detail::check_bar(i, high[i], low[i], close[i]);
}

// Sma::push on a ring of its own: the smoothing stages of the stochastic.
class SlidingMean {
 public:
  explicit SlidingMean(std::size_t period)
      : window_(period, 0.0), n_(static_cast<double>(period)) {}

  // Adds a value; true once the window is full, with the mean in value().
  ALPHAFORGE_INLINE bool push(double v) noexcept {
    sum_ += v;
    window_[next_] = v;
    if (++next_ == window_.size()) next_ = 0;
    if (count_ < window_.size() && ++count_ < window_.size()) return false;
    value_ = sum_ / n_;
    sum_ -= window_[next_];  // the oldest, right after the output it was part of
    return true;
  }
  [[nodiscard]] double value() const noexcept { return value_; }

 private:
  std::vector<double> window_;
  double n_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
  double sum_ = 0.0;
  double value_ = kNaN;
};

// The extreme of x over the `period` rows ending at i. Short windows are scanned whole, without
// a branch; longer ones keep the extreme of the row before and scan again only when it has left
// the window (as TA-Lib's STOCH does), which on market data is rare. Exact either way, as
// ExtremeWindow is.
template <bool kMax>
class WindowExtreme {
 public:
  explicit WindowExtreme(std::size_t period) : period_(period) {}

  ALPHAFORGE_INLINE double update(const double* x, std::size_t i) noexcept {
    const std::size_t first = i + 1 - period_;
    if (period_ <= kScanned) {
      double e = x[first];
      for (std::size_t j = first + 1; j <= i; ++j) e = kMax ? std::max(e, x[j]) : std::min(e, x[j]);
      return e;
    }
    if (!valid_ || at_ < first) {
      at_ = first;
      for (std::size_t j = first + 1; j <= i; ++j) {
        if (kMax ? x[j] >= x[at_] : x[j] <= x[at_]) at_ = j;
      }
      valid_ = true;
    } else if (kMax ? x[i] >= x[at_] : x[i] <= x[at_]) {
      at_ = i;
    }
    return x[at_];
  }

 private:
  static constexpr std::size_t kScanned = 32;
  std::size_t period_;
  std::size_t at_ = 0;
  bool valid_ = false;
};

}  // namespace

ALPHAFORGE_FMA_CLONES
void atr(Column high, Column low, Column close, std::size_t period, Output out) {
  checked_period(period);
  const std::size_t begin = bar_begin(high, low, close, {out}, period);
  const std::size_t rows = high.size();
  if (begin >= rows) return;
  checked_bar(high, low, close, begin);
  const double keep = detail::wilder_keep(period);
  const double weight = detail::wilder_weight(period);
  const std::size_t seed_end = std::min(rows, begin + period + 1);
  double sum = 0.0;
  for (std::size_t i = begin + 1; i < seed_end; ++i) {
    checked_bar(high, low, close, i);
    sum += true_range(high[i], low[i], close[i - 1]);
  }
  if (seed_end - begin <= period) return;
  double value = sum / static_cast<double>(period);
  out[seed_end - 1] = value;
  for (std::size_t i = seed_end; i < rows; ++i) {
    checked_bar(high, low, close, i);
    value = detail::wilder(value, true_range(high[i], low[i], close[i - 1]), keep, weight);
    out[i] = value;
  }
}

ALPHAFORGE_FMA_CLONES
void adx(Column high, Column low, Column close, std::size_t period, Output out) {
  checked_period(period);
  const std::size_t begin = bar_begin(high, low, close, {out}, 2 * period - 1);
  const std::size_t rows = high.size();
  if (begin >= rows) return;
  checked_bar(high, low, close, begin);
  const double keep = detail::wilder_keep(period);
  const double weight = detail::wilder_weight(period);
  double plus_dm = 0.0;
  double minus_dm = 0.0;
  double range = 0.0;
  double dx_sum = 0.0;
  double value = 0.0;
  // Adx::push, bar by bar: sums over bars 1 .. period - 1, smoothing from bar `period` on, the
  // first ADX at bar 2 * period - 1.
  for (std::size_t i = begin + 1; i < rows; ++i) {
    checked_bar(high, low, close, i);
    const std::size_t bar = i - begin;
    if (bar >= period) {
      minus_dm *= keep;
      plus_dm *= keep;
    }
    detail::add_movement(high[i] - high[i - 1], low[i - 1] - low[i], plus_dm, minus_dm);
    const double tr = true_range(high[i], low[i], close[i - 1]);
    if (bar < period) {
      range += tr;
      continue;
    }
    range = std::fma(range, keep, tr);
    double dx = 0.0;
    const bool has_dx = detail::directional_index(plus_dm, minus_dm, range, dx);
    if (bar < 2 * period) {
      if (has_dx) dx_sum += dx;
      if (bar < 2 * period - 1) continue;
      value = dx_sum / static_cast<double>(period);
    } else if (has_dx) {
      value = detail::wilder(value, dx, keep, weight);
    }
    out[i] = value;
  }
}

void stochastic(Column high, Column low, Column close, std::size_t fastk, std::size_t slowk,
                std::size_t slowd, Output k, Output d) {
  const Stochastic shape(fastk, slowk, slowd);  // checks the periods
  const std::size_t begin = bar_begin(high, low, close, {k, d}, shape.lookback());
  WindowExtreme<true> highest(fastk);
  WindowExtreme<false> lowest(fastk);
  SlidingMean slow_k(slowk);
  SlidingMean slow_d(slowd);
  for (std::size_t i = begin; i < high.size(); ++i) {
    checked_bar(high, low, close, i);
    if (i + 1 < begin + fastk) continue;
    const double fast =
        fast_k(close[i], highest.update(high.data(), i), lowest.update(low.data(), i));
    if (!slow_k.push(fast) || !slow_d.push(slow_k.value())) continue;
    k[i] = slow_k.value();
    d[i] = slow_d.value();
  }
}

void obv(Column close, Column volume, Output out) {
  const std::size_t begin = detail::first_complete_row({{"close", close}, {"volume", volume}});
  detail::require_output(out, close.size(), "out");
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(begin), kNaN);
  const std::size_t rows = close.size();
  if (begin >= rows) return;
  detail::check_value("close", begin, close[begin]);
  detail::check_volume(begin, volume[begin]);
  double value = volume[begin];
  out[begin] = value;
  for (std::size_t i = begin + 1; i < rows; ++i) {
    detail::check_value("close", i, close[i]);
    detail::check_volume(i, volume[i]);
    value += detail::signed_volume(close[i], close[i - 1], volume[i]);
    out[i] = value;
  }
}

namespace {

// Price * volume of rows first .. first + size - 1, computed as Vwap computes them.
struct PriceVolumeWindow {
  const double* high;
  const double* low;
  const double* close;
  const double* volume;
  std::size_t first;
  std::size_t length;
  [[nodiscard]] double at(std::size_t i) const noexcept {
    const std::size_t r = first + i;
    return typical_price_volume(high[r], low[r], close[r], volume[r]);
  }
  [[nodiscard]] std::size_t size() const noexcept { return length; }
};

}  // namespace

void vwap(Column high, Column low, Column close, Column volume, std::size_t period,
          std::span<const std::int64_t> session, Output out) {
  const std::size_t begin = detail::first_complete_row(
      {{"high", high}, {"low", low}, {"close", close}, {"volume", volume}});
  if (!session.empty() && session.size() != high.size()) {
    throw std::invalid_argument("session has " + std::to_string(session.size()) +
                                " rows, high has " + std::to_string(high.size()));
  }
  detail::require_output(out, high.size(), "out");
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(begin), kNaN);
  const double *h = high.data(), *l = low.data(), *c = close.data(), *v = volume.data();
  VolumeSums sums(period);
  std::size_t start = begin;  // of the current session
  for (std::size_t i = begin; i < high.size(); ++i) {
    detail::check_bar(i, h[i], l[i], c[i]);
    detail::check_volume(i, v[i]);
    if (!session.empty() && i > begin && session[i] != session[i - 1]) {
      sums.clear();
      start = i;
    }
    const double price_volume = typical_price_volume(h[i], l[i], c[i], v[i]);
    if (period == 0 || i - start < period) {
      sums.add(price_volume, v[i]);
      out[i] = (period == 0 || i - start + 1 == period) ? sums.value() : kNaN;
      continue;
    }
    const std::size_t gone = i - period;
    sums.slide(price_volume, v[i], typical_price_volume(h[gone], l[gone], c[gone], v[gone]),
               v[gone], PriceVolumeWindow{h, l, c, v, gone + 1, period},
               ColumnWindow{v + gone + 1, period});
    out[i] = sums.value();
  }
}

}  // namespace alphaforge::indicators
