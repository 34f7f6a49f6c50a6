#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

#include "alphaforge/platform.hpp"
#include "alphaforge/ring_blocking.hpp"
#include "alphaforge/ring_capacity.hpp"

namespace alphaforge {

// Bounded single-producer single-consumer ring. One thread may call the push side
// (try_push, try_emplace, try_push_n, push) and one other thread the pop side
// (try_pop, try_pop_n, pop); size(), capacity(), close() and closed() are safe from any thread.
// A full ring rejects: the caller decides whether to retry, block or count the loss.
template <typename T>
class SpscRing : public BlockingRingOps<SpscRing<T>, T> {
  static_assert(std::is_nothrow_destructible_v<T>, "SpscRing items must not throw on destruction");
  static_assert(std::is_nothrow_move_assignable_v<T>,
                "SpscRing::try_pop moves into the caller's object and cannot undo a throwing move");

 public:
  using value_type = T;

  explicit SpscRing(std::size_t capacity)
      : capacity_(detail::ring_capacity(capacity)),
        mask_(capacity_ - 1),
        slots_(std::allocator<T>{}.allocate(capacity_)) {}

  ~SpscRing() {
    std::size_t read = read_index_.load(std::memory_order_relaxed);
    const std::size_t write = write_index_.load(std::memory_order_relaxed);
    for (; read != write; ++read) std::destroy_at(slot(read));
    std::allocator<T>{}.deallocate(slots_, capacity_);
  }

  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;
  SpscRing(SpscRing&&) = delete;
  SpscRing& operator=(SpscRing&&) = delete;

  template <typename... Args>
  [[nodiscard]] bool try_emplace(Args&&... args) noexcept(
      std::is_nothrow_constructible_v<T, Args&&...>) {
    const std::size_t write = write_index_.load(std::memory_order_relaxed);
    if (write - read_index_cache_ == capacity_) {
      read_index_cache_ = read_index_.load(std::memory_order_acquire);
      if (write - read_index_cache_ == capacity_) return false;
    }
    std::construct_at(slot(write), std::forward<Args>(args)...);
    write_index_.store(write + 1, std::memory_order_release);
    return true;
  }

  [[nodiscard]] bool try_push(const T& item) noexcept(std::is_nothrow_copy_constructible_v<T>) {
    return try_emplace(item);
  }

  [[nodiscard]] bool try_push(T&& item) noexcept(std::is_nothrow_move_constructible_v<T>) {
    return try_emplace(std::move(item));
  }

  [[nodiscard]] bool try_pop(T& out) noexcept {
    const std::size_t read = read_index_.load(std::memory_order_relaxed);
    if (read == write_index_cache_) {
      write_index_cache_ = write_index_.load(std::memory_order_acquire);
      if (read == write_index_cache_) return false;
    }
    T* item = slot(read);
    out = std::move(*item);
    std::destroy_at(item);
    read_index_.store(read + 1, std::memory_order_release);
    return true;
  }

  // Copies as many of `items` as fit, in order; returns how many were accepted.
  std::size_t try_push_n(const T* items, std::size_t count) noexcept(
      std::is_nothrow_copy_constructible_v<T>) {
    const std::size_t write = write_index_.load(std::memory_order_relaxed);
    if (capacity_ - (write - read_index_cache_) < count) {
      read_index_cache_ = read_index_.load(std::memory_order_acquire);
    }
    const std::size_t accepted = std::min(count, capacity_ - (write - read_index_cache_));
    if (accepted == 0) return 0;
    const std::size_t first = std::min(accepted, capacity_ - (write & mask_));
    std::uninitialized_copy_n(items, first, slot(write));
    if constexpr (std::is_nothrow_copy_constructible_v<T>) {
      std::uninitialized_copy_n(items + first, accepted - first, slots_);
    } else {
      try {
        std::uninitialized_copy_n(items + first, accepted - first, slots_);
      } catch (...) {
        std::destroy_n(slot(write), first);
        throw;
      }
    }
    write_index_.store(write + accepted, std::memory_order_release);
    return accepted;
  }

  // Moves up to `max_count` items into `out`, oldest first; returns how many were taken.
  std::size_t try_pop_n(T* out, std::size_t max_count) noexcept {
    const std::size_t read = read_index_.load(std::memory_order_relaxed);
    if (write_index_cache_ - read < max_count) {
      write_index_cache_ = write_index_.load(std::memory_order_acquire);
    }
    const std::size_t taken = std::min(max_count, write_index_cache_ - read);
    if (taken == 0) return 0;
    const std::size_t first = std::min(taken, capacity_ - (read & mask_));
    move_out(slot(read), first, out);
    move_out(slots_, taken - first, out + first);
    read_index_.store(read + taken, std::memory_order_release);
    return taken;
  }

  // A snapshot: exact when neither side is running.
  [[nodiscard]] std::size_t size() const noexcept {
    const std::size_t read = read_index_.load(std::memory_order_acquire);
    const std::size_t write = write_index_.load(std::memory_order_acquire);
    return std::min(write - read, capacity_);
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  T* slot(std::size_t position) const noexcept { return slots_ + (position & mask_); }

  static void move_out(T* from, std::size_t count, T* to) noexcept {
    if constexpr (std::is_trivially_copyable_v<T>) {
      std::copy_n(from, count, to);
    } else {
      for (std::size_t i = 0; i < count; ++i) {
        to[i] = std::move(from[i]);
        std::destroy_at(from + i);
      }
    }
  }

  // Each side's index sits on its own cache line with the side's private copy of the other
  // index: the other side's line is only read again when the copy says full (or empty), and
  // a push or pop touches one line of its own plus the slot.
  alignas(kCacheLineSize) std::atomic<std::size_t> write_index_{0};
  std::size_t read_index_cache_ = 0;
  alignas(kCacheLineSize) std::atomic<std::size_t> read_index_{0};
  std::size_t write_index_cache_ = 0;
  alignas(kCacheLineSize) const std::size_t capacity_;
  const std::size_t mask_;
  T* const slots_;
};

}  // namespace alphaforge
