#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "alphaforge/market_data.hpp"
#include "alphaforge/mpmc_ring.hpp"
#include "alphaforge/platform.hpp"
#include "alphaforge/spsc_ring.hpp"

namespace alphaforge {

// What a producer does when the engine falls behind and its ring is full.
//   kBlock: wait for room (backpressure on the producer; nothing is lost).
//   kDrop:  keep what fits, discard the rest of the batch and count it in `dropped`.
enum class Overflow : std::uint8_t { kBlock = 0, kDrop = 1 };

// A producer's way into the engine: a bounded lock-free ring the engine thread drains in
// batches, with the counters that make every outcome visible.
class MarketChannel {
 public:
  explicit MarketChannel(Overflow overflow) noexcept : overflow_(overflow) {}
  virtual ~MarketChannel() = default;
  MarketChannel(const MarketChannel&) = delete;
  MarketChannel& operator=(const MarketChannel&) = delete;

  // Producer side. Returns how many events entered the ring; the rest were counted as dropped
  // (kDrop, or any policy once the channel is closed).
  std::size_t publish(const MarketEvent* events, std::size_t count) {
    std::size_t done = try_publish(events, count);
    if (done < count && overflow_ == Overflow::kBlock) {
      Backoff backoff;
      while (done < count && !closed()) {
        const std::size_t placed = try_publish(events + done, count - done);
        done += placed;
        if (placed == 0) backoff.pause();
      }
    }
    count_dropped(count - done);
    return done;
  }

  // The building blocks of publish() for producers that wait their own way (a Python thread
  // checking for Ctrl-C): place what fits now, and count what the producer gives up on.
  std::size_t try_publish(const MarketEvent* events, std::size_t count) noexcept {
    const std::size_t done = closed() ? 0 : try_push_n(events, count);
    if (done != 0) {
      published_.fetch_add(done, std::memory_order_relaxed);
      observe_size(size());
    }
    return done;
  }
  void count_dropped(std::uint64_t count) noexcept {
    if (count != 0) dropped_.fetch_add(count, std::memory_order_relaxed);
  }

  // Engine side: moves up to `max_count` events into `out`.
  virtual std::size_t drain(MarketEvent* out, std::size_t max_count) noexcept = 0;
  [[nodiscard]] virtual std::size_t size() const noexcept = 0;

  // Releases blocked producers for good: later publishes are dropped and counted.
  void close() noexcept { closed_.store(true, std::memory_order_release); }
  [[nodiscard]] bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }
  // The engine reopens its channels when it starts again.
  void reopen() noexcept { closed_.store(false, std::memory_order_release); }

  [[nodiscard]] Overflow overflow() const noexcept { return overflow_; }
  [[nodiscard]] std::uint64_t published() const noexcept {
    return published_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t dropped() const noexcept {
    return dropped_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t high_water() const noexcept {
    return high_water_.load(std::memory_order_relaxed);
  }

 protected:
  virtual std::size_t try_push_n(const MarketEvent* events, std::size_t count) noexcept = 0;

 private:
  void observe_size(std::size_t size) noexcept {
    std::uint64_t seen = high_water_.load(std::memory_order_relaxed);
    while (size > seen &&
           !high_water_.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
    }
  }

  const Overflow overflow_;
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> high_water_{0};
};

// SpscRing for a channel with one producer thread, MpmcRing for one shared by several.
template <template <typename> class Ring>
class RingChannel final : public MarketChannel {
 public:
  RingChannel(std::size_t capacity, Overflow overflow) : MarketChannel(overflow), ring_(capacity) {}

  std::size_t drain(MarketEvent* out, std::size_t max_count) noexcept override {
    return ring_.try_pop_n(out, max_count);
  }
  [[nodiscard]] std::size_t size() const noexcept override { return ring_.size(); }

 protected:
  std::size_t try_push_n(const MarketEvent* events, std::size_t count) noexcept override {
    return ring_.try_push_n(events, count);
  }

 private:
  Ring<MarketEvent> ring_;
};

}  // namespace alphaforge
