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

// Population variance of the last `period` values, accurate at any price level. The sums are of
// deviations from a shift, the window's mean when they were last rebuilt by two passes over the
// window: so E[x^2] - E[x]^2 at 40,000 does not lose 1e-6 to cancellation. They are rebuilt every
// `period` pushes, so the rounding of the sliding updates does not build up, and as soon as the
// mean square deviation from the shift exceeds drift_limit_ variances, as when a gap leaves the
// window. A window holding one value has variance exactly 0.
class RollingVariance {
 public:
  // Right after a rebuild the ratio is 1 + (rounding of the mean)^2 / variance: at most about
  // 1 + period / 4, for a window spread over one ulp, so the limit stays above it.
  explicit RollingVariance(std::size_t period)
      : window_(period), drift_limit_(16.0 + static_cast<double>(period)) {}

  void push(double value) noexcept {
    equal_run_ = (window_.size() > 0 && value == last_) ? equal_run_ + 1 : 1;
    last_ = value;
    if (!window_.full()) {
      window_.push(value);
      if (window_.full()) rebuild();
      return;
    }
    const double leaving = window_.oldest() - shift_;
    const double entering = value - shift_;
    window_.push(value);
    sum_ += entering - leaving;
    squares_ += (entering - leaving) * (entering + leaving);
    if (++since_rebuild_ == window_.capacity() || drifted()) rebuild();
  }
  [[nodiscard]] bool full() const noexcept { return window_.full(); }
  [[nodiscard]] double variance() const noexcept {
    if (flat()) return 0.0;
    const double v = mean_square() - mean() * mean();
    return v > 0.0 ? v : 0.0;
  }
  void clear() noexcept {
    window_.clear();
    shift_ = sum_ = squares_ = last_ = 0.0;
    since_rebuild_ = equal_run_ = 0;
  }

 private:
  [[nodiscard]] bool flat() const noexcept { return equal_run_ >= window_.capacity(); }
  [[nodiscard]] double mean() const noexcept {
    return sum_ / static_cast<double>(window_.capacity());
  }
  [[nodiscard]] double mean_square() const noexcept {
    return squares_ / static_cast<double>(window_.capacity());
  }
  [[nodiscard]] bool drifted() const noexcept {
    return !flat() && mean_square() > drift_limit_ * (mean_square() - mean() * mean());
  }
  void rebuild() noexcept {
    since_rebuild_ = 0;
    double total = 0.0;
    for (std::size_t i = 0; i < window_.size(); ++i) total += window_.at(i);
    shift_ = total / static_cast<double>(window_.size());
    sum_ = squares_ = 0.0;
    for (std::size_t i = 0; i < window_.size(); ++i) {
      const double d = window_.at(i) - shift_;
      sum_ += d;
      squares_ += d * d;
    }
  }

  Ring window_;
  double drift_limit_;
  double shift_ = 0.0;
  double sum_ = 0.0;
  double squares_ = 0.0;
  double last_ = 0.0;
  std::size_t since_rebuild_ = 0;
  std::size_t equal_run_ = 0;
};

}  // namespace alphaforge::indicators
