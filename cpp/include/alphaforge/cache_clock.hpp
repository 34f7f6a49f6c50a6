#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace alphaforge {

// A clock that moves only when told to: tests and simulations drive cache expiry with it.
class ManualClock {
 public:
  explicit ManualClock(std::int64_t start_ns = 0) noexcept : now_ns_(start_ns) {}

  [[nodiscard]] std::int64_t now_ns() const noexcept {
    return now_ns_.load(std::memory_order_acquire);
  }

  // Monotonic like the steady clock it stands in for: it never goes back.
  void advance(std::chrono::nanoseconds by) {
    if (by.count() < 0) {
      throw std::invalid_argument("ManualClock can only move forward, got a step of " +
                                  std::to_string(by.count()) + " ns");
    }
    now_ns_.fetch_add(by.count(), std::memory_order_acq_rel);
  }

 private:
  std::atomic<std::int64_t> now_ns_;
};

// Monotonic nanoseconds for TTLs: std::chrono::steady_clock, or a shared ManualClock.
class CacheClock {
 public:
  CacheClock() = default;
  explicit CacheClock(std::shared_ptr<const ManualClock> manual) : manual_(std::move(manual)) {}

  [[nodiscard]] std::int64_t now_ns() const noexcept {
    if (manual_) return manual_->now_ns();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  [[nodiscard]] const std::shared_ptr<const ManualClock>& manual() const noexcept {
    return manual_;
  }

 private:
  std::shared_ptr<const ManualClock> manual_;
};

}  // namespace alphaforge
