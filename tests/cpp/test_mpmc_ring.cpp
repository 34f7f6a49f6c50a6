#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "alphaforge/mpmc_ring.hpp"
#include "ring_test_types.hpp"

using alphaforge::MpmcRing;

TEST(MpmcRing, CapacityRoundsUpToPowerOfTwo) {
  EXPECT_EQ(MpmcRing<int>(3).capacity(), 4u);
  EXPECT_EQ(MpmcRing<int>(1).capacity(), 2u) << "one slot cannot tell full from empty";
  EXPECT_THROW(MpmcRing<int>(0), std::invalid_argument);
}

TEST(MpmcRing, EmptyFullAndWrapAround) {
  MpmcRing<int> ring(4);
  int out = -1;
  EXPECT_FALSE(ring.try_pop(out));
  for (int round = 0; round < 100; ++round) {
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(ring.try_push(round * 4 + i));
    EXPECT_FALSE(ring.try_push(-1));
    EXPECT_EQ(ring.size(), 4u);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(ring.try_pop(out));
      ASSERT_EQ(out, round * 4 + i);
    }
    EXPECT_FALSE(ring.try_pop(out));
  }
}

TEST(MpmcRing, BulkStopsAtFullAndEmpty) {
  MpmcRing<int> ring(8);
  std::vector<int> in{0, 1, 2, 3, 4, 5};
  ASSERT_EQ(ring.try_push_n(in.data(), 6), 6u);
  std::vector<int> out(8, -1);
  ASSERT_EQ(ring.try_pop_n(out.data(), 3), 3u);
  std::vector<int> more{6, 7, 8, 9, 10, 11};
  EXPECT_EQ(ring.try_push_n(more.data(), more.size()), 5u);
  EXPECT_EQ(ring.try_push_n(more.data(), 1), 0u);
  ASSERT_EQ(ring.try_pop_n(out.data(), 8), 8u);
  EXPECT_EQ(out, (std::vector<int>{3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(ring.try_pop_n(out.data(), 8), 0u);
}

TEST(MpmcRing, MoveOnlyItemsAndDestructors) {
  Tracked::live = 0;
  {
    MpmcRing<std::unique_ptr<Tracked>> ring(4);
    ASSERT_TRUE(ring.try_push(std::make_unique<Tracked>(1)));
    ASSERT_TRUE(ring.try_emplace(new Tracked(2)));
    ASSERT_TRUE(ring.try_emplace(new Tracked(3)));
    std::unique_ptr<Tracked> out;
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out->value, 1);
    EXPECT_EQ(Tracked::live, 3);
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(MpmcRing, SmallestRingFillsAndDrains) {
  MpmcRing<int> ring(1);
  int out = 0;
  for (int round = 0; round < 10; ++round) {
    ASSERT_TRUE(ring.try_push(round));
    ASSERT_TRUE(ring.try_push(round + 100));
    EXPECT_FALSE(ring.try_push(-1));
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, round);
    ASSERT_TRUE(ring.try_pop(out));
    EXPECT_EQ(out, round + 100);
    EXPECT_FALSE(ring.try_pop(out));
  }
}

TEST(MpmcRing, CloseReleasesBlockedSides) {
  MpmcRing<int> ring(2);
  ASSERT_TRUE(ring.try_push(1));
  ASSERT_TRUE(ring.try_push(1));
  bool pushed = true;
  std::thread producer([&] { pushed = ring.push(2); });
  ring.close();
  producer.join();
  EXPECT_FALSE(pushed);
  int out = 0;
  EXPECT_TRUE(ring.pop(out));
  EXPECT_TRUE(ring.pop(out));
  EXPECT_EQ(out, 1);
  EXPECT_FALSE(ring.pop(out));
}

namespace {

// Producers tag each item with their id; every consumer checks that each producer's items
// arrive in order, and the union of everything received must be every item exactly once.
void run_exactly_once(unsigned producers, unsigned consumers, std::uint64_t per_producer,
                      std::size_t batch) {
  MpmcRing<std::uint64_t> ring(512);
  std::vector<std::vector<std::uint8_t>> seen(producers, std::vector<std::uint8_t>(per_producer));
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> order_errors{0};
  const std::uint64_t total = per_producer * producers;

  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      std::vector<std::uint64_t> buffer(batch);
      for (std::uint64_t i = 0; i < per_producer;) {
        const std::size_t n = std::min<std::uint64_t>(batch, per_producer - i);
        for (std::size_t k = 0; k < n; ++k) buffer[k] = (std::uint64_t{p} << 40) | (i + k);
        std::size_t sent = 0;
        while (sent < n) {
          const std::size_t placed = batch == 1 ? (ring.try_push(buffer[0]) ? 1u : 0u)
                                                : ring.try_push_n(buffer.data() + sent, n - sent);
          if (placed == 0) std::this_thread::yield();  // keeps the test fair on a busy machine
          sent += placed;
        }
        i += n;
      }
    });
  }
  std::vector<std::vector<std::uint64_t>> received_by(consumers);
  for (unsigned c = 0; c < consumers; ++c) {
    threads.emplace_back([&, c] {
      std::vector<std::int64_t> last(producers, -1);
      std::vector<std::uint64_t> buffer(batch);
      while (received.load(std::memory_order_relaxed) < total) {
        const std::size_t got = batch == 1 ? (ring.try_pop(buffer[0]) ? 1u : 0u)
                                           : ring.try_pop_n(buffer.data(), batch);
        for (std::size_t k = 0; k < got; ++k) {
          const auto p = static_cast<unsigned>(buffer[k] >> 40);
          const auto i = static_cast<std::int64_t>(buffer[k] & ((std::uint64_t{1} << 40) - 1));
          if (i <= last[p]) order_errors.fetch_add(1, std::memory_order_relaxed);
          last[p] = i;
          received_by[c].push_back(buffer[k]);
        }
        if (got == 0) std::this_thread::yield();
        received.fetch_add(got, std::memory_order_relaxed);
      }
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(order_errors.load(), 0u);
  std::uint64_t duplicates = 0, count = 0;
  for (const auto& items : received_by) {
    for (const std::uint64_t item : items) {
      auto& flag = seen[item >> 40][item & ((std::uint64_t{1} << 40) - 1)];
      duplicates += flag;
      flag = 1;
      ++count;
    }
  }
  EXPECT_EQ(count, total);
  EXPECT_EQ(duplicates, 0u);
  EXPECT_TRUE(ring.empty());
}

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kPerProducer = 200'000;
#else
constexpr std::uint64_t kPerProducer = 2'000'000;
#endif

}  // namespace

TEST(MpmcRingStress, TwoProducersTwoConsumersExactlyOnce) { run_exactly_once(2, 2, kPerProducer, 1); }

TEST(MpmcRingStress, BulkTwoProducersTwoConsumersExactlyOnce) {
  run_exactly_once(2, 2, kPerProducer, 16);
}

TEST(MpmcRingStress, FourProducersOneConsumer) { run_exactly_once(4, 1, kPerProducer / 2, 1); }
