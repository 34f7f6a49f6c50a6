#pragma once

#include <cmath>
#include <cstddef>

// The arithmetic the streaming objects and the vectorised loops share, so that both round alike.
// Forced inline: the loops are also built for FMA (below), and GCC inlines no further into those
// clones than it is told to.
#define ALPHAFORGE_INLINE [[gnu::always_inline]] inline

namespace alphaforge::indicators::detail {

// One step of an exponential average: average + weight * (value - average), as one fused
// multiply-add: the form TA-Lib's EMA takes when its build fuses it (the PyPI wheels' does).
ALPHAFORGE_INLINE double smooth(double average, double value, double weight) noexcept {
  return std::fma(value - average, weight, average);
}

// One step of Wilder's smoothing, (average * (period - 1) + value) / period, as
// average * keep + value * weight, with keep = (period - 1) / period and weight = 1 / period:
// a single fused multiply-add on the dependency chain, where a division takes four times as long.
ALPHAFORGE_INLINE double wilder(double average, double value, double keep,
                                double weight) noexcept {
  return std::fma(average, keep, value * weight);
}

ALPHAFORGE_INLINE double wilder_keep(std::size_t period) noexcept {
  return static_cast<double>(period - 1) / static_cast<double>(period);
}

ALPHAFORGE_INLINE double wilder_weight(std::size_t period) noexcept {
  return 1.0 / static_cast<double>(period);
}

ALPHAFORGE_INLINE double ema_weight(std::size_t period) noexcept {
  return 2.0 / (static_cast<double>(period) + 1.0);
}

ALPHAFORGE_INLINE double rsi_value(double gain, double loss) noexcept {
  const double total = gain + loss;
  return total != 0.0 ? 100.0 * (gain / total) : 0.0;
}

// TA-Lib's TRANGE: the largest of high - low and the distances from the previous close.
ALPHAFORGE_INLINE double true_range(double high, double low, double previous_close) noexcept {
  double range = high - low;
  const double above = std::fabs(previous_close - high);
  if (above > range) range = above;
  const double below = std::fabs(previous_close - low);
  if (below > range) range = below;
  return range;
}

// Fast %K, 0 when the window has no range: 100 * ((close - lowest) / range), rounded as TA-Lib
// 0.8 rounds it.
ALPHAFORGE_INLINE double fast_k(double close, double highest, double lowest) noexcept {
  const double range = highest - lowest;
  return range != 0.0 ? 100.0 * ((close - lowest) / range) : 0.0;
}

ALPHAFORGE_INLINE double typical_price_volume(double high, double low, double close,
                                              double volume) noexcept {
  return (high + low + close) / 3.0 * volume;
}

// +1, -1 or 0 times volume, as the close rose, fell or stayed: OBV's step, without a branch.
ALPHAFORGE_INLINE double signed_volume(double close, double previous, double volume) noexcept {
  return static_cast<double>((close > previous) - (close < previous)) * volume;
}

// Wilder's directional movement of one bar: the larger move, if positive, goes to its side
// (none on a tie). Selects rather than branches: the side is a coin toss on market data.
ALPHAFORGE_INLINE void add_movement(double up, double down, double& plus_dm,
                                    double& minus_dm) noexcept {
  const bool minus = down > 0.0 && up < down;
  const bool plus = up > 0.0 && up > down;
  minus_dm += minus ? down : 0.0;
  plus_dm += plus ? up : 0.0;
}

// DX from the smoothed movements and range (TA-Lib's formulas); false where it is undefined.
ALPHAFORGE_INLINE bool directional_index(double plus_dm, double minus_dm, double range,
                                         double& dx) noexcept {
  if (range == 0.0) return false;
  const double scale = 100.0 / range;
  const double minus_di = minus_dm * scale;
  const double plus_di = plus_dm * scale;
  const double sum = minus_di + plus_di;
  if (sum == 0.0) return false;
  dx = 100.0 * (std::fabs(minus_di - plus_di) / sum);
  return true;
}

}  // namespace alphaforge::indicators::detail

// The vectorised loops whose recurrence is a multiply-add are also built for FMA, picked at load
// time where the CPU has it, so std::fma is one instruction there. Elsewhere, and in the streaming
// objects, std::fma is libm's, exactly rounded too: the results are the same everywhere. Not under
// the sanitizers: a clone's resolver runs before their runtime is up and crashes the program.
#if defined(__GNUC__) && defined(__x86_64__) && defined(__GLIBC__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define ALPHAFORGE_FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define ALPHAFORGE_FMA_CLONES
#endif
