#pragma once

#include <cstddef>
#include <utility>

// Counts live instances, so a test can prove the ring destroys exactly what it holds.
struct Tracked {
  static inline int live = 0;
  int value = 0;

  Tracked() noexcept { ++live; }
  explicit Tracked(int v) noexcept : value(v) { ++live; }
  Tracked(const Tracked& other) noexcept : value(other.value) { ++live; }
  Tracked(Tracked&& other) noexcept : value(std::exchange(other.value, -1)) { ++live; }
  Tracked& operator=(const Tracked&) noexcept = default;
  Tracked& operator=(Tracked&& other) noexcept {
    value = std::exchange(other.value, -1);
    return *this;
  }
  ~Tracked() { --live; }
};
