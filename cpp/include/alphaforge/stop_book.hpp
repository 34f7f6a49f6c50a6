#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alphaforge/order_types.hpp"

namespace alphaforge {

// Pending stop triggers. A buy stop fires when a trade prints at or above its stop price, a
// sell stop at or below; those that fire together come out nearest-trigger first, then in
// the order they were placed.
class StopBook {
 public:
  // Throws std::invalid_argument when `id` is already pending.
  void add(std::uint64_t id, OrderSide side, Ticks stop_price);
  bool remove(std::uint64_t id);
  bool contains(std::uint64_t id) const { return index_.count(id) != 0; }
  std::size_t size() const noexcept { return index_.size(); }

  // Removes every stop that trades between `low` and `high` fire and appends their ids to out.
  void collect_triggered(Ticks low, Ticks high, std::vector<std::uint64_t>& out);

 private:
  // Keyed (trigger distance, sequence): buys by stop price, sells by negated stop price, so
  // both fire from the front of their map.
  using Key = std::pair<Ticks, std::uint64_t>;
  struct Entry {
    OrderSide side;
    Key key;
  };

  std::map<Key, std::uint64_t> buys_;
  std::map<Key, std::uint64_t> sells_;
  std::unordered_map<std::uint64_t, Entry> index_;
  std::uint64_t sequence_ = 0;
};

}  // namespace alphaforge
