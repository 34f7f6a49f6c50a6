#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "alphaforge/sharded_cache.hpp"

namespace alphaforge::bindings {

using StrFloatCache = ShardedCache<std::string, double>;
using IntFloatCache = ShardedCache<std::int64_t, double>;

// alphaforge.cache.FloatCache: str or int64 keys to float64. The C++ cache inside is shared, so
// a C++ component handed a FloatCache (py::cast<FloatCache&>) keeps its own reference and reads
// and writes it from its threads without the GIL, while Python sees the same entries.
class FloatCache {
 public:
  FloatCache(pybind11::handle max_size, pybind11::handle ttl_seconds, pybind11::handle shards,
             pybind11::handle key_type, pybind11::handle clock);

  // Null when the cache holds the other key type.
  [[nodiscard]] std::shared_ptr<StrFloatCache> str_cache() const noexcept;
  [[nodiscard]] std::shared_ptr<IntFloatCache> int_cache() const noexcept;

  void put(pybind11::handle key, pybind11::handle value, pybind11::handle ttl_seconds);
  pybind11::object get(pybind11::handle key, pybind11::handle default_value);
  bool contains(pybind11::handle key) const;
  bool remove(pybind11::handle key);
  void put_many(pybind11::handle keys, pybind11::handle values, pybind11::handle ttl_seconds);
  pybind11::object get_many(pybind11::handle keys, bool with_mask);
  std::size_t purge_expired();
  void clear();
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] CacheStatistics statistics() const;
  [[nodiscard]] std::size_t max_size() const;
  [[nodiscard]] std::size_t shard_count() const;
  [[nodiscard]] pybind11::object ttl_seconds() const;
  [[nodiscard]] pybind11::object key_type() const;

 private:
  std::variant<std::shared_ptr<StrFloatCache>, std::shared_ptr<IntFloatCache>> cache_;
};

}  // namespace alphaforge::bindings
