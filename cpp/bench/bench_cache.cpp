// ShardedCache against the textbook thread-safe LRU (one mutex, std::list + std::unordered_map),
// both measured in this binary on the same keys: 1M keys, u64 and string. Two unlocked maps
// without eviction run alongside on one thread, as the reference for what a lookup costs.
#include <benchmark/benchmark.h>

#include <bit>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
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

// Reference rows, for one thread only: maps with nothing that makes them a thread-safe cache.
// What a lookup costs on these keys without a lock, recency or expiry.
template <typename K, typename V>
class UnlockedUnorderedMap {
 public:
  static constexpr const char* kName = "unordered_map-unlocked-no-LRU";

  explicit UnlockedUnorderedMap(std::size_t max_size) { map_.reserve(max_size); }
  void put(const K& key, V value) { map_.insert_or_assign(key, std::move(value)); }
  std::optional<V> get(const K& key) {
    const auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::unordered_map<K, V> map_;
};

// ShardedCache's table layout alone: one open-addressing array (linear probing, load <= 1/2,
// an entry within one cache line, on huge pages), no lock, recency, expiry or statistics: a
// lookup that reads the line its key hashes to and does nothing else.
template <typename K, typename V>
class UnlockedOpenAddressing {
 public:
  static constexpr const char* kName = "open-addressing-unlocked-no-LRU";

  explicit UnlockedOpenAddressing(std::size_t max_size)
      : slots_(std::bit_ceil(max_size * 2)), mask_(slots_.size() - 1) {}

  void put(const K& key, V value) {
    const std::uint64_t hash = alphaforge::CacheHash<K>{}(key);
    Slot& slot = slots_[locate(hash, key)];
    slot.tag = tag_of(hash);
    slot.key = key;
    slot.value = std::move(value);
  }

  std::optional<V> get(const K& key) {
    const Slot& slot = slots_[locate(alphaforge::CacheHash<K>{}(key), key)];
    if (slot.tag == 0) return std::nullopt;
    return slot.value;
  }

 private:
  struct Layout {
    std::uint32_t tag;
    K key;
    V value;
  };
  struct alignas(std::bit_ceil(sizeof(Layout))) Slot {
    std::uint32_t tag = 0;  // 0: free
    K key{};
    V value{};
  };

  static std::uint32_t tag_of(std::uint64_t hash) {
    return static_cast<std::uint32_t>(hash) | 0x8000'0000U;
  }

  // The key's position, or the free one where it would go.
  std::size_t locate(std::uint64_t hash, const K& key) const {
    const std::uint32_t tag = tag_of(hash);
    for (std::size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.tag == 0 || (slot.tag == tag && slot.key == key)) return at;
    }
  }

  std::vector<Slot, alphaforge::HugePageAllocator<Slot>> slots_;
  std::size_t mask_;
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
std::uint64_t key_at(const std::uint64_t* /*all*/, std::size_t i) {
  return i * 0x9e3779b97f4a7c15ULL;
}

const std::string& key_at(const std::string* all, std::size_t i) { return all[i]; }

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

// One operation of a thread's plan: which key, and get or put.
struct Operation {
  std::uint32_t key_index;
  bool is_get;
};

// Drawn before the clock starts, so the timed loop spends its instructions on the cache: with
// every operation a memory miss, instructions spent elsewhere limit how many misses overlap.
std::vector<Operation> draw_operations(std::uint64_t seed, std::uint64_t get_percent) {
  std::vector<Operation> plan(kOpsPerThread);
  std::uint64_t rng = seed;
  for (auto& op : plan) {
    const std::uint64_t r = next_random(rng);
    op = {static_cast<std::uint32_t>(r % kKeys), (r >> 40) % 100 < get_percent};
  }
  return plan;
}

// threads x kOpsPerThread random operations on a full cache; get_percent of them gets.
template <typename Cache, typename K>
void bench_mixed(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  const auto get_percent = static_cast<std::uint64_t>(state.range(1));
  const auto& all = keys<K>();
  Cache cache(kKeys);
  fill<Cache, K>(cache);
  std::vector<std::vector<Operation>> plans;
  for (unsigned t = 0; t < threads; ++t) plans.push_back(draw_operations(t + 1, get_percent));
  std::uint64_t found = 0;
  for (auto _ : state) {
    std::vector<std::thread> workers;
    std::vector<std::uint64_t> hits(threads, 0);
    const auto start = std::chrono::steady_clock::now();
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::uint64_t local = 0;
        // Locals, so the caches' stores (a lock's byte aliases anything) cannot force reloads.
        const Operation* const plan = plans[t].data();
        const K* const key_table = all.data();
        for (std::size_t i = 0; i < kOpsPerThread; ++i) {
          const K& key = key_at(key_table, plan[i].key_index);
          if (plan[i].is_get) {
            if (cache.get(key).has_value()) ++local;
          } else {
            cache.put(key, i);
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
void register_cache(const std::string& key_name, bool thread_safe = true) {
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
  auto* mixed = benchmark::RegisterBenchmark(("get90_put10" + suffix).c_str(), bench_mixed<C, K>)
                    ->ArgNames({"threads", "get_pct"})
                    ->Args({1, 90})
                    ->UseManualTime()
                    ->Unit(benchmark::kMillisecond)
                    ->Iterations(2);
  if (thread_safe) mixed->Args({2, 90});
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
  register_cache<UnlockedUnorderedMap, std::uint64_t>("u64", false);
  register_cache<UnlockedOpenAddressing, std::uint64_t>("u64", false);
  register_cache<Sharded, std::string>("string");
  register_cache<ShardedWithTtl, std::string>("string");
  register_cache<MutexLru, std::string>("string");
  register_cache<UnlockedUnorderedMap, std::string>("string", false);
  register_cache<UnlockedOpenAddressing, std::string>("string", false);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
