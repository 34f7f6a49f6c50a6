#include "alphaforge/order_book.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace alphaforge {
namespace {

void require_positive(std::int64_t value, const char* field) {
  if (value <= 0) {
    throw std::invalid_argument(std::string(field) + " must be > 0, got " + std::to_string(value));
  }
}

// Clears a flag however the scope is left, so a failed call cannot wedge the stop cascade.
class FlagGuard {
 public:
  explicit FlagGuard(bool& flag) noexcept : flag_(flag) { flag_ = true; }
  ~FlagGuard() { flag_ = false; }
  FlagGuard(const FlagGuard&) = delete;
  FlagGuard& operator=(const FlagGuard&) = delete;

 private:
  bool& flag_;
};

}  // namespace

OrderBook::OrderBook(std::size_t expected_orders) : index_(expected_orders) {
  nodes_.reserve(expected_orders);
  free_nodes_.reserve(expected_orders);
  levels_.reserve(256);
  free_levels_.reserve(256);
  sides_[0].reserve(256);
  sides_[1].reserve(256);
}

void OrderBook::check_new_id(std::uint64_t id) const {
  if (contains(id) || (stops_.size() != 0 && stops_.contains(id))) {
    throw std::invalid_argument("order_id " + std::to_string(id) + " is already in the book");
  }
}

AddOutcome OrderBook::add_limit(std::uint64_t id, OrderSide side, Ticks price, Lots qty,
                                TimeInForce tif, std::vector<BookFill>& fills, SelfTrade self) {
  require_positive(price, "price");
  require_positive(qty, "qty");
  check_new_id(id);
  triggered_.clear();
  expired_makers_.clear();
  return place(id, side, price, qty, tif, true, fills, self);
}

AddOutcome OrderBook::add_market(std::uint64_t id, OrderSide side, Lots qty,
                                 std::vector<BookFill>& fills, TimeInForce tif, SelfTrade self) {
  require_positive(qty, "qty");
  if (tif == TimeInForce::kPostOnly) {
    throw std::invalid_argument("a market order cannot be post-only: it always takes liquidity");
  }
  check_new_id(id);
  triggered_.clear();
  expired_makers_.clear();
  return place(id, side, no_limit(side), qty, tif == TimeInForce::kFok ? tif : TimeInForce::kIoc,
               false, fills, self);
}

AddOutcome OrderBook::add_stop(std::uint64_t id, OrderSide side, Ticks stop_price, Lots qty,
                               Ticks limit_price, TimeInForce tif, std::vector<BookFill>& fills,
                               SelfTrade self) {
  require_positive(stop_price, "stop_price");
  require_positive(qty, "qty");
  if (limit_price < 0) require_positive(limit_price, "limit_price");
  if (limit_price == 0 && tif == TimeInForce::kPostOnly) {
    throw std::invalid_argument("a stop-market order cannot be post-only");
  }
  check_new_id(id);
  triggered_.clear();
  expired_makers_.clear();
  stops_.add(id, side, stop_price);
  stop_orders_.emplace(id, PendingStop{side, qty, limit_price, tif, self});
  if (last_trade_) fire_stops(fills.size(), fills, *last_trade_, *last_trade_);
  for (const StopOutcome& fired : triggered_) {
    if (fired.order_id == id) return fired.outcome;
  }
  return {BookResult::kStopPending, 0, 0};
}

AddOutcome OrderBook::place(std::uint64_t id, OrderSide side, Ticks limit, Lots qty,
                            TimeInForce tif, bool may_rest, std::vector<BookFill>& fills,
                            SelfTrade self) {
  const auto& opposite_side = sides_[index_of(opposite(side))];
  if (tif == TimeInForce::kPostOnly && !opposite_side.empty() &&
      crosses(side, limit, levels_[opposite_side.back().level].price)) {
    return {BookResult::kWouldCross, 0, 0};
  }
  if (tif == TimeInForce::kFok && available(side, limit, qty, self) < qty) {
    return {BookResult::kKilled, 0, 0};
  }
  const std::size_t first_fill = fills.size();
  bool stopped = false;
  const Lots filled = match(id, side, limit, qty, fills, self, stopped);
  AddOutcome outcome{BookResult::kFilled, filled, 0};
  if (stopped) {
    outcome.result = BookResult::kSelfTrade;
  } else if (filled < qty) {
    if (may_rest && (tif == TimeInForce::kGtc || tif == TimeInForce::kGtd ||
                     tif == TimeInForce::kPostOnly)) {
      rest(id, side, limit, qty - filled, tif == TimeInForce::kPostOnly, self);
      outcome = {BookResult::kRested, filled, qty - filled};
    } else {
      outcome.result = BookResult::kCanceled;
    }
  }
  if (fills.size() > first_fill) {
    fire_stops(first_fill, fills, std::numeric_limits<Ticks>::max(),
               std::numeric_limits<Ticks>::min());
  }
  return outcome;
}

Lots OrderBook::match(std::uint64_t taker_id, OrderSide side, Ticks limit, Lots qty,
                      std::vector<BookFill>& fills, SelfTrade self, bool& stopped) {
  auto& refs = sides_[index_of(opposite(side))];
  const bool prevent = self.owner != 0 && self.mode != SelfTradePrevention::kNone;
  Lots remaining = qty;
  bool traded_here = false;
  while (remaining > 0 && !refs.empty() && !stopped) {
    const std::uint32_t li = refs.back().level;
    Level& level = levels_[li];
    if (!crosses(side, limit, level.price)) break;
    std::uint32_t n = level.head;
    traded_here = false;
    while (n != kNil && remaining > 0) {
      Node& node = nodes_[n];
      Lots traded = std::min(remaining, node.qty);
      if (prevent && node.owner == self.owner) {
        if (self.mode != SelfTradePrevention::kExpireMaker) stopped = true;
        if (self.mode == SelfTradePrevention::kExpireTaker) break;
        expired_makers_.push_back({node.id, node.qty});
        traded = node.qty;  // the maker leaves the queue whole, without a trade
      } else {
        fills.push_back({node.id, taker_id, level.price, traded, side});
        remaining -= traded;
        traded_here = true;
      }
      node.qty -= traded;
      level.total -= traded;
      const std::uint32_t next = node.next;
      if (node.qty == 0) {
        index_.erase(node.id);
        level.head = next;
        if (next != kNil) {
          nodes_[next].prev = kNil;
        } else {
          level.tail = kNil;
        }
        --level.count;
        free_nodes_.push_back(n);
      }
      n = next;
      if (stopped) break;
    }
    if (traded_here) last_trade_ = level.price;
    if (level.count == 0) {
      free_levels_.push_back(li);
      refs.pop_back();
    }
  }
  return qty - remaining;
}

Lots OrderBook::available(OrderSide taker, Ticks limit, Lots wanted,
                          SelfTrade self) const noexcept {
  const auto& refs = sides_[index_of(opposite(taker))];
  const bool prevent = self.owner != 0 && self.mode != SelfTradePrevention::kNone;
  Lots total = 0;
  for (auto it = refs.rbegin(); it != refs.rend() && total < wanted; ++it) {
    const Level& level = levels_[it->level];
    if (!crosses(taker, limit, level.price)) break;
    if (!prevent) {
      total += level.total;
      continue;
    }
    // Orders of the same owner never trade with the taker; the first one ends it unless the
    // makers are the ones that expire.
    for (std::uint32_t n = level.head; n != kNil; n = nodes_[n].next) {
      if (nodes_[n].owner != self.owner) {
        total += nodes_[n].qty;
      } else if (self.mode != SelfTradePrevention::kExpireMaker) {
        return total;
      }
    }
  }
  return total;
}

std::uint32_t OrderBook::new_node() {
  if (!free_nodes_.empty()) {
    const std::uint32_t n = free_nodes_.back();
    free_nodes_.pop_back();
    return n;
  }
  nodes_.emplace_back();
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

std::uint32_t OrderBook::new_level() {
  if (!free_levels_.empty()) {
    const std::uint32_t l = free_levels_.back();
    free_levels_.pop_back();
    return l;
  }
  levels_.emplace_back();
  return static_cast<std::uint32_t>(levels_.size() - 1);
}

std::size_t OrderBook::lower_bound(const std::vector<LevelRef>& refs, Ticks key) noexcept {
  // Branch-free halving (the step is computed, not branched on), so a price that lands on a
  // random level costs no mispredicted branches.
  const LevelRef* first = refs.data();
  std::size_t length = refs.size();
  while (length > 1) {
    const std::size_t half = length / 2;
    first += static_cast<std::size_t>(first[half - 1].key < key) * half;
    length -= half;
  }
  if (length == 1 && first->key < key) ++first;
  return static_cast<std::size_t>(first - refs.data());
}

std::uint32_t OrderBook::level_for(OrderSide side, Ticks price) {
  auto& refs = sides_[index_of(side)];
  const Ticks key = key_of(side, price);
  if (!refs.empty() && refs.back().key == key) return refs.back().level;
  const std::size_t at = lower_bound(refs, key);
  if (at != refs.size() && refs[at].key == key) return refs[at].level;
  const std::uint32_t li = new_level();
  levels_[li] = Level{price, 0, 0, kNil, kNil};
  refs.insert(refs.begin() + static_cast<std::ptrdiff_t>(at), LevelRef{key, li});
  return li;
}

void OrderBook::rest(std::uint64_t id, OrderSide side, Ticks price, Lots qty, bool post_only,
                     SelfTrade self) {
  const std::uint32_t li = level_for(side, price);
  const std::uint32_t n = new_node();
  Level& level = levels_[li];
  const auto flags = static_cast<std::uint8_t>((post_only ? 1U : 0U) |
                                               (static_cast<unsigned>(self.mode) << 1U));
  nodes_[n] = Node{id, qty, level.tail, kNil, li, side, flags, self.owner};
  if (level.tail != kNil) {
    nodes_[level.tail].next = n;
  } else {
    level.head = n;
  }
  level.tail = n;
  level.total += qty;
  ++level.count;
  index_.insert(id, n);
}

void OrderBook::unlink(std::uint32_t n) {
  Node& node = nodes_[n];
  Level& level = levels_[node.level];
  if (node.prev != kNil) {
    nodes_[node.prev].next = node.next;
  } else {
    level.head = node.next;
  }
  if (node.next != kNil) {
    nodes_[node.next].prev = node.prev;
  } else {
    level.tail = node.prev;
  }
  level.total -= node.qty;
  --level.count;
  index_.erase(node.id);
  free_nodes_.push_back(n);
  drop_level_if_empty(node.side, node.level);
}

void OrderBook::drop_level_if_empty(OrderSide side, std::uint32_t li) {
  if (levels_[li].count != 0) return;
  auto& refs = sides_[index_of(side)];
  const Ticks key = key_of(side, levels_[li].price);
  if (refs.back().key == key) {
    refs.pop_back();
  } else {
    refs.erase(refs.begin() + static_cast<std::ptrdiff_t>(lower_bound(refs, key)));
  }
  free_levels_.push_back(li);
}

bool OrderBook::cancel(std::uint64_t id) {
  const std::uint32_t n = index_.find(id);
  if (n == OrderIndex::kMissing) {
    if (!stops_.remove(id)) return false;
    stop_orders_.erase(id);
    return true;
  }
  unlink(n);
  return true;
}

AddOutcome OrderBook::modify(std::uint64_t id, Ticks new_price, Lots new_qty,
                             std::vector<BookFill>& fills) {
  require_positive(new_price, "price");
  require_positive(new_qty, "qty");
  const std::uint32_t n = index_.find(id);
  if (n == OrderIndex::kMissing) {
    throw std::invalid_argument("order_id " + std::to_string(id) + " is not resting in the book");
  }
  Node& node = nodes_[n];
  Level& level = levels_[node.level];
  triggered_.clear();
  expired_makers_.clear();
  if (new_price == level.price && new_qty <= node.qty) {
    level.total -= node.qty - new_qty;
    node.qty = new_qty;
    return {BookResult::kRested, 0, new_qty};
  }
  const OrderSide side = node.side;
  const bool post_only = node.post_only();
  const SelfTrade self{node.owner, node.mode()};
  if (post_only) {
    const auto other = best(opposite(side));
    if (other && crosses(side, new_price, other->price)) {
      throw std::invalid_argument("post-only order " + std::to_string(id) +
                                  " would cross the book at the new price");
    }
  }
  unlink(n);
  return place(id, side, new_price, new_qty, post_only ? TimeInForce::kPostOnly : TimeInForce::kGtc,
               true, fills, self);
}

Lots OrderBook::sweep(OrderSide resting_side, Ticks price, std::uint64_t taker_id,
                      std::vector<BookFill>& fills) {
  require_positive(price, "price");
  triggered_.clear();
  expired_makers_.clear();
  const std::size_t first_fill = fills.size();
  bool stopped = false;
  const Lots traded = match(taker_id, opposite(resting_side), price,
                            std::numeric_limits<Lots>::max(), fills, SelfTrade{}, stopped);
  if (fills.size() > first_fill) {
    fire_stops(first_fill, fills, std::numeric_limits<Ticks>::max(),
               std::numeric_limits<Ticks>::min());
  }
  return traded;
}

void OrderBook::apply_trade(Ticks price, std::vector<BookFill>& fills) {
  require_positive(price, "price");
  triggered_.clear();
  last_trade_ = price;
  fire_stops(fills.size(), fills, price, price);
}

void OrderBook::fire_stops(std::size_t first_fill, std::vector<BookFill>& fills, Ticks low,
                           Ticks high) {
  // Stops fired inside the cascade are handled by the loop that is already running.
  if (firing_ || stops_.size() == 0) return;
  FlagGuard guard(firing_);
  std::size_t scanned = first_fill;
  for (;;) {
    for (; scanned < fills.size(); ++scanned) {
      low = std::min(low, fills[scanned].price);
      high = std::max(high, fills[scanned].price);
    }
    if (low > high) return;
    fired_.clear();
    stops_.collect_triggered(low, high, fired_);
    if (fired_.empty()) return;
    low = std::numeric_limits<Ticks>::max();
    high = std::numeric_limits<Ticks>::min();
    for (const std::uint64_t id : fired_) {
      const auto it = stop_orders_.find(id);
      const PendingStop stop = it->second;
      stop_orders_.erase(it);
      const bool is_limit = stop.limit_price != 0;
      const AddOutcome outcome =
          place(id, stop.side, is_limit ? stop.limit_price : no_limit(stop.side), stop.qty,
                is_limit ? stop.tif : (stop.tif == TimeInForce::kFok ? stop.tif : TimeInForce::kIoc),
                is_limit, fills, stop.self);
      triggered_.push_back({id, outcome});
    }
  }
}

std::optional<LevelView> OrderBook::best(OrderSide side) const noexcept {
  const auto& refs = sides_[index_of(side)];
  if (refs.empty()) return std::nullopt;
  const Level& level = levels_[refs.back().level];
  return LevelView{level.price, level.total, level.count};
}

void OrderBook::depth(std::size_t levels, std::vector<LevelView>& bids,
                      std::vector<LevelView>& asks) const {
  for (std::size_t s = 0; s < 2; ++s) {
    auto& out = s == 0 ? bids : asks;
    const auto& refs = sides_[s];
    for (auto it = refs.rbegin(); it != refs.rend() && out.size() < levels; ++it) {
      const Level& level = levels_[it->level];
      out.push_back({level.price, level.total, level.count});
    }
  }
}

std::optional<RestingOrder> OrderBook::order(std::uint64_t id) const noexcept {
  const std::uint32_t n = index_.find(id);
  if (n == OrderIndex::kMissing) return std::nullopt;
  const Node& node = nodes_[n];
  return RestingOrder{node.id, node.side, levels_[node.level].price, node.qty};
}

}  // namespace alphaforge
