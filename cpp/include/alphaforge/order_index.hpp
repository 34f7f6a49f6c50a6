#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace alphaforge {

// Order id -> slot in a node pool: open addressing with linear probing and backward-shift
// deletion, so a lookup is one or two cache lines and erasing leaves no tombstones behind.
class OrderIndex {
 public:
  static constexpr std::uint32_t kMissing = UINT32_MAX;

  explicit OrderIndex(std::size_t expected = 1024) { rehash(capacity_for(expected)); }

  std::size_t size() const noexcept { return size_; }

  std::uint32_t find(std::uint64_t key) const noexcept {
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.value == kMissing) return kMissing;
      if (slot.key == key) return slot.value;
    }
  }

  // False (and nothing changed) when `key` is already present.
  bool insert(std::uint64_t key, std::uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    std::size_t i = home(key);
    for (; slots_[i].value != kMissing; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return false;
    }
    slots_[i] = {key, value};
    ++size_;
    return true;
  }

  bool erase(std::uint64_t key) noexcept {
    std::size_t i = home(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].value == kMissing) return false;
      if (slots_[i].key == key) break;
    }
    // Pull later entries of the probe run back so every entry stays reachable from its home.
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      if (slots_[j].value == kMissing) break;
      const std::size_t k = home(slots_[j].key);
      const bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i].value = kMissing;
    --size_;
    return true;
  }

  void clear() noexcept {
    for (Slot& slot : slots_) slot.value = kMissing;
    size_ = 0;
  }

 private:
  struct Slot {
    std::uint64_t key;
    std::uint32_t value;
  };

  static std::size_t capacity_for(std::size_t expected) {
    std::size_t capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    return capacity;
  }

  // Ids arrive mostly in sequence: runs of eight consecutive ids share two cache lines, and
  // the runs themselves are spread by Fibonacci hashing, so strided or random ids do not cluster.
  std::size_t home(std::uint64_t key) const noexcept {
    const auto run = static_cast<std::size_t>(((key >> 3) * 0x9E3779B97F4A7C15ull) >> shift_);
    return (run + static_cast<std::size_t>(key & 7)) & mask_;
  }

  void rehash(std::size_t capacity) {
    std::vector<Slot> old(capacity, Slot{0, kMissing});
    old.swap(slots_);
    mask_ = capacity - 1;
    shift_ = 64;
    for (std::size_t c = capacity; c > 1; c >>= 1) --shift_;
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.value != kMissing) insert(slot.key, slot.value);
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace alphaforge
