#pragma once

#include <cstddef>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace alphaforge {

// GCC warns that std::hardware_destructive_interference_size is not ABI-stable; every core we
// target (x86-64, Neoverse, Apple M) moves 64-byte lines between cores.
inline constexpr std::size_t kCacheLineSize = 64;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// Wait strategy for the blocking calls: the other side is usually a few hundred nanoseconds
// away, so spin first; past that, give the core to whoever is meant to make progress.
class Backoff {
 public:
  void pause() noexcept {
    if (spins_ < kSpinLimit) {
      ++spins_;
      cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }

 private:
  static constexpr unsigned kSpinLimit = 256;
  unsigned spins_ = 0;
};

}  // namespace alphaforge
