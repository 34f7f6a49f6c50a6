#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "alphaforge/indicators.hpp"
#include "indicator_input.hpp"

namespace alphaforge::indicators {

using detail::checked_period;

namespace {

// TA-Lib's TRANGE: the largest of high - low and the distances from the previous close.
double true_range(double high, double low, double previous_close) noexcept {
  double range = high - low;
  const double above = std::fabs(previous_close - high);
  if (above > range) range = above;
  const double below = std::fabs(previous_close - low);
  if (below > range) range = below;
  return range;
}

}  // namespace

Atr::Atr(std::size_t period) : period_(checked_period(period)) {}

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
  const double n = static_cast<double>(period_);
  if (ranges_ < period_) {
    sum_ += range;
    if (++ranges_ == period_) value_ = sum_ / n;
    return;
  }
  value_ = (value_ * (n - 1.0) + range) / n;
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
  const double lowest = lowest_.extreme();
  // TA-Lib divides by the range over 100 rather than multiplying by 100: the same rounding.
  const double range = (highest_.extreme() - lowest) / 100.0;
  slow_k_.push(range != 0.0 ? (close - lowest) / range : 0.0);
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

Adx::Adx(std::size_t period) : period_(checked_period(period)) {}

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
  const double n = static_cast<double>(period_);
  if (bar >= period_) {
    minus_dm_ -= minus_dm_ / n;
    plus_dm_ -= plus_dm_ / n;
  }
  if (down > 0.0 && up < down) {
    minus_dm_ += down;
  } else if (up > 0.0 && up > down) {
    plus_dm_ += up;
  }
  if (bar < period_) {
    range_ += range;
    return;
  }
  range_ = range_ - range_ / n + range;
  bool has_dx = false;
  double dx = 0.0;
  if (range_ != 0.0) {
    const double minus_di = 100.0 * (minus_dm_ / range_);
    const double plus_di = 100.0 * (plus_dm_ / range_);
    const double sum = minus_di + plus_di;
    if (sum != 0.0) {
      dx = 100.0 * (std::fabs(minus_di - plus_di) / sum);
      has_dx = true;
    }
  }
  if (bar < 2 * period_) {
    if (has_dx) dx_sum_ += dx;
    if (bar == 2 * period_ - 1) value_ = dx_sum_ / n;
    return;
  }
  if (has_dx) value_ = (value_ * (n - 1.0) + dx) / n;
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
  if (!started_) {
    started_ = true;
    value_ = volume;
  } else if (close > previous_close_) {
    value_ += volume;
  } else if (close < previous_close_) {
    value_ -= volume;
  }
  previous_close_ = close;
}

void Obv::reset() noexcept {
  started_ = false;
  previous_close_ = 0.0;
  value_ = kNaN;
}

Vwap::Vwap(std::size_t period) : period_(period), price_volumes_(period), volumes_(period) {}

double Vwap::update(double high, double low, double close, double volume) {
  detail::require_bar(high, low, close);
  detail::require_volume(volume);
  push(high, low, close, volume);
  return value_;
}

void Vwap::push(double high, double low, double close, double volume) noexcept {
  const double price_volume = (high + low + close) / 3.0 * volume;
  started_ = true;
  if (period_ == 0) {
    price_volume_ += price_volume;
    volume_ += volume;
    value_ = volume_ > 0.0 ? price_volume_ / volume_ : kNaN;
    return;
  }
  const bool sliding = volumes_.full();
  const double leaving_price_volume = price_volumes_.oldest();
  const double leaving_volume = volumes_.oldest();
  price_volumes_.push(price_volume);
  volumes_.push(volume);
  if (sliding && leaving_volume > 0.0) --traded_;
  if (volume > 0.0) ++traded_;
  if (!sliding) {
    price_volume_ += price_volume;
    volume_ += volume;
  } else if (++since_rebuild_ == period_) {
    rebuild();
  } else {
    price_volume_ += price_volume - leaving_price_volume;
    volume_ += volume - leaving_volume;
  }
  if (!volumes_.full()) return;
  // Counting traded bars keeps a window of zero volume exactly NaN, whatever the sums hold.
  value_ = traded_ > 0 ? price_volume_ / volume_ : kNaN;
}

void Vwap::rebuild() noexcept {
  since_rebuild_ = 0;
  price_volume_ = volume_ = 0.0;
  for (std::size_t i = 0; i < volumes_.size(); ++i) {
    price_volume_ += price_volumes_.at(i);
    volume_ += volumes_.at(i);
  }
}

void Vwap::reset() noexcept {
  started_ = false;
  price_volumes_.clear();
  volumes_.clear();
  traded_ = since_rebuild_ = 0;
  price_volume_ = volume_ = 0.0;
  value_ = kNaN;
}

namespace {

std::size_t bar_rows(Column high, Column low, Column close) {
  const std::size_t begin =
      detail::first_complete_row({{"high", high}, {"low", low}, {"close", close}});
  detail::require_bars_from(high, low, begin);
  return begin;
}

void fill_nan(Output out, std::size_t count) {
  std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count), kNaN);
}

}  // namespace

void atr(Column high, Column low, Column close, std::size_t period, Output out) {
  Atr indicator(period);
  const std::size_t begin = bar_rows(high, low, close);
  detail::require_output(out, high.size(), "out");
  fill_nan(out, begin);
  for (std::size_t i = begin; i < high.size(); ++i) {
    indicator.push(high[i], low[i], close[i]);
    out[i] = indicator.value();
  }
}

void stochastic(Column high, Column low, Column close, std::size_t fastk, std::size_t slowk,
                std::size_t slowd, Output k, Output d) {
  Stochastic indicator(fastk, slowk, slowd);
  const std::size_t begin = bar_rows(high, low, close);
  detail::require_output(k, high.size(), "k");
  detail::require_output(d, high.size(), "d");
  fill_nan(k, begin);
  fill_nan(d, begin);
  for (std::size_t i = begin; i < high.size(); ++i) {
    indicator.push(high[i], low[i], close[i]);
    k[i] = indicator.value().k;
    d[i] = indicator.value().d;
  }
}

void adx(Column high, Column low, Column close, std::size_t period, Output out) {
  Adx indicator(period);
  const std::size_t begin = bar_rows(high, low, close);
  detail::require_output(out, high.size(), "out");
  fill_nan(out, begin);
  for (std::size_t i = begin; i < high.size(); ++i) {
    indicator.push(high[i], low[i], close[i]);
    out[i] = indicator.value();
  }
}

void obv(Column close, Column volume, Output out) {
  Obv indicator;
  const std::size_t begin = detail::first_complete_row({{"close", close}, {"volume", volume}});
  detail::require_volumes_from(volume, begin);
  detail::require_output(out, close.size(), "out");
  fill_nan(out, begin);
  for (std::size_t i = begin; i < close.size(); ++i) {
    indicator.push(close[i], volume[i]);
    out[i] = indicator.value();
  }
}

void vwap(Column high, Column low, Column close, Column volume, std::size_t period,
          std::span<const std::int64_t> session, Output out) {
  Vwap indicator(period);
  const std::size_t begin = detail::first_complete_row(
      {{"high", high}, {"low", low}, {"close", close}, {"volume", volume}});
  detail::require_bars_from(high, low, begin);
  detail::require_volumes_from(volume, begin);
  if (!session.empty() && session.size() != high.size()) {
    throw std::invalid_argument("session has " + std::to_string(session.size()) +
                                " rows, high has " + std::to_string(high.size()));
  }
  detail::require_output(out, high.size(), "out");
  fill_nan(out, begin);
  for (std::size_t i = begin; i < high.size(); ++i) {
    if (!session.empty() && i > begin && session[i] != session[i - 1]) indicator.reset();
    indicator.push(high[i], low[i], close[i], volume[i]);
    out[i] = indicator.value();
  }
}

}  // namespace alphaforge::indicators
