#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "alphaforge/cache_clock.hpp"
#include "alphaforge/huge_page_allocator.hpp"
#include "alphaforge/platform.hpp"
#include "alphaforge/spin_lock.hpp"

namespace alphaforge {

// splitmix64's finalizer: spreads keys such as consecutive integers over every bit, since the
// shard comes from the high half of the hash and the position from the low half.
inline constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

template <typename K>
struct CacheHash {
  std::uint64_t operator()(const K& key) const noexcept {
    return mix64(static_cast<std::uint64_t>(std::hash<K>{}(key)));
  }
};

// Transparent: a std::string_view finds a std::string key without building a string.
template <>
struct CacheHash<std::string> {
  using is_transparent = void;
  std::uint64_t operator()(std::string_view key) const noexcept {
    return mix64(static_cast<std::uint64_t>(std::hash<std::string_view>{}(key)));
  }
};

struct CacheStatistics {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;  // includes lookups that found an expired entry
  std::uint64_t puts = 0;
  std::uint64_t evictions = 0;    // live entries pushed out by a put into a full shard
  std::uint64_t expirations = 0;  // expired entries reclaimed, however they were found
  std::size_t size = 0;
  std::size_t max_size = 0;

  [[nodiscard]] std::uint64_t total_operations() const noexcept { return hits + misses + puts; }
  [[nodiscard]] double hit_ratio() const noexcept {
    const std::uint64_t lookups = hits + misses;
    return lookups == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups);
  }
};

enum class PutOutcome { kInserted, kReplaced };

// What a call took out of the cache. The cache hands entries to a sink under the shard lock and
// the caller destroys them after it is released, so a destructor may call back into the cache.
template <typename K, typename V>
struct RetiredEntry {
  std::optional<std::pair<K, V>> entry;
  std::optional<V> value;

  void retire_entry(K&& key, V&& value_in) { entry.emplace(std::move(key), std::move(value_in)); }
  void retire_value(V&& value_in) { value.emplace(std::move(value_in)); }
};

// Keys and values whose destruction does nothing (numbers) are not kept at all.
template <typename K, typename V>
struct RetiredEntries {
  std::vector<std::pair<K, V>> entries;
  std::vector<V> values;

  void retire_entry([[maybe_unused]] K&& key, [[maybe_unused]] V&& value) {
    if constexpr (!std::is_trivially_destructible_v<K> || !std::is_trivially_destructible_v<V>) {
      entries.emplace_back(std::move(key), std::move(value));
    }
  }
  void retire_value([[maybe_unused]] V&& value) {
    if constexpr (!std::is_trivially_destructible_v<V>) values.push_back(std::move(value));
  }
};

// A thread-safe LRU cache with per-entry TTL, split into a power-of-two number of shards.
//
// Eviction guarantee: max_size is split across the shards (max_size / shards each, the remainder
// one apiece to the first shards), so size() <= max_size always. A put of a new key into a full
// shard evicts that shard's least recently used entry: LRU order is exact within a shard and
// approximate across shards, and with one shard the whole cache is an exact LRU of max_size
// entries. get() refreshes recency; contains() does not.
//
// TTL guarantee: an entry is never returned once its TTL has run out, measured from its put on
// the monotonic clock (given CacheClock's contract: the coarse reading trails by less than the
// slack). The TTL starts at the clock's coarse reading, which trails the put by about a kernel
// tick at most, so an entry can expire that much early, never late. An expired entry is
// reclaimed when a call finds it, when it reaches the LRU tail, or by purge_expired(); until
// then it is still counted by size().
//
// Each shard is an open-addressing table (linear probing, backward-shift deletion, load <= 1/2)
// of entries that hold the key's hash tag, a recency stamp, the expiry, the key and the value in
// one cache line. A key's home position comes from its hash alone, so a call prefetches that
// line before it takes the shard lock, and a lookup costs one memory miss rather than a chain
// of them (index, then node, then list neighbours). Recency is a log of positions (see Shard):
// no allocation per entry.
template <typename K, typename V, typename Hash = CacheHash<K>, typename KeyEqual = std::equal_to<>>
class ShardedCache {
  static_assert(std::is_nothrow_move_constructible_v<K> && std::is_nothrow_move_assignable_v<K>,
                "keys are moved between positions and retire sinks, which must not fail halfway");
  static_assert(std::is_nothrow_move_constructible_v<V> && std::is_nothrow_move_assignable_v<V>,
                "values are moved between positions and retire sinks, which must not fail halfway");
  static_assert(std::is_default_constructible_v<K> && std::is_default_constructible_v<V>,
                "entries are value-initialised when a table grows");

 public:
  using key_type = K;
  using mapped_type = V;
  using Duration = std::chrono::nanoseconds;

  static constexpr std::size_t kMaxAutoShards = 16;
  static constexpr std::size_t kMinEntriesPerAutoShard = 256;
  static constexpr std::size_t kMaxEntriesPerShard = std::size_t{1} << 30;

  // shards = 0 picks a count: the largest power of two <= 16 leaving each shard >= 256 entries,
  // so caches under 512 entries are a single exact LRU.
  explicit ShardedCache(std::size_t max_size, std::size_t shards = 0,
                        std::optional<Duration> default_ttl = std::nullopt, CacheClock clock = {},
                        Hash hash = Hash{}, KeyEqual equal = KeyEqual{})
      : max_size_(max_size),
        shard_count_(checked_shards(max_size, shards)),
        shard_mask_(shard_count_ - 1),
        default_ttl_ns_(default_ttl ? checked_ttl(*default_ttl) : kNoTtl),
        ttl_in_use_(default_ttl_ns_ != kNoTtl),
        clock_(std::move(clock)),
        hash_(std::move(hash)),
        equal_(std::move(equal)),
        shards_(std::make_unique<Shard[]>(shard_count_)) {
    for (std::size_t i = 0; i < shard_count_; ++i) {
      const std::size_t quota = max_size / shard_count_ + (i < max_size % shard_count_ ? 1 : 0);
      if (quota > kMaxEntriesPerShard) {
        throw std::invalid_argument("max_size allows at most " +
                                    std::to_string(kMaxEntriesPerShard) +
                                    " entries per shard, got " + std::to_string(quota));
      }
      shards_[i].quota = static_cast<std::uint32_t>(quota);
      shards_[i].reset();
    }
  }

  ShardedCache(const ShardedCache&) = delete;
  ShardedCache& operator=(const ShardedCache&) = delete;
  ShardedCache(ShardedCache&&) = delete;
  ShardedCache& operator=(ShardedCache&&) = delete;
  ~ShardedCache() = default;

  [[nodiscard]] std::size_t max_size() const noexcept { return max_size_; }
  [[nodiscard]] std::size_t shard_count() const noexcept { return shard_count_; }
  [[nodiscard]] std::optional<Duration> default_ttl() const noexcept {
    if (default_ttl_ns_ == kNoTtl) return std::nullopt;
    return Duration(default_ttl_ns_);
  }
  [[nodiscard]] const CacheClock& clock() const noexcept { return clock_; }

  // Validates a TTL and turns it into the argument the *_retiring calls take.
  [[nodiscard]] std::int64_t ttl_argument(std::optional<Duration> ttl) const {
    return ttl ? checked_ttl(*ttl) : default_ttl_ns_;
  }

  PutOutcome put(K key, V value) {
    RetiredEntry<K, V> retired;
    return put_retiring(std::move(key), std::move(value), default_ttl_ns_, retired);
  }

  PutOutcome put(K key, V value, Duration ttl) {
    const std::int64_t ttl_ns = checked_ttl(ttl);
    RetiredEntry<K, V> retired;
    return put_retiring(std::move(key), std::move(value), ttl_ns, retired);
  }

  template <typename Q>
  [[nodiscard]] std::optional<V> get(const Q& key) {
    std::optional<V> found;
    RetiredEntry<K, V> retired;
    get_retiring(key, [&](const V& value) { found.emplace(value); }, retired);
    return found;
  }

  // True when a live entry is held; neither recency nor statistics change.
  template <typename Q>
  [[nodiscard]] bool contains(const Q& key) const {
    const std::uint64_t hash = hash_(key);
    const Shard& shard = shard_of(hash);
    std::lock_guard guard(shard.lock);
    const std::uint32_t at = shard.find(static_cast<std::uint32_t>(hash), key, equal_);
    if (at == kNil) return false;
    std::int64_t coarse = kUnread;
    return !expired(shard.entries[at].expires_ns, coarse);
  }

  // True when a live entry was removed (an expired one is reclaimed and counted as expired).
  template <typename Q>
  bool erase(const Q& key) {
    RetiredEntry<K, V> retired;
    return erase_retiring(key, retired);
  }

  void clear() {
    for (std::size_t i = 0; i < shard_count_; ++i) {
      RetiredEntries<K, V> retired;
      clear_shard(shards_[i], retired);
    }
  }

  // Reclaims every expired entry now (on the exact clock); returns how many.
  std::size_t purge_expired() {
    std::size_t purged = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
      RetiredEntries<K, V> retired;
      purged += purge_shard(shards_[i], retired);
    }
    return purged;
  }

  [[nodiscard]] std::size_t size() const noexcept {
    std::size_t total = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) {
      total += shards_[i].count.load(std::memory_order_relaxed);
    }
    return total;
  }

  // Summed shard by shard: each shard's counters are consistent, the whole is not one instant.
  [[nodiscard]] CacheStatistics statistics() const {
    CacheStatistics total;
    total.max_size = max_size_;
    for (std::size_t i = 0; i < shard_count_; ++i) {
      const Shard& shard = shards_[i];
      std::lock_guard guard(shard.lock);
      total.hits += shard.hits;
      total.misses += shard.misses;
      total.puts += shard.puts;
      total.evictions += shard.evictions;
      total.expirations += shard.expirations;
      total.size += shard.count.load(std::memory_order_relaxed);
    }
    return total;
  }

  // Batch put of keys[i] -> values[i], each with the default TTL.
  void put_many(const K* keys, const V* values, std::size_t count) {
    RetiredEntries<K, V> retired;
    put_many_retiring(
        count, [&](std::size_t i) -> const K& { return keys[i]; },
        [&](std::size_t i) -> const V& { return values[i]; }, default_ttl_ns_, retired);
  }

  // Batch get: out[i] and found[i] for keys[i] (out[i] untouched on a miss); returns the hits.
  template <typename Q>
  std::size_t get_many(const Q* keys, std::size_t count, V* out, bool* found) {
    std::size_t hits = 0;
    RetiredEntries<K, V> retired;
    get_many_retiring(
        count, [&](std::size_t i) -> const Q& { return keys[i]; },
        [&](std::size_t i, const V& value) {
          out[i] = value;
          found[i] = true;
          ++hits;
        },
        [&](std::size_t i) { found[i] = false; }, retired);
    return hits;
  }

  // The calls below are the building blocks for bindings that must release what leaves the
  // cache only after the shard lock is gone (Python references, for one). ttl_ns comes from
  // ttl_argument(). The sink has retire_entry(K&&, V&&) and retire_value(V&&), and may have
  // retire_key(K&&), which receives the key passed to a put that replaced an equal held key.

  template <typename Retire>
  PutOutcome put_retiring(K key, V value, std::int64_t ttl_ns, Retire& retire) {
    const std::uint64_t hash = hash_(key);
    Shard& shard = shard_of(hash);
    shard.prefetch(static_cast<std::uint32_t>(hash));
    const std::int64_t expires = expiry_for(ttl_ns);
    std::lock_guard guard(shard.lock);
    return put_locked(shard, static_cast<std::uint32_t>(hash), std::move(key), std::move(value),
                      expires, retire);
  }

  // on_hit(const V&) runs under the shard lock: copy the value out, nothing more.
  template <typename Q, typename OnHit, typename Retire>
  bool get_retiring(const Q& key, OnHit&& on_hit, Retire& retire) {
    const std::uint64_t hash = hash_(key);
    Shard& shard = shard_of(hash);
    shard.prefetch(static_cast<std::uint32_t>(hash));
    // Once TTLs are in use the clock is read before the lock, while the prefetches are in
    // flight, rather than after the entry's expiry arrives.
    std::int64_t coarse =
        ttl_in_use_.load(std::memory_order_relaxed) ? clock_.coarse_ns() : kUnread;
    std::lock_guard guard(shard.lock);
    return get_locked(shard, static_cast<std::uint32_t>(hash), key, coarse, on_hit, retire);
  }

  template <typename Q, typename Retire>
  bool erase_retiring(const Q& key, Retire& retire) {
    const std::uint64_t hash = hash_(key);
    Shard& shard = shard_of(hash);
    std::lock_guard guard(shard.lock);
    const std::uint32_t at = shard.find(static_cast<std::uint32_t>(hash), key, equal_);
    if (at == kNil) return false;
    std::int64_t coarse = kUnread;
    const bool live = !expired(shard.entries[at].expires_ns, coarse);
    if (!live) ++shard.expirations;
    shard.remove(at, retire);
    return live;
  }

  template <typename Retire>
  void clear_retiring(Retire& retire) {
    for (std::size_t i = 0; i < shard_count_; ++i) clear_shard(shards_[i], retire);
  }

  template <typename Retire>
  std::size_t purge_expired_retiring(Retire& retire) {
    std::size_t purged = 0;
    for (std::size_t i = 0; i < shard_count_; ++i) purged += purge_shard(shards_[i], retire);
    return purged;
  }

  // Batches go a chunk at a time: keys are grouped by shard so each shard is locked once per
  // chunk, and the lines of keys a few places ahead are prefetched, so the cache misses of
  // neighbouring keys overlap. The result is the same as one call per key in order (keys of one
  // shard keep their order; shards are independent).
  template <typename KeyAt, typename ValueAt, typename Retire>
  void put_many_retiring(std::size_t count, KeyAt&& key_at, ValueAt&& value_at,
                         std::int64_t ttl_ns, Retire& retire) {
    const std::int64_t expires = expiry_for(ttl_ns);
    for_each_chunk(count, key_at, [&](Shard& shard, std::uint32_t hash32, std::size_t i) {
      put_locked(shard, hash32, K(key_at(i)), V(value_at(i)), expires, retire);
    });
  }

  // on_hit(i, const V&) under the shard lock; on_miss(i).
  template <typename KeyAt, typename OnHit, typename OnMiss, typename Retire>
  void get_many_retiring(std::size_t count, KeyAt&& key_at, OnHit&& on_hit, OnMiss&& on_miss,
                         Retire& retire) {
    std::int64_t coarse = kUnread;
    std::size_t chunk = 0;
    for_each_chunk(count, key_at, [&](Shard& shard, std::uint32_t hash32, std::size_t i) {
      if (i / kChunk != chunk) {  // the clock is read at most once per chunk, not per batch
        chunk = i / kChunk;
        coarse = kUnread;
      }
      const bool hit = get_locked(
          shard, hash32, key_at(i), coarse, [&](const V& value) { on_hit(i, value); }, retire);
      if (!hit) on_miss(i);
    });
  }

  // visit(const K&, const V&) for every entry held, expired or not, shard by shard under its
  // lock (for a garbage collector's traversal).
  template <typename Visit>
  void visit(Visit&& visit_entry) const {
    for (std::size_t s = 0; s < shard_count_; ++s) {
      const Shard& shard = shards_[s];
      std::lock_guard guard(shard.lock);
      for (std::size_t i = 0; i < shard.entries.size(); ++i) {
        if (shard.entries[i].tag != kEmptyTag) {
          visit_entry(shard.entries[i].key, shard.entries[i].value);
        }
      }
    }
  }

  // Keys of one shard from most to least recently used, for tests of the exact LRU order.
  [[nodiscard]] std::vector<K> keys_by_recency(std::size_t shard_index) const {
    const Shard& shard = shards_.get()[shard_index];
    std::lock_guard guard(shard.lock);
    std::vector<K> keys;
    for (std::uint64_t seq = shard.log_head; seq != shard.log_tail; --seq) {
      if (shard.live_record(seq - 1)) {
        keys.push_back(shard.entries[shard.log[(seq - 1) & shard.log_mask()]].key);
      }
    }
    return keys;
  }

  template <typename Q>
  [[nodiscard]] std::size_t shard_index_of(const Q& key) const {
    return static_cast<std::size_t>(hash_(key) >> 32) & shard_mask_;
  }

 private:
  static constexpr std::uint32_t kNil = std::numeric_limits<std::uint32_t>::max();
  static constexpr std::uint32_t kEmptyTag = 0;
  static constexpr std::uint32_t kOccupied = 0x8000'0000U;  // positions stay below 2^31
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
  static constexpr std::int64_t kNoTtl = 0;
  static constexpr std::int64_t kUnread = std::numeric_limits<std::int64_t>::min();
  static constexpr std::size_t kInitialPositions = 16;
  // Log records per position, so per entry at least 2 / (max load 1/2) = 4: a compaction scans
  // the whole log and frees all but `count` records, so each access pays log / (log - count)
  // <= 4/3 record checks (each reads an entry's stamp), amortised.
  static constexpr std::size_t kLogPerPosition = 2;
  static constexpr std::size_t kChunk = 1024;
  static constexpr std::size_t kPrefetchDistance = 8;
  static constexpr std::size_t kBatchLookahead = 16;

  struct EntryLayout {
    std::uint32_t tag;
    std::uint32_t seq;
    std::int64_t expires_ns;
    K key;
    V value;
  };
  // Entries of 16, 32 or 64 bytes sit whole in one cache line, so a lookup costs one line.
  static constexpr std::size_t kEntryAlign =
      sizeof(EntryLayout) <= kCacheLineSize
          ? std::max(alignof(EntryLayout), std::bit_ceil(sizeof(EntryLayout)))
          : alignof(EntryLayout);

  // A position of the table. The tag and stamp come first: they are what a probe and a
  // recency check read.
  struct alignas(kEntryAlign) Entry {
    std::uint32_t tag = kEmptyTag;  // kEmptyTag, or the low half of the key's hash | kOccupied
    std::uint32_t seq = 0;  // low half of the sequence number of the latest access record
    std::int64_t expires_ns = kNever;
    K key{};
    V value{};
  };

  using EntryArray = std::vector<Entry, HugePageAllocator<Entry>>;
  using Log = std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>>;

  // Recency is an access log rather than a linked list: every put or hit appends the entry's
  // position to a ring and stamps the entry with that record's sequence number. A record is
  // live while it is its position's latest; the least recently used entry is at the position
  // of the oldest live record. A hit thus writes to its own line and the hot end of the ring,
  // where a list would also write to two random neighbours (two more cache misses). When an
  // entry moves (deletion shifts its neighbours back, growth rehashes), its one live record is
  // found from its stamp (sequence number mod ring size) and repointed. Stale records are
  // skipped at the tail and squeezed out when the ring fills. A stamp keeps 32 bits of the
  // sequence number: the live window is at most the ring's size (<= 2^32), so it is exact.
  struct alignas(kCacheLineSize) Shard {
    mutable SpinLock lock;
    std::uint32_t quota = 0;
    std::uint32_t mask = 0;
    std::atomic<std::size_t> count{0};
    // The table and mask, readable without the lock so a call can prefetch its line while it
    // waits for the lock; a stale pair only prefetches the wrong line.
    std::atomic<const Entry*> entry_hint{nullptr};
    std::atomic<std::uint32_t> mask_hint{0};
    std::uint64_t log_head = 0;  // sequence number of the next record
    std::uint64_t log_tail = 0;  // oldest record that may be live
    EntryArray entries;
    Log log;
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t puts = 0;
    std::uint64_t evictions = 0;
    std::uint64_t expirations = 0;

    [[nodiscard]] std::size_t held() const noexcept {
      return count.load(std::memory_order_relaxed);
    }

    void publish_hint() noexcept {
      mask_hint.store(mask, std::memory_order_relaxed);
      entry_hint.store(entries.data(), std::memory_order_relaxed);
    }

    // The line of a hash's home position. Gets write there too (the recency stamp).
    void prefetch(std::uint32_t hash32) const noexcept {
      const std::uint32_t home = hash32 & mask_hint.load(std::memory_order_relaxed);
      __builtin_prefetch(entry_hint.load(std::memory_order_relaxed) + home, 1);
    }

    void reset() {
      EntryArray fresh_entries(kInitialPositions);
      Log fresh_log(kInitialPositions * kLogPerPosition, 0);
      entries.swap(fresh_entries);
      log.swap(fresh_log);
      mask = static_cast<std::uint32_t>(kInitialPositions - 1);
      publish_hint();
      log_head = log_tail = 0;
      count.store(0, std::memory_order_relaxed);
    }

    template <typename Q>
    [[nodiscard]] std::uint32_t find(std::uint32_t hash32, const Q& key,
                                     const KeyEqual& equal) const {
      const std::uint32_t wanted = hash32 | kOccupied;
      for (std::uint32_t at = hash32 & mask;; at = (at + 1) & mask) {
        const std::uint32_t tag = entries[at].tag;
        if (tag == kEmptyTag) return kNil;
        if (tag == wanted && equal(entries[at].key, key)) return at;
      }
    }

    [[nodiscard]] std::uint32_t free_position(std::uint32_t hash32) const noexcept {
      std::uint32_t at = hash32 & mask;
      while (entries[at].tag != kEmptyTag) at = (at + 1) & mask;
      return at;
    }

    [[nodiscard]] std::size_t log_mask() const noexcept { return log.size() - 1; }

    [[nodiscard]] bool live_record(std::uint64_t seq) const noexcept {
      const Entry& entry = entries[log[seq & log_mask()]];
      return entry.tag != kEmptyTag && entry.seq == static_cast<std::uint32_t>(seq);
    }

    // Rewrites the live records, oldest first, into `into` (the log itself or a larger one).
    void compact_into(Log& into) noexcept {
      const std::size_t from_mask = log_mask();
      const std::size_t to_mask = into.size() - 1;
      std::uint64_t write = log_tail;
      for (std::uint64_t seq = log_tail; seq != log_head; ++seq) {
        if (seq + kPrefetchDistance < log_head) {
          __builtin_prefetch(&entries[log[(seq + kPrefetchDistance) & from_mask]]);
        }
        const std::uint32_t at = log[seq & from_mask];
        Entry& entry = entries[at];
        if (entry.tag == kEmptyTag || entry.seq != static_cast<std::uint32_t>(seq)) continue;
        into[write & to_mask] = at;
        entry.seq = static_cast<std::uint32_t>(write++);
      }
      log_head = write;
    }

    void make_room_in_log() noexcept {
      if (log_head - log_tail == log.size()) compact_into(log);
    }

    void record(std::uint32_t at) noexcept {
      make_room_in_log();
      log[log_head & log_mask()] = at;
      entries[at].seq = static_cast<std::uint32_t>(log_head++);
    }

    void touch(std::uint32_t at) noexcept {
      if (static_cast<std::uint32_t>(entries[at].seq + 1) != static_cast<std::uint32_t>(log_head)) {
        record(at);
      }
    }

    [[nodiscard]] std::uint32_t least_recent() noexcept {
      while (!live_record(log_tail)) {
        if (log_tail + kPrefetchDistance < log_head) {
          __builtin_prefetch(&entries[log[(log_tail + kPrefetchDistance) & log_mask()]]);
        }
        ++log_tail;
      }
      return log[log_tail & log_mask()];
    }

    // Moves the entry at `from` to the free position `to`, repointing its live record.
    void move_entry(std::uint32_t from, std::uint32_t to) noexcept {
      entries[to] = std::move(entries[from]);
      log[entries[to].seq & log_mask()] = to;
    }

    // Backward-shift deletion keeps probe runs unbroken without tombstones.
    template <typename Retire>
    void remove(std::uint32_t at, Retire& retire) {
      retire.retire_entry(std::move(entries[at].key), std::move(entries[at].value));
      std::uint32_t hole = at;
      for (std::uint32_t j = (at + 1) & mask;; j = (j + 1) & mask) {
        const std::uint32_t tag = entries[j].tag;
        if (tag == kEmptyTag) break;
        const std::uint32_t home = tag & mask;
        const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
          move_entry(j, hole);
          hole = j;
        }
      }
      entries[hole].tag = kEmptyTag;
      count.store(held() - 1, std::memory_order_relaxed);
    }

    // Doubles the table (and the log with it); throws (bad_alloc) before anything changes.
    void grow() {
      const std::size_t positions = entries.size() * 2;
      EntryArray larger_entries(positions);
      Log larger_log(positions * kLogPerPosition, 0);
      compact_into(larger_log);
      log.swap(larger_log);
      const auto larger_mask = static_cast<std::uint32_t>(positions - 1);
      for (Entry& entry : entries) {
        if (entry.tag == kEmptyTag) continue;
        std::uint32_t to = entry.tag & larger_mask;
        while (larger_entries[to].tag != kEmptyTag) to = (to + 1) & larger_mask;
        log[entry.seq & log_mask()] = to;
        larger_entries[to] = std::move(entry);
      }
      entries.swap(larger_entries);
      mask = larger_mask;
      publish_hint();
    }

    // Room for one more entry at load <= 1/2; throws (bad_alloc) before anything changes.
    void reserve_one() {
      if ((held() + 1) * 2 > entries.size()) grow();
    }

    void insert(std::uint32_t hash32, K&& key, V&& value, std::int64_t expires) noexcept {
      make_room_in_log();  // before the new tag exists, so a compaction cannot misread it
      const std::uint32_t at = free_position(hash32);
      Entry& entry = entries[at];
      entry.tag = hash32 | kOccupied;
      entry.key = std::move(key);
      entry.value = std::move(value);
      entry.expires_ns = expires;
      record(at);
      count.store(held() + 1, std::memory_order_relaxed);
    }
  };

  static std::size_t checked_shards(std::size_t max_size, std::size_t shards) {
    if (max_size == 0) throw std::invalid_argument("max_size must be at least 1, got 0");
    if (shards == 0) {
      const std::size_t fit = std::max<std::size_t>(1, max_size / kMinEntriesPerAutoShard);
      return std::bit_floor(std::min(kMaxAutoShards, fit));
    }
    if (!std::has_single_bit(shards)) {
      throw std::invalid_argument("shards must be a power of two, got " + std::to_string(shards));
    }
    if (shards > max_size) {
      throw std::invalid_argument("shards must not exceed max_size (" + std::to_string(max_size) +
                                  "), got " + std::to_string(shards));
    }
    return shards;
  }

  static std::int64_t checked_ttl(Duration ttl) {
    if (ttl.count() <= 0) {
      throw std::invalid_argument("ttl must be positive, got " + std::to_string(ttl.count()) +
                                  " ns");
    }
    return ttl.count();
  }

  // The TTL runs from the coarse reading, which is never ahead of the put: never late.
  [[nodiscard]] std::int64_t expiry_for(std::int64_t ttl_ns) noexcept {
    if (ttl_ns == kNoTtl) return kNever;
    if (!ttl_in_use_.load(std::memory_order_relaxed)) {
      ttl_in_use_.store(true, std::memory_order_relaxed);
    }
    const std::int64_t now = clock_.coarse_ns();
    return now > 0 && ttl_ns >= kNever - now ? kNever : now + ttl_ns;  // clock may be < 0
  }

  Shard& shard_of(std::uint64_t hash) noexcept {
    return shards_[static_cast<std::size_t>(hash >> 32) & shard_mask_];
  }
  const Shard& shard_of(std::uint64_t hash) const noexcept {
    return shards_[static_cast<std::size_t>(hash >> 32) & shard_mask_];
  }

  // Exact: the coarse reading settles it unless the expiry is within the clock's slack of it
  // (coarse <= now < coarse + slack); then the exact clock decides. `coarse` caches the coarse
  // reading for a call or a batch chunk (kUnread until an entry with a TTL needs it); a reading
  // taken microseconds earlier only narrows the slack by that much.
  [[nodiscard]] bool expired(std::int64_t expires, std::int64_t& coarse) const noexcept {
    if (expires == kNever) return false;
    if (coarse == kUnread) coarse = clock_.coarse_ns();
    if (coarse >= expires) return true;
    if (expires - coarse > clock_.coarse_slack_ns()) return false;
    return clock_.now_ns() >= expires;
  }

  template <typename Retire>
  PutOutcome put_locked(Shard& shard, std::uint32_t hash32, K&& key, V&& value,
                        std::int64_t expires, Retire& retire) {
    const std::uint32_t at = shard.find(hash32, key, equal_);
    if (at != kNil) {
      Entry& entry = shard.entries[at];
      if constexpr (requires { retire.retire_key(std::move(key)); }) {
        retire.retire_key(std::move(key));  // the held key stays; the sink may want the new one
      }
      retire.retire_value(std::move(entry.value));
      entry.value = std::move(value);
      entry.expires_ns = expires;
      shard.touch(at);
      ++shard.puts;
      return PutOutcome::kReplaced;
    }
    if (shard.held() == shard.quota) {
      std::int64_t coarse = kUnread;
      const std::uint32_t victim = shard.least_recent();
      ++(expired(shard.entries[victim].expires_ns, coarse) ? shard.expirations : shard.evictions);
      shard.remove(victim, retire);
    }
    shard.reserve_one();
    shard.insert(hash32, std::move(key), std::move(value), expires);
    ++shard.puts;
    return PutOutcome::kInserted;
  }

  template <typename Q, typename OnHit, typename Retire>
  bool get_locked(Shard& shard, std::uint32_t hash32, const Q& key, std::int64_t& coarse,
                  OnHit&& on_hit, Retire& retire) {
    const std::uint32_t at = shard.find(hash32, key, equal_);
    if (at == kNil) {
      ++shard.misses;
      return false;
    }
    if (expired(shard.entries[at].expires_ns, coarse)) {
      ++shard.expirations;
      ++shard.misses;
      shard.remove(at, retire);
      return false;
    }
    ++shard.hits;
    shard.touch(at);
    on_hit(std::as_const(shard.entries[at].value));
    return true;
  }

  template <typename Retire>
  void clear_shard(Shard& shard, Retire& retire) {
    std::lock_guard guard(shard.lock);
    for (std::size_t i = 0; i < shard.entries.size(); ++i) {
      if (shard.entries[i].tag != kEmptyTag) {
        retire.retire_entry(std::move(shard.entries[i].key), std::move(shard.entries[i].value));
      }
    }
    shard.reset();
  }

  // A removal may shift a later entry back into the position just checked, so the scan stays
  // there after one; entries only move backwards, into positions still to be checked.
  template <typename Retire>
  std::size_t purge_shard(Shard& shard, Retire& retire) {
    std::lock_guard guard(shard.lock);
    const std::int64_t now = clock_.now_ns();
    std::size_t purged = 0;
    for (std::size_t i = 0; i < shard.entries.size();) {
      if (shard.entries[i].tag != kEmptyTag && shard.entries[i].expires_ns <= now) {
        shard.remove(static_cast<std::uint32_t>(i), retire);
        ++shard.expirations;
        ++purged;
      } else {
        ++i;
      }
    }
    return purged;
  }

  template <typename KeyAt, typename Apply>
  void for_each_chunk(std::size_t count, KeyAt& key_at, Apply&& apply) {
    std::array<std::uint64_t, kChunk> hashes;
    std::array<std::uint32_t, kChunk> order;
    std::vector<std::uint32_t> starts(shard_count_ + 1);
    std::vector<std::uint32_t> cursor(shard_count_);
    for (std::size_t base = 0; base < count; base += kChunk) {
      const std::size_t n = std::min(kChunk, count - base);
      for (std::size_t j = 0; j < n; ++j) hashes[j] = hash_(key_at(base + j));
      group_by_shard(hashes.data(), n, order.data(), starts, cursor);
      for (std::size_t k = 0; k < std::min(kBatchLookahead, n); ++k) {
        const std::uint64_t ahead = hashes[order[k]];
        shard_of(ahead).prefetch(static_cast<std::uint32_t>(ahead));
      }
      for (std::size_t s = 0; s < shard_count_; ++s) {
        const std::uint32_t first = starts[s];
        const std::uint32_t last = starts[s + 1];
        if (first == last) continue;
        Shard& shard = shards_[s];
        std::lock_guard guard(shard.lock);
        for (std::uint32_t k = first; k < last; ++k) {
          if (k + kBatchLookahead < n) {
            // Possibly another shard's lines: through its lock-free hint.
            const std::uint64_t ahead = hashes[order[k + kBatchLookahead]];
            shard_of(ahead).prefetch(static_cast<std::uint32_t>(ahead));
          }
          const std::size_t j = order[k];
          apply(shard, static_cast<std::uint32_t>(hashes[j]), base + j);
        }
      }
    }
  }

  // Stable counting sort of a chunk's positions by shard; starts[s]..starts[s+1] is shard s.
  void group_by_shard(const std::uint64_t* hashes, std::size_t n, std::uint32_t* order,
                      std::vector<std::uint32_t>& starts,
                      std::vector<std::uint32_t>& cursor) const {
    std::fill(starts.begin(), starts.end(), 0U);
    for (std::size_t j = 0; j < n; ++j) {
      ++starts[(static_cast<std::size_t>(hashes[j] >> 32) & shard_mask_) + 1];
    }
    for (std::size_t s = 0; s < shard_count_; ++s) starts[s + 1] += starts[s];
    std::copy(starts.begin(), starts.end() - 1, cursor.begin());
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t s = static_cast<std::size_t>(hashes[j] >> 32) & shard_mask_;
      order[cursor[s]++] = static_cast<std::uint32_t>(j);
    }
  }

  std::size_t max_size_;
  std::size_t shard_count_;
  std::size_t shard_mask_;
  std::int64_t default_ttl_ns_;
  std::atomic<bool> ttl_in_use_;  // some entry was given a TTL: gets will need the clock
  CacheClock clock_;
  Hash hash_;
  KeyEqual equal_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace alphaforge
