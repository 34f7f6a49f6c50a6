#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace alphaforge {

enum class BarKind : std::uint8_t { kTime = 0, kTick = 1, kVolume = 2 };

// How trades are cut into bars: fixed time buckets aligned to the Unix epoch, a fixed number of
// trades, or a volume threshold.
class BarSpec {
 public:
  static BarSpec time(std::int64_t step_ns);
  static BarSpec ticks(std::int64_t count);
  static BarSpec volume(double threshold);
  // "250ms", "1s", "1min", "5min", "1h", "1d" (or "1D"), "100tick", "2.5volume".
  static BarSpec parse(std::string_view text);

  [[nodiscard]] BarKind kind() const noexcept { return kind_; }
  [[nodiscard]] std::int64_t step_ns() const noexcept { return step_; }
  [[nodiscard]] std::int64_t tick_count() const noexcept { return step_; }
  [[nodiscard]] double volume_threshold() const noexcept { return threshold_; }
  // The canonical text, which parse() reads back to an equal spec.
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const BarSpec&, const BarSpec&) = default;

 private:
  BarSpec(BarKind kind, std::int64_t step, double threshold) noexcept
      : kind_(kind), step_(step), threshold_(threshold) {}

  BarKind kind_;
  std::int64_t step_;  // nanoseconds for time bars, trades for tick bars, 0 for volume bars
  double threshold_;   // volume bars only
};

}  // namespace alphaforge
