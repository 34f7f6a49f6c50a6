#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace alphaforge {

// Latencies in nanoseconds, bucketed log-linearly (32 buckets per power of two, so a
// percentile is within 3% of the true value) in constant memory, however many are recorded.
class LatencyHistogram {
 public:
  void record(std::uint64_t ns) noexcept {
    ++counts_[bucket_of(ns)];
    ++count_;
    sum_ += ns;
    if (ns > max_) max_ = ns;
  }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
  }

  // The value below which `fraction` of the samples lie (upper edge of its bucket, capped at max).
  std::uint64_t percentile(double fraction) const noexcept {
    if (count_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(fraction * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      seen += counts_[b];
      if (seen >= rank) {
        const std::uint64_t edge = upper_edge(b);
        return edge < max_ ? edge : max_;
      }
    }
    return max_;
  }

 private:
  static constexpr unsigned kSubBits = 5;
  static constexpr std::uint64_t kLinear = 1u << (kSubBits + 1);  // exact below 64 ns
  static constexpr std::size_t kBuckets = kLinear + (64 - kSubBits - 1) * (1u << kSubBits);

  static std::size_t bucket_of(std::uint64_t ns) noexcept {
    if (ns < kLinear) return static_cast<std::size_t>(ns);
    const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(ns));
    const std::uint64_t sub = (ns >> (exponent - kSubBits)) & ((1u << kSubBits) - 1);
    return kLinear + (exponent - kSubBits - 1) * (1u << kSubBits) + static_cast<std::size_t>(sub);
  }

  static std::uint64_t upper_edge(std::size_t bucket) noexcept {
    if (bucket < kLinear) return bucket;
    const std::size_t offset = bucket - kLinear;
    const unsigned exponent = static_cast<unsigned>(offset >> kSubBits) + kSubBits + 1;
    const std::uint64_t sub = offset & ((1u << kSubBits) - 1);
    return ((std::uint64_t{1} << kSubBits | sub) + 1) << (exponent - kSubBits);
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace alphaforge
