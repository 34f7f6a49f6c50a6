#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "alphaforge/sharded_cache.hpp"

using alphaforge::CacheClock;
using alphaforge::ManualClock;
using alphaforge::PutOutcome;
using alphaforge::ShardedCache;
using std::chrono::nanoseconds;

using U64Cache = ShardedCache<std::uint64_t, std::uint64_t>;

TEST(ShardedCache, RejectsBadConfiguration) {
  EXPECT_THROW(U64Cache(0), std::invalid_argument);
  EXPECT_THROW(U64Cache(100, 3), std::invalid_argument);
  EXPECT_THROW(U64Cache(4, 8), std::invalid_argument);
  EXPECT_THROW(U64Cache(100, 1, nanoseconds(0)), std::invalid_argument);
  EXPECT_THROW(U64Cache(100, 1, nanoseconds(-5)), std::invalid_argument);
  EXPECT_THROW(U64Cache(U64Cache::kMaxEntriesPerShard + 1, 1), std::invalid_argument);
  EXPECT_EQ(U64Cache(U64Cache::kMaxEntriesPerShard, 1).max_size(), std::size_t{1} << 30);
  U64Cache cache(10, 1);
  EXPECT_THROW(cache.put(1, 1, nanoseconds(0)), std::invalid_argument);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.statistics().puts, 0u);
}

TEST(ShardedCache, AutomaticShardCountKeepsSmallCachesExact) {
  EXPECT_EQ(U64Cache(1).shard_count(), 1u);
  EXPECT_EQ(U64Cache(511).shard_count(), 1u);
  EXPECT_EQ(U64Cache(512).shard_count(), 2u);
  EXPECT_EQ(U64Cache(3000).shard_count(), 8u);
  EXPECT_EQ(U64Cache(1'000'000).shard_count(), 16u);
  EXPECT_EQ(U64Cache(1'000'000, 64).shard_count(), 64u);
}

TEST(ShardedCache, SingleShardEvictsLeastRecentlyUsed) {
  U64Cache cache(3, 1);
  EXPECT_EQ(cache.put(1, 10), PutOutcome::kInserted);
  cache.put(2, 20);
  cache.put(3, 30);
  EXPECT_EQ(cache.get(1u), 10u);  // 1 is now the most recent, 2 the least
  EXPECT_EQ(cache.keys_by_recency(0), (std::vector<std::uint64_t>{1, 3, 2}));
  cache.put(4, 40);
  EXPECT_FALSE(cache.get(2u).has_value());
  EXPECT_EQ(cache.keys_by_recency(0), (std::vector<std::uint64_t>{4, 1, 3}));
  EXPECT_TRUE(cache.contains(3u));  // contains does not refresh 3
  cache.put(5, 50);
  EXPECT_FALSE(cache.contains(3u));
  EXPECT_EQ(cache.put(1, 11), PutOutcome::kReplaced);  // replacing refreshes too
  EXPECT_EQ(cache.keys_by_recency(0), (std::vector<std::uint64_t>{1, 5, 4}));
  EXPECT_EQ(cache.get(1u), 11u);

  const auto stats = cache.statistics();
  EXPECT_EQ(stats.puts, 6u);
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.evictions, 2u);
  EXPECT_EQ(stats.expirations, 0u);
  EXPECT_EQ(stats.size, 3u);
  EXPECT_EQ(stats.total_operations(), 9u);
  EXPECT_DOUBLE_EQ(stats.hit_ratio(), 2.0 / 3.0);
}

TEST(ShardedCache, EraseAndClear) {
  U64Cache cache(8, 2);
  for (std::uint64_t k = 0; k < 6; ++k) cache.put(k, k * 100);
  EXPECT_TRUE(cache.erase(std::uint64_t{3}));
  EXPECT_FALSE(cache.erase(std::uint64_t{3}));
  EXPECT_EQ(cache.size(), 5u);
  EXPECT_FALSE(cache.get(std::uint64_t{3}).has_value());
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  for (std::uint64_t k = 0; k < 6; ++k) EXPECT_FALSE(cache.contains(k));
  cache.put(7, 700);
  EXPECT_EQ(cache.get(std::uint64_t{7}), 700u);
}

TEST(ShardedCache, TtlOnTheManualClock) {
  auto clock = std::make_shared<ManualClock>(1'000);
  U64Cache cache(10, 1, nanoseconds(100), CacheClock(clock));
  cache.put(1, 10);                     // expires at 1100
  cache.put(2, 20, nanoseconds(500));  // expires at 1500
  clock->advance(nanoseconds(99));
  EXPECT_EQ(cache.get(std::uint64_t{1}), 10u);
  clock->advance(nanoseconds(1));
  EXPECT_FALSE(cache.contains(std::uint64_t{1}));
  EXPECT_EQ(cache.size(), 2u);  // still held until something reclaims it
  EXPECT_FALSE(cache.get(std::uint64_t{1}).has_value());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.get(std::uint64_t{2}), 20u);
  cache.put(3, 30, nanoseconds(1'000));  // expires at 2100
  clock->advance(nanoseconds(400));      // now 1500: 2 expires, 3 lives
  EXPECT_EQ(cache.purge_expired(), 1u);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_FALSE(cache.erase(std::uint64_t{2}));

  const auto stats = cache.statistics();
  EXPECT_EQ(stats.expirations, 2u);
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_THROW(clock->advance(nanoseconds(-1)), std::invalid_argument);
}

TEST(ShardedCache, ExpiredTailCountsAsExpirationNotEviction) {
  auto clock = std::make_shared<ManualClock>();
  U64Cache cache(2, 1, std::nullopt, CacheClock(clock));
  cache.put(1, 10, nanoseconds(5));
  cache.put(2, 20);
  clock->advance(nanoseconds(5));
  cache.put(3, 30);  // the tail (1) had expired
  cache.put(4, 40);  // the tail (2) is live
  const auto stats = cache.statistics();
  EXPECT_EQ(stats.expirations, 1u);
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(cache.keys_by_recency(0), (std::vector<std::uint64_t>{4, 3}));
}

TEST(ShardedCache, ReplacingResetsTheTtl) {
  auto clock = std::make_shared<ManualClock>();
  U64Cache cache(4, 1, nanoseconds(10), CacheClock(clock));
  cache.put(1, 10);
  clock->advance(nanoseconds(8));
  cache.put(1, 11);
  clock->advance(nanoseconds(8));
  EXPECT_EQ(cache.get(std::uint64_t{1}), 11u);
  clock->advance(nanoseconds(2));
  EXPECT_FALSE(cache.get(std::uint64_t{1}).has_value());
}

TEST(ShardedCache, StringKeysFoundByStringView) {
  ShardedCache<std::string, double> cache(100, 4);
  cache.put("BTCUSDT", 97'000.5);
  cache.put(std::string(40, 'x'), 1.0);  // beyond the small-string buffer
  EXPECT_EQ(cache.get(std::string_view("BTCUSDT")), 97'000.5);
  EXPECT_EQ(cache.get(std::string_view(std::string(40, 'x'))), 1.0);
  EXPECT_FALSE(cache.get(std::string_view("ETHUSDT")).has_value());
  EXPECT_TRUE(cache.erase(std::string_view("BTCUSDT")));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ShardedCache, ReleasesValuesOnEveryExit) {
  auto clock = std::make_shared<ManualClock>();
  ShardedCache<unsigned, std::shared_ptr<int>> cache(2, 1, std::nullopt, CacheClock(clock));
  auto a = std::make_shared<int>(1);
  auto b = std::make_shared<int>(2);
  auto c = std::make_shared<int>(3);
  auto d = std::make_shared<int>(4);
  cache.put(1u, a);
  cache.put(1u, b);  // replaced: a released
  EXPECT_EQ(a.use_count(), 1);
  cache.put(2, c);
  cache.put(3, d);  // 1 evicted: b released
  EXPECT_EQ(b.use_count(), 1);
  EXPECT_TRUE(cache.erase(2u));
  EXPECT_EQ(c.use_count(), 1);
  cache.put(4, a, nanoseconds(1));
  clock->advance(nanoseconds(1));
  EXPECT_FALSE(cache.get(4u).has_value());  // expired: a released
  EXPECT_EQ(a.use_count(), 1);
  cache.clear();
  EXPECT_EQ(d.use_count(), 1);
}

TEST(ShardedCache, GrowsToMillionsOfEntries) {
  U64Cache cache(300'000, 4);
  for (std::uint64_t k = 0; k < 300'000; ++k) cache.put(k, k ^ 0xabcdef);
  EXPECT_EQ(cache.size() + cache.statistics().evictions, 300'000u);
  std::size_t found = 0;
  std::size_t odd_found = 0;
  for (std::uint64_t k = 0; k < 300'000; ++k) {
    const auto v = cache.get(k);
    if (v && *v == (k ^ 0xabcdef)) {
      ++found;
      odd_found += k % 2;
    }
  }
  // Quotas are per shard, so a shard that drew more keys than its quota evicted some.
  EXPECT_GT(found, 290'000u);
  EXPECT_EQ(found + cache.statistics().evictions, 300'000u);
  for (std::uint64_t k = 0; k < 300'000; k += 2) cache.erase(k);
  EXPECT_EQ(cache.size(), odd_found);
  for (std::uint64_t k = 1; k < 300'000; k += 2) {
    if (cache.contains(k)) {
      ASSERT_EQ(cache.get(k), k ^ 0xabcdef);
    }
  }
}

TEST(ShardedCache, BatchCallsMatchOneCallPerKey) {
  auto clock = std::make_shared<ManualClock>();
  U64Cache batched(64, 4, nanoseconds(50), CacheClock(clock));
  U64Cache single(64, 4, nanoseconds(50), CacheClock(clock));
  std::uint64_t state = 12345;
  auto next = [&] {
    state = alphaforge::mix64(state + 1);
    return state;
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<std::uint64_t> keys(1 + next() % 600);
    std::vector<std::uint64_t> values(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      keys[i] = next() % 150;
      values[i] = next();
    }
    if (round % 2 == 0) {
      batched.put_many(keys.data(), values.data(), keys.size());
      for (std::size_t i = 0; i < keys.size(); ++i) single.put(keys[i], values[i]);
    } else {
      std::vector<std::uint64_t> out(keys.size(), 0);
      std::unique_ptr<bool[]> found(new bool[keys.size()]);
      const std::size_t hits = batched.get_many(keys.data(), keys.size(), out.data(), found.get());
      std::size_t expected_hits = 0;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto v = single.get(keys[i]);
        ASSERT_EQ(found[i], v.has_value());
        if (v) {
          ++expected_hits;
          ASSERT_EQ(out[i], *v);
        }
      }
      ASSERT_EQ(hits, expected_hits);
    }
    clock->advance(nanoseconds(next() % 20));
    for (std::size_t s = 0; s < 4; ++s) {
      ASSERT_EQ(batched.keys_by_recency(s), single.keys_by_recency(s));
    }
  }
  const auto a = batched.statistics();
  const auto b = single.statistics();
  EXPECT_EQ(a.hits, b.hits);
  EXPECT_EQ(a.misses, b.misses);
  EXPECT_EQ(a.puts, b.puts);
  EXPECT_EQ(a.evictions, b.evictions);
  EXPECT_EQ(a.expirations, b.expirations);
}
