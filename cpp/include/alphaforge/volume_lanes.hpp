#pragma once

#include <array>
#include <cstddef>

namespace alphaforge {

// How a time or tick bar's volume is summed, by the streaming and the vectorised path alike so
// that both give the same bits: the bar's j-th trade (from 0) is added to lane j % 8, each lane
// in trade order, and the lanes are combined as ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)),
// the order in which two 4-wide or four 2-wide vector accumulators reduce. Eight independent
// additions are in flight instead of one, and the rounding error grows with n / 8, not n.
inline constexpr std::size_t kVolumeLanes = 8;

using VolumeLanes = std::array<double, kVolumeLanes>;

inline double combine_volume_lanes(const VolumeLanes& l) noexcept {
  return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

}  // namespace alphaforge
