#pragma once

#include <bit>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace alphaforge::detail {

// Largest capacity a ring accepts: leaves the top bits of the 64-bit position counters free so
// that "write - read" never wraps while the ring is in use.
inline constexpr std::size_t kMaxRingCapacity = std::size_t{1} << 40;

// Rounds a requested capacity up to a power of two so a slot index is `position & mask`.
inline std::size_t ring_capacity(std::size_t requested) {
  if (requested == 0) {
    throw std::invalid_argument("capacity must be positive, got 0");
  }
  if (requested > kMaxRingCapacity) {
    throw std::invalid_argument("capacity must be at most 2^40, got " + std::to_string(requested));
  }
  return std::bit_ceil(requested);
}

}  // namespace alphaforge::detail
