#pragma once

// The textbook order book the benchmark measures ours against: std::map of price levels, a
// std::list per level, std::unordered_map from id to list position. Same price-time rules,
// same fills; every add and every new level allocates.

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <unordered_map>
#include <vector>

#include "alphaforge/order_book.hpp"

namespace alphaforge::bench {

class MapOrderBook {
 public:
  static constexpr const char* kName = "std::map + std::list";

  AddOutcome add_limit(std::uint64_t id, OrderSide side, Ticks price, Lots qty, TimeInForce,
                       std::vector<BookFill>& fills) {
    Lots remaining = qty;
    if (side == OrderSide::kBuy) {
      remaining = match(asks_, id, side, qty, fills, [price](Ticks p) { return p <= price; });
    } else {
      remaining = match(bids_, id, side, qty, fills, [price](Ticks p) { return p >= price; });
    }
    if (remaining == 0) return {BookResult::kFilled, qty, 0};
    auto& level = side == OrderSide::kBuy ? bids_[price] : asks_[price];
    level.push_back(Resting{id, remaining});
    index_.emplace(id, Where{side, price, std::prev(level.end())});
    return {BookResult::kRested, qty - remaining, remaining};
  }

  bool cancel(std::uint64_t id) {
    const auto it = index_.find(id);
    if (it == index_.end()) return false;
    const Where& where = it->second;
    if (where.side == OrderSide::kBuy) {
      erase(bids_, where);
    } else {
      erase(asks_, where);
    }
    index_.erase(it);
    return true;
  }

 private:
  struct Resting {
    std::uint64_t id;
    Lots qty;
  };
  using Level = std::list<Resting>;
  struct Where {
    OrderSide side;
    Ticks price;
    Level::iterator position;
  };

  template <typename Levels>
  void erase(Levels& levels, const Where& where) {
    const auto level = levels.find(where.price);
    level->second.erase(where.position);
    if (level->second.empty()) levels.erase(level);
  }

  template <typename Levels, typename Crosses>
  Lots match(Levels& levels, std::uint64_t taker, OrderSide side, Lots qty,
             std::vector<BookFill>& fills, Crosses crosses) {
    while (qty > 0 && !levels.empty() && crosses(levels.begin()->first)) {
      auto& [price, level] = *levels.begin();
      while (qty > 0 && !level.empty()) {
        Resting& maker = level.front();
        const Lots traded = qty < maker.qty ? qty : maker.qty;
        fills.push_back({maker.id, taker, price, traded, side});
        maker.qty -= traded;
        qty -= traded;
        if (maker.qty == 0) {
          index_.erase(maker.id);
          level.pop_front();
        }
      }
      if (level.empty()) levels.erase(levels.begin());
    }
    return qty;
  }

  std::map<Ticks, Level, std::greater<>> bids_;
  std::map<Ticks, Level> asks_;
  std::unordered_map<std::uint64_t, Where> index_;
};

}  // namespace alphaforge::bench
