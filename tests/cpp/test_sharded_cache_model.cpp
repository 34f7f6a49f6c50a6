// Random operation streams checked step by step against a plain reference: one MRU-first list
// per shard, searched linearly.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "alphaforge/sharded_cache.hpp"

namespace {

using alphaforge::CacheClock;
using alphaforge::ManualClock;
using alphaforge::ShardedCache;
using std::chrono::nanoseconds;
using Cache = ShardedCache<std::uint64_t, std::uint64_t>;

// Five home positions per shard, straddling the end of the table, and equal hash tags for many
// keys: long probe runs that wrap around, so deletion shifts entries (and repoints their
// recency records) across the table's end, and lookups meet tags of other keys.
struct ClusteringHash {
  std::uint64_t operator()(std::uint64_t key) const noexcept {
    const auto low = static_cast<std::uint32_t>(0xFFFF'FFFDU + static_cast<std::uint32_t>(key % 5));
    return (alphaforge::mix64(key) & 0xFFFF'FFFF'0000'0000ULL) | low;
  }
};
using ClusteredCache = ShardedCache<std::uint64_t, std::uint64_t, ClusteringHash>;

constexpr std::int64_t kNever = INT64_MAX;

struct RefEntry {
  std::uint64_t key;
  std::uint64_t value;
  std::int64_t expires;
};

template <typename CacheType>
class ReferenceCache {
 public:
  ReferenceCache(const CacheType& shape, std::size_t max_size, std::size_t shards,
                 std::int64_t default_ttl)
      : shape_(shape), lists_(shards), default_ttl_(default_ttl) {
    for (std::size_t i = 0; i < shards; ++i) {
      quotas_.push_back(max_size / shards + (i < max_size % shards ? 1 : 0));
    }
  }

  void put(std::uint64_t key, std::uint64_t value, std::int64_t ttl, std::int64_t now) {
    if (ttl == 0) ttl = default_ttl_;
    const std::int64_t expires = ttl == 0 ? kNever : now + ttl;
    auto& list = lists_[shape_.shard_index_of(key)];
    ++puts;
    auto it = find(list, key);
    if (it != list.end()) {
      list.erase(it);
    } else if (list.size() == quotas_[shape_.shard_index_of(key)]) {
      ++(list.back().expires <= now ? expirations : evictions);
      list.pop_back();
    }
    list.insert(list.begin(), RefEntry{key, value, expires});
  }

  std::optional<std::uint64_t> get(std::uint64_t key, std::int64_t now) {
    auto& list = lists_[shape_.shard_index_of(key)];
    auto it = find(list, key);
    if (it == list.end()) {
      ++misses;
      return std::nullopt;
    }
    if (it->expires <= now) {
      ++misses;
      ++expirations;
      list.erase(it);
      return std::nullopt;
    }
    ++hits;
    const RefEntry entry = *it;
    list.erase(it);
    list.insert(list.begin(), entry);
    return entry.value;
  }

  bool contains(std::uint64_t key, std::int64_t now) {
    auto& list = lists_[shape_.shard_index_of(key)];
    auto it = find(list, key);
    return it != list.end() && it->expires > now;
  }

  bool erase(std::uint64_t key, std::int64_t now) {
    auto& list = lists_[shape_.shard_index_of(key)];
    auto it = find(list, key);
    if (it == list.end()) return false;
    const bool live = it->expires > now;
    if (!live) ++expirations;
    list.erase(it);
    return live;
  }

  std::size_t purge(std::int64_t now) {
    std::size_t purged = 0;
    for (auto& list : lists_) {
      const auto before = list.size();
      std::erase_if(list, [&](const RefEntry& e) { return e.expires <= now; });
      purged += before - list.size();
    }
    expirations += purged;
    return purged;
  }

  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& list : lists_) n += list.size();
    return n;
  }

  std::vector<std::uint64_t> keys(std::size_t shard) const {
    std::vector<std::uint64_t> out;
    for (const auto& e : lists_[shard]) out.push_back(e.key);
    return out;
  }

  std::uint64_t hits = 0, misses = 0, puts = 0, evictions = 0, expirations = 0;

 private:
  static std::vector<RefEntry>::iterator find(std::vector<RefEntry>& list, std::uint64_t key) {
    return std::find_if(list.begin(), list.end(), [&](const RefEntry& e) { return e.key == key; });
  }

  const CacheType& shape_;
  std::vector<std::vector<RefEntry>> lists_;
  std::vector<std::size_t> quotas_;
  std::int64_t default_ttl_;
};

template <typename CacheType = Cache>
void run_model(std::uint64_t seed, std::size_t max_size, std::size_t shards,
               std::int64_t default_ttl, std::uint64_t key_space) {
  auto clock = std::make_shared<ManualClock>(1'000'000);
  CacheType cache(max_size, shards,
                  default_ttl == 0 ? std::nullopt : std::optional<nanoseconds>(default_ttl),
                  CacheClock(clock));
  ReferenceCache<CacheType> ref(cache, max_size, shards, default_ttl);
  std::uint64_t state = seed;
  auto next = [&] {
    state = alphaforge::mix64(state + 0x9e3779b97f4a7c15ULL);
    return state;
  };
  for (int step = 0; step < 20'000; ++step) {
    const std::uint64_t key = next() % key_space;
    const std::int64_t now = clock->now_ns();
    switch (next() % 16) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4: {
        const std::uint64_t value = next();
        cache.put(key, value);
        ref.put(key, value, 0, now);
        break;
      }
      case 5: {
        const std::uint64_t value = next();
        const auto ttl = static_cast<std::int64_t>(1 + next() % 40);
        cache.put(key, value, nanoseconds(ttl));
        ref.put(key, value, ttl, now);
        break;
      }
      case 6:
      case 7:
      case 8:
      case 9:
      case 10:
        ASSERT_EQ(cache.get(key), ref.get(key, now)) << "step " << step;
        break;
      case 11:
        ASSERT_EQ(cache.contains(key), ref.contains(key, now)) << "step " << step;
        break;
      case 12:
        ASSERT_EQ(cache.erase(key), ref.erase(key, now)) << "step " << step;
        break;
      case 13:
        if (next() % 50 == 0) {
          ASSERT_EQ(cache.purge_expired(), ref.purge(now));
        }
        break;
      default:
        clock->advance(nanoseconds(static_cast<std::int64_t>(next() % 5)));
        break;
    }
    ASSERT_EQ(cache.size(), ref.size()) << "step " << step;
  }
  for (std::size_t s = 0; s < shards; ++s) EXPECT_EQ(cache.keys_by_recency(s), ref.keys(s));
  const auto stats = cache.statistics();
  EXPECT_EQ(stats.hits, ref.hits);
  EXPECT_EQ(stats.misses, ref.misses);
  EXPECT_EQ(stats.puts, ref.puts);
  EXPECT_EQ(stats.evictions, ref.evictions);
  EXPECT_EQ(stats.expirations, ref.expirations);
}

}  // namespace

TEST(ShardedCacheModel, SingleShardExactLru) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) run_model(seed, 17, 1, 0, 40);
}

TEST(ShardedCacheModel, SingleShardWithDefaultTtl) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) run_model(seed, 23, 1, 30, 60);
}

TEST(ShardedCacheModel, ShardedWithTtl) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) run_model(seed, 50, 4, 25, 120);
}

TEST(ShardedCacheModel, TinyShardsChurn) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) run_model(seed, 9, 8, 0, 30);
}

TEST(ShardedCacheModel, ClusteredKeysWrapAroundTheTable) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    run_model<ClusteredCache>(seed, 40, 2, 0, 90);
    run_model<ClusteredCache>(seed, 300, 1, 25, 500);  // grows through several sizes
  }
}
