// Several threads mixing every operation on one cache; run under ThreadSanitizer in CI.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "alphaforge/sharded_cache.hpp"

namespace {

using alphaforge::ShardedCache;
using std::chrono::nanoseconds;

// A value that shows whether it was torn or mixed up with another key's.
struct Payload {
  std::uint64_t key = 0;
  std::uint64_t seq = 0;
  std::uint64_t check = 0;
};

std::uint64_t check_of(std::uint64_t key, std::uint64_t seq) {
  return alphaforge::mix64(key * 31 + seq);
}

Payload payload(std::uint64_t key, std::uint64_t seq) { return {key, seq, check_of(key, seq)}; }

bool intact(const Payload& p, std::uint64_t key) {
  return p.key == key && p.check == check_of(p.key, p.seq);
}

struct Counts {
  std::uint64_t gets = 0;
  std::uint64_t puts = 0;
  std::uint64_t bad = 0;
};

constexpr unsigned kThreads = 4;
constexpr int kOpsPerThread = 60'000;
constexpr std::size_t kMaxSize = 1024;

}  // namespace

TEST(ShardedCacheStress, MixedOperationsFromManyThreads) {
  ShardedCache<std::uint64_t, Payload> cache(kMaxSize, 8, nanoseconds(2'000'000));
  std::vector<Counts> counts(kThreads);
  std::atomic<bool> oversize{false};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Counts& c = counts[t];
      std::uint64_t state = t + 1;
      auto next = [&] {
        state = alphaforge::mix64(state + 0x9e3779b97f4a7c15ULL);
        return state;
      };
      std::vector<std::uint64_t> keys(16);
      std::vector<Payload> values(16);
      std::unique_ptr<bool[]> found(new bool[16]);
      for (int op = 0; op < kOpsPerThread; ++op) {
        const std::uint64_t key = next() % 4096;
        const std::uint64_t roll = next() % 100;
        if (roll < 55) {
          ++c.gets;
          if (const auto v = cache.get(key); v && !intact(*v, key)) ++c.bad;
        } else if (roll < 80) {
          ++c.puts;
          cache.put(key, payload(key, next()));
        } else if (roll < 85) {
          ++c.puts;
          cache.put(key, payload(key, next()), nanoseconds(1 + next() % 50'000));
        } else if (roll < 92) {
          cache.erase(key);
        } else if (roll < 94) {
          (void)cache.contains(key);
        } else if (roll < 97) {
          for (std::size_t i = 0; i < keys.size(); ++i) {
            keys[i] = next() % 4096;
            values[i] = payload(keys[i], next());
          }
          c.puts += keys.size();
          cache.put_many(keys.data(), values.data(), keys.size());
        } else if (roll < 99) {
          for (auto& k : keys) k = next() % 4096;
          std::vector<Payload> out(keys.size());
          cache.get_many(keys.data(), keys.size(), out.data(), found.get());
          c.gets += keys.size();
          for (std::size_t i = 0; i < keys.size(); ++i) {
            if (found[i] && !intact(out[i], keys[i])) ++c.bad;
          }
        } else if (next() % 20 == 0) {
          cache.purge_expired();
        } else {
          (void)cache.statistics();
        }
        if (cache.size() > kMaxSize) oversize.store(true, std::memory_order_relaxed);
      }
    });
  }
  for (auto& th : threads) th.join();

  Counts total;
  for (const auto& c : counts) {
    total.gets += c.gets;
    total.puts += c.puts;
    total.bad += c.bad;
  }
  EXPECT_EQ(total.bad, 0u);
  EXPECT_FALSE(oversize.load());
  const auto stats = cache.statistics();
  EXPECT_EQ(stats.hits + stats.misses, total.gets);
  EXPECT_EQ(stats.puts, total.puts);
  EXPECT_LE(stats.size, kMaxSize);
  EXPECT_EQ(stats.size, cache.size());
}

TEST(ShardedCacheStress, StringKeysWithClearRacingPuts) {
  ShardedCache<std::string, std::string> cache(512, 4);
  std::atomic<bool> bad{false};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        const std::string key = "BTCUSDT_" + std::to_string((i * 7 + static_cast<int>(t)) % 2000);
        if (i % 3 == 0) {
          cache.put(key, key + "/value-long-enough-to-leave-the-small-buffer");
        } else if (const auto v = cache.get(std::string_view(key))) {
          if (*v != key + "/value-long-enough-to-leave-the-small-buffer") bad.store(true);
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 200; ++i) {
      cache.clear();
      std::this_thread::yield();
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_FALSE(bad.load());
  EXPECT_LE(cache.size(), 512u);
}
