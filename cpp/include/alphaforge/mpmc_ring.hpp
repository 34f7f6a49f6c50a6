#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "alphaforge/platform.hpp"
#include "alphaforge/ring_blocking.hpp"
#include "alphaforge/ring_capacity.hpp"

namespace alphaforge {

// Bounded multi-producer multi-consumer ring after Dmitry Vyukov's design: each slot carries a
// sequence number that says whose turn it is, so producers and consumers only contend on the
// two position counters and never on each other's slots. Any number of threads may push and pop.
template <typename T>
class MpmcRing : public BlockingRingOps<MpmcRing<T>, T> {
  // A producer claims a slot before it constructs the item; a throw in between would leave a
  // claimed slot that is never published and stall every consumer behind it.
  static_assert(std::is_nothrow_destructible_v<T>, "MpmcRing items must not throw on destruction");
  static_assert(std::is_nothrow_move_assignable_v<T>,
                "MpmcRing::try_pop moves into the caller's object and cannot undo a throwing move");

 public:
  using value_type = T;

  explicit MpmcRing(std::size_t capacity)
      // With one slot, "published" (sequence = position + 1) and "free for the next lap"
      // (sequence = position + capacity) would be the same number: two slots at least.
      : capacity_(std::max<std::size_t>(detail::ring_capacity(capacity), 2)),
        mask_(capacity_ - 1),
        slots_(std::make_unique<Slot[]>(capacity_)) {
    for (std::size_t i = 0; i < capacity_; ++i) {
      slots_[i].sequence.store(i, std::memory_order_relaxed);
    }
  }

  ~MpmcRing() {
    std::size_t read = dequeue_position_.load(std::memory_order_relaxed);
    const std::size_t write = enqueue_position_.load(std::memory_order_relaxed);
    for (; read != write; ++read) std::destroy_at(slot(read).item());
  }

  MpmcRing(const MpmcRing&) = delete;
  MpmcRing& operator=(const MpmcRing&) = delete;
  MpmcRing(MpmcRing&&) = delete;
  MpmcRing& operator=(MpmcRing&&) = delete;

  template <typename... Args>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept {
    static_assert(std::is_nothrow_constructible_v<T, Args&&...>,
                  "MpmcRing publishes a slot it has claimed; the constructor must not throw");
    std::size_t position = enqueue_position_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& s = slot(position);
      const std::size_t sequence = s.sequence.load(std::memory_order_acquire);
      const auto lag = static_cast<std::intptr_t>(sequence - position);
      if (lag == 0) {
        if (enqueue_position_.compare_exchange_weak(position, position + 1,
                                                    std::memory_order_relaxed)) {
          std::construct_at(s.item(), std::forward<Args>(args)...);
          s.sequence.store(position + 1, std::memory_order_release);
          return true;
        }
      } else if (lag < 0) {
        return false;  // the slot still holds an item from one lap ago: full
      } else {
        position = enqueue_position_.load(std::memory_order_relaxed);
      }
    }
  }

  [[nodiscard]] bool try_push(const T& item) noexcept { return try_emplace(item); }
  [[nodiscard]] bool try_push(T&& item) noexcept { return try_emplace(std::move(item)); }

  [[nodiscard]] bool try_pop(T& out) noexcept {
    std::size_t position = dequeue_position_.load(std::memory_order_relaxed);
    for (;;) {
      Slot& s = slot(position);
      const std::size_t sequence = s.sequence.load(std::memory_order_acquire);
      const auto lag = static_cast<std::intptr_t>(sequence - (position + 1));
      if (lag == 0) {
        if (dequeue_position_.compare_exchange_weak(position, position + 1,
                                                    std::memory_order_relaxed)) {
          release(s, position, out);
          return true;
        }
      } else if (lag < 0) {
        return false;  // not yet written: empty
      } else {
        position = dequeue_position_.load(std::memory_order_relaxed);
      }
    }
  }

  // Claims a run of consecutive free slots with one CAS and fills them in order; returns how
  // many of `items` were accepted.
  std::size_t try_push_n(const T* items, std::size_t count) noexcept {
    static_assert(std::is_nothrow_copy_constructible_v<T>,
                  "MpmcRing::try_push_n copies into claimed slots; the copy must not throw");
    std::size_t position = enqueue_position_.load(std::memory_order_relaxed);
    for (;;) {
      const std::size_t run = free_run(position, count, 0);
      if (run == 0) {
        const auto lag = static_cast<std::intptr_t>(
            slot(position).sequence.load(std::memory_order_acquire) - position);
        if (lag < 0) return 0;
        position = enqueue_position_.load(std::memory_order_relaxed);
        continue;
      }
      if (enqueue_position_.compare_exchange_weak(position, position + run,
                                                  std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < run; ++i) {
          Slot& s = slot(position + i);
          std::construct_at(s.item(), items[i]);
          s.sequence.store(position + i + 1, std::memory_order_release);
        }
        return run;
      }
    }
  }

  // Takes a run of consecutive published items with one CAS; returns how many were taken.
  std::size_t try_pop_n(T* out, std::size_t max_count) noexcept {
    std::size_t position = dequeue_position_.load(std::memory_order_relaxed);
    for (;;) {
      const std::size_t run = free_run(position, max_count, 1);
      if (run == 0) {
        const auto lag = static_cast<std::intptr_t>(
            slot(position).sequence.load(std::memory_order_acquire) - (position + 1));
        if (lag < 0) return 0;
        position = dequeue_position_.load(std::memory_order_relaxed);
        continue;
      }
      if (dequeue_position_.compare_exchange_weak(position, position + run,
                                                  std::memory_order_relaxed)) {
        for (std::size_t i = 0; i < run; ++i) release(slot(position + i), position + i, out[i]);
        return run;
      }
    }
  }

  // A snapshot: exact when no thread is pushing or popping.
  [[nodiscard]] std::size_t size() const noexcept {
    const std::size_t read = dequeue_position_.load(std::memory_order_acquire);
    const std::size_t write = enqueue_position_.load(std::memory_order_acquire);
    const auto used = static_cast<std::intptr_t>(write - read);
    if (used <= 0) return 0;
    return std::min(static_cast<std::size_t>(used), capacity_);
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  // One slot per cache line, so neighbouring producers and consumers do not false-share.
  struct alignas(kCacheLineSize) Slot {
    std::atomic<std::size_t> sequence{0};
    alignas(T) unsigned char storage[sizeof(T)];

    T* item() noexcept { return std::launder(reinterpret_cast<T*>(storage)); }
  };

  Slot& slot(std::size_t position) const noexcept { return slots_[position & mask_]; }

  // How many slots from `position` on (at most `limit`) are ready: free for a producer
  // (turn 0) or published for a consumer (turn 1).
  std::size_t free_run(std::size_t position, std::size_t limit, std::size_t turn) const noexcept {
    std::size_t run = 0;
    while (run < limit && run < capacity_ &&
           slot(position + run).sequence.load(std::memory_order_acquire) ==
               position + run + turn) {
      ++run;
    }
    return run;
  }

  void release(Slot& s, std::size_t position, T& out) noexcept {
    T* item = s.item();
    out = std::move(*item);
    std::destroy_at(item);
    s.sequence.store(position + capacity_, std::memory_order_release);
  }

  alignas(kCacheLineSize) std::atomic<std::size_t> enqueue_position_{0};
  alignas(kCacheLineSize) std::atomic<std::size_t> dequeue_position_{0};
  alignas(kCacheLineSize) const std::size_t capacity_;
  const std::size_t mask_;
  const std::unique_ptr<Slot[]> slots_;
};

}  // namespace alphaforge
