#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace alphaforge::indicators {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The last `capacity` values pushed, in a fixed buffer.
class Ring {
 public:
  explicit Ring(std::size_t capacity) : values_(capacity, 0.0) {}

  void push(double value) noexcept {
    values_[next_] = value;
    if (++next_ == values_.size()) next_ = 0;
    if (size_ < values_.size()) ++size_;
  }
  // The i-th value held, oldest first (i < size()).
  [[nodiscard]] double at(std::size_t i) const noexcept {
    const std::size_t start = full() ? next_ : 0;
    const std::size_t slot = start + i;
    return values_[slot < values_.size() ? slot : slot - values_.size()];
  }
  // The value the next push overwrites once the ring is full.
  [[nodiscard]] double oldest() const noexcept { return values_[next_]; }
  [[nodiscard]] bool full() const noexcept { return size_ == values_.size(); }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return values_.size(); }
  void clear() noexcept {
    std::fill(values_.begin(), values_.end(), 0.0);
    next_ = size_ = 0;
  }

 private:
  std::vector<double> values_;
  std::size_t next_ = 0;
  std::size_t size_ = 0;
};

// Highest (kMax) or lowest value of the last `period` pushed: a monotonic queue, so each push is
// amortised O(1) and the extreme is exact.
template <bool kMax>
class ExtremeWindow {
 public:
  explicit ExtremeWindow(std::size_t period) : seq_(period), values_(period) {}

  void push(double value) noexcept {
    // Expire first: the queue then never holds more than `period` values.
    if (size_ > 0 && seq_[head_] + seq_.size() <= pushed_) {
      head_ = wrap(head_ + 1);
      --size_;
    }
    // A held value the new one ties or beats can never be the extreme again.
    while (size_ > 0 && !beats(values_[back()], value)) --size_;
    const std::size_t slot = wrap(head_ + size_);
    seq_[slot] = pushed_++;
    values_[slot] = value;
    ++size_;
  }
  [[nodiscard]] double extreme() const noexcept { return values_[head_]; }
  void clear() noexcept {
    head_ = size_ = 0;
    pushed_ = 0;
  }

 private:
  static bool beats(double held, double incoming) noexcept {
    return kMax ? held > incoming : held < incoming;
  }
  [[nodiscard]] std::size_t wrap(std::size_t slot) const noexcept {
    return slot < seq_.size() ? slot : slot - seq_.size();
  }
  [[nodiscard]] std::size_t back() const noexcept { return wrap(head_ + size_ - 1); }

  std::vector<std::uint64_t> seq_;
  std::vector<double> values_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::uint64_t pushed_ = 0;
};

// Sums slid in O(1) drift from the window's exact sums by their rounding, so every
// rebuild_interval() slides they are rebuilt from the window: once per window turnover keeps the
// error to a few ulps of the sums; short windows wait a little longer, to cost little.
inline std::size_t rebuild_interval(std::size_t period) noexcept {
  return std::max<std::size_t>(period, 64);
}

// A contiguous window of an input column, oldest first: what Ring offers the streaming objects.
struct ColumnWindow {
  const double* first;
  std::size_t length;
  [[nodiscard]] double at(std::size_t i) const noexcept { return first[i]; }
  [[nodiscard]] std::size_t size() const noexcept { return length; }
};

// Population variance of a sliding window, accurate at any price level; the window itself is
// held by the caller (a Ring, or the input column) and passed in when the sums are rebuilt.
// The sums are of deviations from a shift, the window's mean at the last rebuild by two passes:
// E[x^2] - E[x]^2 at 40,000 would lose 1e-6 to cancellation. Besides the periodic rebuild, one
// happens as soon as the mean square deviation from the shift exceeds drift_limit_ variances,
// as when a gap leaves the window. A window holding one value has variance exactly 0.
class VarianceState {
 public:
  // Right after a rebuild the ratio is 1 + (rounding of the mean)^2 / variance: at most about
  // 1 + period / 4, for a window spread over one ulp, so the limit stays above it.
  explicit VarianceState(std::size_t period)
      : period_(period),
        interval_(rebuild_interval(period)),
        inverse_(1.0 / static_cast<double>(period)),
        drift_limit_(16.0 + static_cast<double>(period)) {}

  // A value entering a window that is not yet full; rebuild() once it is.
  void fill(double value) noexcept { note(value); }

  // The window now holds `entering` in place of `leaving`.
  template <typename Window>
  void slide(double entering, double leaving, const Window& window) noexcept {
    note(entering);
    const double e = entering - shift_;
    const double l = leaving - shift_;
    sum_ += e - l;
    squares_ += (e - l) * (e + l);
    if (++since_rebuild_ == interval_ || !settle()) rebuild(window);
  }

  template <typename Window>
  void rebuild(const Window& window) noexcept {
    since_rebuild_ = 0;
    double total = 0.0;
    for (std::size_t i = 0; i < window.size(); ++i) total += window.at(i);
    shift_ = total * inverse_;
    sum_ = squares_ = 0.0;
    for (std::size_t i = 0; i < window.size(); ++i) {
      const double d = window.at(i) - shift_;
      sum_ += d;
      squares_ += d * d;
    }
    settle();
  }

  [[nodiscard]] double variance() const noexcept { return variance_; }

  void clear() noexcept {
    shift_ = sum_ = squares_ = last_ = variance_ = 0.0;
    since_rebuild_ = equal_run_ = 0;
  }

 private:
  void note(double value) noexcept {
    equal_run_ = (equal_run_ > 0 && value == last_) ? equal_run_ + 1 : 1;
    last_ = value;
  }
  // Computes the variance from the sums; false when they have lost too much to cancellation.
  bool settle() noexcept {
    if (equal_run_ >= period_) {
      variance_ = 0.0;
      return true;
    }
    const double mean = sum_ * inverse_;
    const double mean_square = squares_ * inverse_;
    const double v = mean_square - mean * mean;
    variance_ = v > 0.0 ? v : 0.0;
    return mean_square <= drift_limit_ * v;
  }

  std::size_t period_;
  std::size_t interval_;
  double inverse_;
  double drift_limit_;
  double shift_ = 0.0;
  double sum_ = 0.0;
  double squares_ = 0.0;
  double last_ = 0.0;
  double variance_ = 0.0;
  std::size_t since_rebuild_ = 0;
  std::size_t equal_run_ = 0;
};

// The variance of the last `period` values pushed, for the streaming objects.
class RollingVariance {
 public:
  explicit RollingVariance(std::size_t period) : window_(period), state_(period) {}

  void push(double value) noexcept {
    if (!window_.full()) {
      window_.push(value);
      state_.fill(value);
      if (window_.full()) state_.rebuild(window_);
      return;
    }
    const double leaving = window_.oldest();
    window_.push(value);
    state_.slide(value, leaving, window_);
  }
  [[nodiscard]] bool full() const noexcept { return window_.full(); }
  [[nodiscard]] double variance() const noexcept { return state_.variance(); }
  void clear() noexcept {
    window_.clear();
    state_.clear();
  }

 private:
  Ring window_;
  VarianceState state_;
};

// The sums behind a weighted moving average: weights 1 (oldest) .. period (newest) over
// period * (period + 1) / 2, slid in O(1), rebuilt like VarianceState's.
class WeightedSums {
 public:
  explicit WeightedSums(std::size_t period)
      : interval_(rebuild_interval(period)),
        weight_(static_cast<double>(period)),
        divisor_(static_cast<double>(period) * static_cast<double>(period + 1) / 2.0) {}

  // The value at `position` (1-based) of a window that is not yet full.
  void fill(double value, std::size_t position) noexcept {
    sum_ += value;
    weighted_ += static_cast<double>(position) * value;
  }

  template <typename Window>
  void slide(double entering, double leaving, const Window& window) noexcept {
    if (++since_rebuild_ == interval_) {
      rebuild(window);
      return;
    }
    // Every weight drops by one (minus the old sum) and the new value enters at `period`.
    weighted_ += weight_ * entering - sum_;
    sum_ += entering - leaving;
  }

  template <typename Window>
  void rebuild(const Window& window) noexcept {
    since_rebuild_ = 0;
    sum_ = weighted_ = 0.0;
    for (std::size_t i = 0; i < window.size(); ++i) {
      sum_ += window.at(i);
      weighted_ += static_cast<double>(i + 1) * window.at(i);
    }
  }

  [[nodiscard]] double value() const noexcept { return weighted_ / divisor_; }
  void clear() noexcept {
    sum_ = weighted_ = 0.0;
    since_rebuild_ = 0;
  }

 private:
  std::size_t interval_;
  double weight_;
  double divisor_;
  double sum_ = 0.0;
  double weighted_ = 0.0;
  std::size_t since_rebuild_ = 0;
};

// Sums of price * volume and of volume behind a VWAP, over every bar added or over a sliding
// window (rebuilt like VarianceState's). Bars with volume are counted, so a window of zero
// volume is exactly NaN whatever rounding the sums hold.
class VolumeSums {
 public:
  explicit VolumeSums(std::size_t period) : interval_(rebuild_interval(period)) {}

  void add(double price_volume, double volume) noexcept {
    price_volume_ += price_volume;
    volume_ += volume;
    if (volume > 0.0) ++traded_;
  }

  // Windows of price * volume and of volume, after the slide.
  template <typename PriceVolumes, typename Volumes>
  void slide(double price_volume, double volume, double leaving_price_volume,
             double leaving_volume, const PriceVolumes& price_volumes,
             const Volumes& volumes) noexcept {
    if (volume > 0.0) ++traded_;
    if (leaving_volume > 0.0) --traded_;
    if (++since_rebuild_ == interval_) {
      since_rebuild_ = 0;
      price_volume_ = volume_ = 0.0;
      for (std::size_t i = 0; i < volumes.size(); ++i) {
        price_volume_ += price_volumes.at(i);
        volume_ += volumes.at(i);
      }
      return;
    }
    price_volume_ += price_volume - leaving_price_volume;
    volume_ += volume - leaving_volume;
  }

  [[nodiscard]] double value() const noexcept {
    return traded_ > 0 ? price_volume_ / volume_ : kNaN;
  }
  void clear() noexcept {
    price_volume_ = volume_ = 0.0;
    traded_ = since_rebuild_ = 0;
  }

 private:
  std::size_t interval_;
  double price_volume_ = 0.0;
  double volume_ = 0.0;
  std::size_t traded_ = 0;
  std::size_t since_rebuild_ = 0;
};

}  // namespace alphaforge::indicators
