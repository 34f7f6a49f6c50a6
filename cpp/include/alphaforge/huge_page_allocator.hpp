#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace alphaforge {

// std::allocator for large tables that are read at random (cache indexes): blocks of 2 MiB and
// more are aligned to 2 MiB and offered to the kernel as transparent huge pages, which cuts the
// TLB misses that otherwise cost as much as the cache misses (more so under virtualisation).
// Smaller blocks, and blocks that rounding to whole huge pages would inflate by more than an
// eighth, come from operator new as usual.
template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t count) {
    if (count > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = count * sizeof(T);
    if (!huge(bytes)) return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    void* block = std::aligned_alloc(kHugePage, rounded(bytes));
    if (block == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    ::madvise(block, rounded(bytes), MADV_HUGEPAGE);  // advisory: a refusal leaves 4 KiB pages
#endif
    return static_cast<T*>(block);
  }

  void deallocate(T* pointer, std::size_t count) noexcept {
    if (huge(count * sizeof(T))) {
      std::free(pointer);
    } else {
      ::operator delete(pointer, std::align_val_t{alignof(T)});
    }
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  static constexpr std::size_t rounded(std::size_t bytes) noexcept {
    return (bytes + kHugePage - 1) / kHugePage * kHugePage;
  }

  // Huge pages when rounding up to whole 2 MiB pages wastes at most an eighth of the block.
  static constexpr bool huge(std::size_t bytes) noexcept {
    return bytes >= kHugePage && (rounded(bytes) - bytes) * 8 <= bytes;
  }
};

}  // namespace alphaforge
