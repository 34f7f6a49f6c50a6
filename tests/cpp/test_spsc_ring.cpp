#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include "alphaforge/spsc_ring.hpp"
#include "ring_test_types.hpp"

using alphaforge::SpscRing;

TEST(SpscRing, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(SpscRing<int>(1).capacity(), 1u);
  EXPECT_EQ(SpscRing<int>(5).capacity(), 8u);
  EXPECT_EQ(SpscRing<int>(64).capacity(), 64u);
  EXPECT_THROW(SpscRing<int>(0), std::invalid_argument);
  EXPECT_THROW(SpscRing<int>(std::size_t{1} << 50), std::invalid_argument);
}

TEST(SpscRing, EmptyAndFull) {
  SpscRing<int> ring(4);
  int out = -1;
  EXPECT_TRUE(ring.empty());
  EXPECT_FALSE(ring.try_pop(out));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.try_push(i));
  EXPECT_EQ(ring.size(), 4u);
  EXPECT_FALSE(ring.try_push(99));
  EXPECT_EQ(ring.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, i);
  }
  EXPECT_FALSE(ring.try_pop(out));
}

TEST(SpscRing, WrapsAroundManyTimes) {
  SpscRing<std::uint64_t> ring(8);
  std::uint64_t next_in = 0, next_out = 0, out = 0;
  for (int round = 0; round < 1000; ++round) {
    for (int k = 0; k < 5; ++k) ASSERT_TRUE(ring.try_push(next_in++));
    for (int k = 0; k < 5; ++k) {
      ASSERT_TRUE(ring.try_pop(out));
      ASSERT_EQ(out, next_out++);
    }
  }
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRing, BulkPushAndPopAcrossTheWrap) {
  SpscRing<int> ring(8);
  std::vector<int> in(6);
  std::iota(in.begin(), in.end(), 0);
  ASSERT_EQ(ring.try_push_n(in.data(), 6), 6u);
  std::vector<int> out(8, -1);
  ASSERT_EQ(ring.try_pop_n(out.data(), 4), 4u);
  EXPECT_EQ(out[3], 3);
  // Positions 6..11 wrap past the end of the storage.
  std::vector<int> more{10, 11, 12, 13, 14, 15, 16};
  EXPECT_EQ(ring.try_push_n(more.data(), more.size()), 6u) << "only six slots are free";
  ASSERT_EQ(ring.try_pop_n(out.data(), 8), 8u);
  EXPECT_EQ(out, (std::vector<int>{4, 5, 10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(ring.try_pop_n(out.data(), 8), 0u);
}

TEST(SpscRing, MoveOnlyItems) {
  SpscRing<std::unique_ptr<int>> ring(4);
  ASSERT_TRUE(ring.try_push(std::make_unique<int>(7)));
  ASSERT_TRUE(ring.try_emplace(new int(8)));
  std::unique_ptr<int> out;
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(*out, 7);
  ASSERT_TRUE(ring.try_pop(out));
  EXPECT_EQ(*out, 8);
}

TEST(SpscRing, DestroysItemsLeftInTheRing) {
  Tracked::live = 0;
  {
    SpscRing<Tracked> ring(8);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(ring.try_emplace(i));
    Tracked out;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out.value, 0);
    EXPECT_EQ(Tracked::live, 5);  // four queued and `out`
    std::vector<Tracked> batch(2);
    EXPECT_EQ(ring.try_pop_n(batch.data(), 2), 2u);
    EXPECT_EQ(batch[1].value, 2);
    EXPECT_EQ(Tracked::live, 5);  // two queued, `out` and two in `batch`
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(SpscRing, CloseReleasesABlockedConsumerAfterDraining) {
  SpscRing<int> ring(4);
  ASSERT_TRUE(ring.try_push(1));
  std::vector<int> seen;
  std::thread consumer([&] {
    int v = 0;
    while (ring.pop(v)) seen.push_back(v);
  });
  ring.close();
  consumer.join();
  EXPECT_EQ(seen, std::vector<int>{1});
  EXPECT_FALSE(ring.push(2)) << "a closed ring takes nothing";
}

TEST(SpscRing, CloseReleasesABlockedProducer) {
  SpscRing<int> ring(1);
  ASSERT_TRUE(ring.try_push(1));
  bool pushed = true;
  std::thread producer([&] { pushed = ring.push(2); });
  ring.close();
  producer.join();
  EXPECT_FALSE(pushed);
  EXPECT_EQ(ring.size(), 1u);
}

// Ten million items through a small ring between two real threads: FIFO, nothing lost.
TEST(SpscRingStress, TenMillionItemsKeepFifoOrder) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr std::uint64_t kItems = 1'000'000;  // the sanitizers slow each access 5-20x
#else
  constexpr std::uint64_t kItems = 10'000'000;
#endif
  SpscRing<std::uint64_t> ring(1024);
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kItems; ++i) ASSERT_TRUE(ring.push(i));
  });
  std::uint64_t expected = 0, out = 0, mismatches = 0;
  while (expected < kItems && ring.pop(out)) {
    mismatches += out != expected;
    ++expected;
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRingStress, BulkTransferKeepsFifoOrder) {
  constexpr std::uint64_t kItems = 2'000'000;
  SpscRing<std::uint64_t> ring(256);
  std::thread producer([&] {
    std::vector<std::uint64_t> batch(37);
    for (std::uint64_t i = 0; i < kItems;) {
      const std::size_t n = std::min<std::uint64_t>(batch.size(), kItems - i);
      std::iota(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n), i);
      std::size_t sent = 0;
      while (sent < n) {
        const std::size_t placed = ring.try_push_n(batch.data() + sent, n - sent);
        if (placed == 0) std::this_thread::yield();
        sent += placed;
      }
      i += n;
    }
  });
  std::vector<std::uint64_t> out(53);
  std::uint64_t expected = 0, mismatches = 0;
  while (expected < kItems) {
    const std::size_t got = ring.try_pop_n(out.data(), out.size());
    if (got == 0) std::this_thread::yield();
    for (std::size_t k = 0; k < got; ++k) mismatches += out[k] != expected++;
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
}
