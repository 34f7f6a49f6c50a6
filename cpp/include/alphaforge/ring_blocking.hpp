#pragma once

#include <atomic>
#include <utility>

#include "alphaforge/platform.hpp"

namespace alphaforge {

// The blocking half of a ring's interface, written once over the ring's non-blocking calls
// (`Ring::try_push`, `Ring::try_emplace`, `Ring::try_pop`), plus close() to release waiters.
template <typename Ring, typename T>
class BlockingRingOps {
 public:
  // Waits for room. Returns false, leaving `item` untouched, once the ring is closed.
  bool push(const T& item) { return wait_push([&] { return ring().try_push(item); }); }
  bool push(T&& item) { return wait_push([&] { return ring().try_emplace(std::move(item)); }); }

  // Waits for an item. Returns false only when the ring is closed and drained.
  bool pop(T& out) {
    Backoff backoff;
    while (!ring().try_pop(out)) {
      if (closed()) return ring().try_pop(out);
      backoff.pause();
    }
    return true;
  }

  // Releases every blocked push and pop; items already queued can still be popped.
  void close() noexcept { closed_.store(true, std::memory_order_release); }
  [[nodiscard]] bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

 protected:
  BlockingRingOps() = default;

 private:
  Ring& ring() noexcept { return static_cast<Ring&>(*this); }

  template <typename TryPush>
  bool wait_push(TryPush try_push_once) {
    Backoff backoff;
    while (!closed()) {
      if (try_push_once()) return true;
      backoff.pause();
    }
    return false;
  }

  std::atomic<bool> closed_{false};
};

}  // namespace alphaforge
