#pragma once

#include <atomic>

#include "alphaforge/platform.hpp"

namespace alphaforge {

// Test-and-test-and-set lock for critical sections of a few dozen nanoseconds, where a futex
// round trip would cost more than the work. Backoff yields the core after a short spin, so a
// descheduled holder on an oversubscribed machine does not burn the waiter's time slice. The
// uncontended exchange is inlined; the waiting loop is not, to keep callers small.
class SpinLock {
 public:
  void lock() noexcept {
    if (!locked_.exchange(true, std::memory_order_acquire)) [[likely]] {
      return;
    }
    wait_and_lock();
  }

  [[nodiscard]] bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }

  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  [[gnu::noinline]] void wait_and_lock() noexcept {
    Backoff backoff;
    do {
      while (locked_.load(std::memory_order_relaxed)) backoff.pause();
    } while (locked_.exchange(true, std::memory_order_acquire));
  }

  std::atomic<bool> locked_{false};
};

}  // namespace alphaforge
