#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace alphaforge {

// A clock that moves only when told to: tests and simulations drive cache expiry with it.
// Its coarse reading is its exact one unless a test makes it trail (see CacheClock).
class ManualClock {
 public:
  explicit ManualClock(std::int64_t start_ns = 0) noexcept : now_ns_(start_ns) {}

  [[nodiscard]] std::int64_t now_ns() const noexcept {
    return now_ns_.load(std::memory_order_acquire);
  }

  [[nodiscard]] std::int64_t coarse_ns() const noexcept {
    return now_ns() - coarse_lag_ns_.load(std::memory_order_relaxed);
  }

  [[nodiscard]] std::int64_t coarse_slack_ns() const noexcept {
    return coarse_slack_ns_.load(std::memory_order_relaxed);
  }

  // Makes coarse_ns() trail now_ns() by `lag`, within a declared bound `slack` (lag < slack),
  // as the kernel's coarse clock does, so tests can check how a cache uses such a clock.
  void set_coarse_lag(std::chrono::nanoseconds lag, std::chrono::nanoseconds slack) {
    if (lag.count() < 0 || lag >= slack) {
      throw std::invalid_argument("coarse lag must be >= 0 and below the slack, got lag " +
                                  std::to_string(lag.count()) + " ns and slack " +
                                  std::to_string(slack.count()) + " ns");
    }
    coarse_lag_ns_.store(lag.count(), std::memory_order_relaxed);
    coarse_slack_ns_.store(slack.count(), std::memory_order_relaxed);
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
  std::atomic<std::int64_t> coarse_lag_ns_{0};
  std::atomic<std::int64_t> coarse_slack_ns_{0};
};

// Monotonic nanoseconds for TTLs: std::chrono::steady_clock, or a shared ManualClock.
//
// Two readings of the same timeline. now_ns() is exact. coarse_ns() is the kernel's
// CLOCK_MONOTONIC_COARSE: the monotonic time of the last timer tick, a few nanoseconds to read
// where now_ns() costs a serialising TSC read (tens of nanoseconds, and it stalls the loads in
// flight). Contract: coarse_ns() is never ahead of now_ns(), and trails it by less than
// coarse_slack_ns() (the kernel updates it every tick, 1-10 ms; the slack allows for many
// missed ticks). A ManualClock's coarse reading is its exact one (slack 0) unless a test sets a
// lag.
class CacheClock {
 public:
  static constexpr std::int64_t kCoarseSlackNs = 100'000'000;

  CacheClock() = default;
  explicit CacheClock(std::shared_ptr<const ManualClock> manual) : manual_(std::move(manual)) {}

  [[nodiscard]] std::int64_t now_ns() const noexcept {
    if (manual_) return manual_->now_ns();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  [[nodiscard]] std::int64_t coarse_ns() const noexcept {
    if (manual_) return manual_->coarse_ns();
#if defined(CLOCK_MONOTONIC_COARSE)
    timespec reading{};
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &reading) == 0) {
      return static_cast<std::int64_t>(reading.tv_sec) * 1'000'000'000 + reading.tv_nsec;
    }
#endif
    return now_ns();
  }

  [[nodiscard]] std::int64_t coarse_slack_ns() const noexcept {
    return manual_ ? manual_->coarse_slack_ns() : kCoarseSlackNs;
  }

  [[nodiscard]] const std::shared_ptr<const ManualClock>& manual() const noexcept {
    return manual_;
  }

 private:
  std::shared_ptr<const ManualClock> manual_;
};

}  // namespace alphaforge
