#pragma once

#include <atomic>

#include "alphaforge/platform.hpp"

namespace alphaforge {

// Test-and-test-and-set lock for critical sections of a few dozen nanoseconds, where a futex
// round trip would cost more than the work. Backoff yields the core after a short spin, so a
// descheduled holder on an oversubscribed machine does not burn the waiter's time slice.
class SpinLock {
 public:
  void lock() noexcept {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    Backoff backoff;
    do {
      while (locked_.load(std::memory_order_relaxed)) backoff.pause();
    } while (locked_.exchange(true, std::memory_order_acquire));
  }

  [[nodiscard]] bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }

  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace alphaforge
