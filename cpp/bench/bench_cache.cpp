// ShardedCache against the textbook thread-safe LRU (one mutex, std::list + std::unordered_map),
// both measured in this binary on the same keys: 1M keys, u64 and string.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alphaforge/sharded_cache.hpp"

namespace {

constexpr std::size_t kKeys = 1'000'000;
constexpr std::size_t kOpsPerThread = 2'000'000;

template <typename K, typename V>
class MutexLru {
 public:
  static constexpr const char* kName = "mutex+list+unordered_map";

  explicit MutexLru(std::size_t max_size) : max_size_(max_size) { index_.reserve(max_size); }

  void put(const K& key, V value) {
    std::lock_guard guard(mutex_);
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->second = std::move(value);
      items_.splice(items_.begin(), items_, it->second);
      return;
    }
    if (items_.size() == max_size_) {
      index_.erase(items_.back().first);
      items_.pop_back();
    }
    items_.emplace_front(key, std::move(value));
    index_.emplace(key, items_.begin());
  }

  std::optional<V> get(const K& key) {
    std::lock_guard guard(mutex_);
    const auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    items_.splice(items_.begin(), items_, it->second);
    return it->second->second;
  }

 private:
  std::mutex mutex_;
  std::size_t max_size_;
  std::list<std::pair<K, V>> items_;
  std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> index_;
};

template <typename K, typename V>
class Sharded {
 public:
  static constexpr const char* kName = "ShardedCache";

  explicit Sharded(std::size_t max_size) : cache_(max_size) {}
  void put(const K& key, V value) { cache_.put(key, std::move(value)); }
  std::optional<V> get(const K& key) { return cache_.get(key); }

 private:
  alphaforge::ShardedCache<K, V> cache_;
};

// Every entry with a one-hour TTL: each get checks the expiry against the clock.
template <typename K, typename V>
class ShardedWithTtl {
 public:
  static constexpr const char* kName = "ShardedCache+TTL";

  explicit ShardedWithTtl(std::size_t max_size) : cache_(max_size, 0, std::chrono::hours(1)) {}
  void put(const K& key, V value) { cache_.put(key, std::move(value)); }
  std::optional<V> get(const K& key) { return cache_.get(key); }

 private:
  alphaforge::ShardedCache<K, V> cache_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::uint64_t next_random(std::uint64_t& state) {
  state = alphaforge::mix64(state + 0x9e3779b97f4a7c15ULL);
  return state;
}

template <typename K>
const std::vector<K>& keys();

template <>
const std::vector<std::uint64_t>& keys<std::uint64_t>() {
  static const std::vector<std::uint64_t> k = [] {
    std::vector<std::uint64_t> out(kKeys);
    for (std::size_t i = 0; i < kKeys; ++i) out[i] = i * 0x9e3779b97f4a7c15ULL;
    return out;
  }();
  return k;
}

template <>
const std::vector<std::string>& keys<std::string>() {
  static const std::vector<std::string> k = [] {
    std::vector<std::string> out(kKeys);
    for (std::size_t i = 0; i < kKeys; ++i) out[i] = "BTCUSDT_" + std::to_string(i);
    return out;
  }();
  return k;
}

// u64 keys are computed, so the only memory the loop touches is the cache's own.
template <typename K>
K key_at(const std::vector<K>& all, std::size_t i) {
  if constexpr (std::is_same_v<K, std::uint64_t>) {
    return i * 0x9e3779b97f4a7c15ULL;
  } else {
    return all[i];
  }
}

template <typename Cache, typename K>
void fill(Cache& cache) {
  const auto& all = keys<K>();
  for (std::size_t i = 0; i < all.size(); ++i) cache.put(all[i], i);
}

// Every key once, in order, into an empty cache.
template <typename Cache, typename K>
void bench_fill(benchmark::State& state) {
  for (auto _ : state) {
    Cache cache(kKeys);
    const auto start = std::chrono::steady_clock::now();
    fill<Cache, K>(cache);
    state.SetIterationTime(seconds_since(start));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kKeys));
}

// threads x kOpsPerThread random operations on a full cache; get_percent of them gets.
template <typename Cache, typename K>
void bench_mixed(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  const auto get_percent = static_cast<std::uint64_t>(state.range(1));
  const auto& all = keys<K>();
  Cache cache(kKeys);
  fill<Cache, K>(cache);
  std::uint64_t found = 0;
  for (auto _ : state) {
    std::vector<std::thread> workers;
    std::vector<std::uint64_t> hits(threads, 0);
    const auto start = std::chrono::steady_clock::now();
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::uint64_t rng = t + 1;
        std::uint64_t local = 0;
        for (std::size_t op = 0; op < kOpsPerThread; ++op) {
          const std::uint64_t r = next_random(rng);
          const K& key = key_at<K>(all, static_cast<std::size_t>(r % kKeys));
          if ((r >> 40) % 100 < get_percent) {
            if (cache.get(key).has_value()) ++local;
          } else {
            cache.put(key, r);
          }
        }
        hits[t] = local;
      });
    }
    for (auto& w : workers) w.join();
    state.SetIterationTime(seconds_since(start));
    for (auto h : hits) found += h;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(threads * kOpsPerThread));
}

// ShardedCache's batch calls: kOpsPerThread random keys in batches of 10,000.
template <typename K>
void bench_batch(benchmark::State& state) {
  const bool gets = state.range(0) == 1;
  constexpr std::size_t kBatch = 10'000;
  const auto& all = keys<K>();
  alphaforge::ShardedCache<K, std::uint64_t> cache(kKeys);
  std::vector<std::uint64_t> values(kBatch, 7);
  for (std::size_t base = 0; base < kKeys; base += kBatch) {
    std::vector<K> fill_keys(all.begin() + static_cast<std::ptrdiff_t>(base),
                             all.begin() + static_cast<std::ptrdiff_t>(base + kBatch));
    cache.put_many(fill_keys.data(), values.data(), kBatch);
  }
  std::vector<std::vector<K>> batches(kOpsPerThread / kBatch);
  std::uint64_t rng = 99;
  for (auto& batch : batches) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      batch.push_back(all[static_cast<std::size_t>(next_random(rng) % kKeys)]);
    }
  }
  std::vector<std::uint64_t> out(kBatch);
  std::unique_ptr<bool[]> found(new bool[kBatch]);
  std::size_t hits = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (const auto& batch : batches) {
      if (gets) {
        hits += cache.get_many(batch.data(), kBatch, out.data(), found.get());
      } else {
        cache.put_many(batch.data(), values.data(), kBatch);
      }
    }
    state.SetIterationTime(seconds_since(start));
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kOpsPerThread));
}

template <template <typename, typename> class Cache, typename K>
void register_cache(const std::string& key_name) {
  using C = Cache<K, std::uint64_t>;
  const std::string suffix = "/" + key_name + "/" + C::kName;
  benchmark::RegisterBenchmark(("fill" + suffix).c_str(), bench_fill<C, K>)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(2);
  benchmark::RegisterBenchmark(("get" + suffix).c_str(), bench_mixed<C, K>)
      ->Args({1, 100})
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(2);
  benchmark::RegisterBenchmark(("get90_put10" + suffix).c_str(), bench_mixed<C, K>)
      ->ArgNames({"threads", "get_pct"})
      ->Args({1, 90})
      ->Args({2, 90})
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(2);
}

}  // namespace

int main(int argc, char** argv) {
  for (const auto* key_name : {"u64", "string"}) {
    const bool text = std::string(key_name) == "string";
    auto* batch = text ? bench_batch<std::string> : bench_batch<std::uint64_t>;
    for (const auto& [name, gets] :
         {std::pair{"batch10k_get/", 1}, std::pair{"batch10k_put/", 0}}) {
      benchmark::RegisterBenchmark((name + std::string(key_name) + "/ShardedCache").c_str(), batch)
          ->Arg(gets)
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond)
          ->Iterations(2);
    }
  }
  register_cache<Sharded, std::uint64_t>("u64");
  register_cache<ShardedWithTtl, std::uint64_t>("u64");
  register_cache<MutexLru, std::uint64_t>("u64");
  register_cache<Sharded, std::string>("string");
  register_cache<ShardedWithTtl, std::string>("string");
  register_cache<MutexLru, std::string>("string");
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
