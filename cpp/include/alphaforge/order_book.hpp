#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <unordered_map>
#include <vector>

#include "alphaforge/order_index.hpp"
#include "alphaforge/order_types.hpp"
#include "alphaforge/stop_book.hpp"

namespace alphaforge {

// One match: the resting (maker) order traded `qty` lots with the incoming (taker) order at
// the maker's price.
struct BookFill {
  std::uint64_t maker_order_id;
  std::uint64_t taker_order_id;
  Ticks price;
  Lots qty;
  OrderSide taker_side;
};

// Who places an order, for self-trade prevention: orders of the same non-zero owner never
// trade with each other; `mode` says which of the two expires when they would.
struct SelfTrade {
  std::uint16_t owner = 0;
  SelfTradePrevention mode = SelfTradePrevention::kNone;
};

// A resting order removed by self-trade prevention (EXPIRE_MAKER or EXPIRE_BOTH).
struct ExpiredMaker {
  std::uint64_t order_id;
  Lots qty;
};

enum class BookResult : std::uint8_t {
  kRested,      // the remainder (possibly all of it) rests in the book
  kFilled,      // filled completely on arrival
  kCanceled,    // IOC or market: the part that found no liquidity was dropped
  kWouldCross,  // post-only that would have taken liquidity: refused, nothing happened
  kKilled,      // fill-or-kill that could not fill completely: refused, nothing happened
  kStopPending, // a stop waiting for its trigger
  kSelfTrade,   // the rest expired rather than trade with an order of the same owner
};

struct AddOutcome {
  BookResult result;
  Lots filled;  // lots traded on arrival
  Lots rested;  // lots left resting in the book
};

struct LevelView {
  Ticks price;
  Lots qty;
  std::uint32_t orders;
};

struct RestingOrder {
  std::uint64_t id;
  OrderSide side;
  Ticks price;
  Lots qty;
};

// What became of a stop order when a trade fired it.
struct StopOutcome {
  std::uint64_t order_id;
  AddOutcome outcome;
};

// A limit order book for one instrument: price-time priority on integer ticks, orders in
// pooled nodes linked per price level (no allocation per order once the pools are warm),
// O(1) lookup by id, price levels in a vector sorted so the best price is at the back.
class OrderBook {
 public:
  explicit OrderBook(std::size_t expected_orders = 1024);

  // Each appends its trades to `fills`. An id already resting or pending raises
  // std::invalid_argument; so do a non-positive quantity or price. A failed call changes nothing.
  // With an owner, the order never trades with a resting order of the same owner: by `self`'s
  // mode the incoming order's rest expires, or the resting order does (see expired_makers()).
  AddOutcome add_limit(std::uint64_t id, OrderSide side, Ticks price, Lots qty, TimeInForce tif,
                       std::vector<BookFill>& fills, SelfTrade self = {});
  // Takes whatever the book offers; the unfilled rest is dropped (FOK: nothing unless all).
  AddOutcome add_market(std::uint64_t id, OrderSide side, Lots qty, std::vector<BookFill>& fills,
                        TimeInForce tif = TimeInForce::kIoc, SelfTrade self = {});
  // A stop (limit_price == 0: stop-market) that enters the book when a trade reaches stop_price.
  AddOutcome add_stop(std::uint64_t id, OrderSide side, Ticks stop_price, Lots qty,
                      Ticks limit_price, TimeInForce tif, std::vector<BookFill>& fills,
                      SelfTrade self = {});

  // Removes a resting or pending order; false when the id is neither.
  bool cancel(std::uint64_t id);
  // Same price and a smaller size keeps the order's place in the queue; a new price or a
  // larger size sends it to the back of its new level, and it may trade on the way.
  // std::invalid_argument for an unknown id, a non-positive size or price, or a post-only
  // order that the new price would make cross (the order is then left as it was).
  AddOutcome modify(std::uint64_t id, Ticks new_price, Lots new_qty, std::vector<BookFill>& fills);

  // Lets a taker with unlimited size trade every order of `resting_side` priced at or through
  // `price` (a trade printed elsewhere at that price); returns the lots traded.
  Lots sweep(OrderSide resting_side, Ticks price, std::uint64_t taker_id,
             std::vector<BookFill>& fills);
  // Fires the stops a trade at `price` printed elsewhere reaches.
  void apply_trade(Ticks price, std::vector<BookFill>& fills);

  std::optional<LevelView> best_bid() const noexcept { return best(OrderSide::kBuy); }
  std::optional<LevelView> best_ask() const noexcept { return best(OrderSide::kSell); }
  std::optional<LevelView> best(OrderSide side) const noexcept;
  // Up to `levels` levels per side, best first.
  void depth(std::size_t levels, std::vector<LevelView>& bids, std::vector<LevelView>& asks) const;
  // Every resting order of `side` in priority order (L3).
  template <typename Visit>
  void for_each_order(OrderSide side, Visit&& visit) const;

  bool contains(std::uint64_t id) const noexcept { return index_.find(id) != OrderIndex::kMissing; }
  bool has_stop(std::uint64_t id) const { return stops_.contains(id); }
  std::optional<RestingOrder> order(std::uint64_t id) const noexcept;
  std::size_t order_count() const noexcept { return index_.size(); }
  std::size_t stop_count() const noexcept { return stops_.size(); }
  std::size_t level_count(OrderSide side) const noexcept { return sides_[index_of(side)].size(); }
  std::optional<Ticks> last_trade_price() const noexcept { return last_trade_; }
  // Stops fired by the last call, with what became of each.
  const std::vector<StopOutcome>& triggered() const noexcept { return triggered_; }
  // Resting orders the last call removed by self-trade prevention.
  const std::vector<ExpiredMaker>& expired_makers() const noexcept { return expired_makers_; }

 private:
  static constexpr std::uint32_t kNil = UINT32_MAX;

  struct Node {
    std::uint64_t id;
    Lots qty;
    std::uint32_t prev;
    std::uint32_t next;
    std::uint32_t level;
    OrderSide side;
    // Bit 0: post-only; bits 1-2: the SelfTradePrevention mode the order was placed with.
    // Packed with the owner into what was padding, so a node stays 32 bytes.
    std::uint8_t flags;
    std::uint16_t owner;

    bool post_only() const noexcept { return (flags & 1U) != 0; }
    SelfTradePrevention mode() const noexcept {
      return static_cast<SelfTradePrevention>((flags >> 1U) & 3U);
    }
  };
  static_assert(sizeof(Node) == 32, "a node must fit half a cache line");
  struct Level {
    Ticks price;
    Lots total;
    std::uint32_t count;
    std::uint32_t head;
    std::uint32_t tail;
  };
  // Sort key: the price for bids, its negation for asks, so the best level is the largest.
  struct LevelRef {
    Ticks key;
    std::uint32_t level;
  };
  struct PendingStop {
    OrderSide side;
    Lots qty;
    Ticks limit_price;
    TimeInForce tif;
    SelfTrade self;
  };

  static std::size_t index_of(OrderSide side) noexcept { return static_cast<std::size_t>(side); }
  static Ticks key_of(OrderSide side, Ticks price) noexcept {
    return side == OrderSide::kBuy ? price : -price;
  }
  static bool crosses(OrderSide taker, Ticks limit, Ticks resting_price) noexcept {
    return taker == OrderSide::kBuy ? resting_price <= limit : resting_price >= limit;
  }
  static Ticks no_limit(OrderSide taker) noexcept {
    return taker == OrderSide::kBuy ? std::numeric_limits<Ticks>::max() : 0;
  }

  void check_new_id(std::uint64_t id) const;
  AddOutcome place(std::uint64_t id, OrderSide side, Ticks limit, Lots qty, TimeInForce tif,
                   bool may_rest, std::vector<BookFill>& fills, SelfTrade self);
  // Trades the taker against the opposite side; `stopped` is set when self-trade prevention
  // ended the taker before its limit or size did.
  Lots match(std::uint64_t taker_id, OrderSide side, Ticks limit, Lots qty,
             std::vector<BookFill>& fills, SelfTrade self, bool& stopped);
  Lots available(OrderSide taker, Ticks limit, Lots wanted, SelfTrade self) const noexcept;
  void rest(std::uint64_t id, OrderSide side, Ticks price, Lots qty, bool post_only,
            SelfTrade self);
  // First position in `refs` whose key is not below `key`.
  static std::size_t lower_bound(const std::vector<LevelRef>& refs, Ticks key) noexcept;
  std::uint32_t level_for(OrderSide side, Ticks price);
  void unlink(std::uint32_t node);
  void drop_level_if_empty(OrderSide side, std::uint32_t level);
  void fire_stops(std::size_t first_fill, std::vector<BookFill>& fills, Ticks low, Ticks high);
  std::uint32_t new_node();
  std::uint32_t new_level();

  std::vector<Node> nodes_;
  std::vector<std::uint32_t> free_nodes_;
  std::vector<Level> levels_;
  std::vector<std::uint32_t> free_levels_;
  std::vector<LevelRef> sides_[2];
  OrderIndex index_;
  StopBook stops_;
  std::unordered_map<std::uint64_t, PendingStop> stop_orders_;
  std::vector<std::uint64_t> fired_;
  std::vector<StopOutcome> triggered_;
  std::vector<ExpiredMaker> expired_makers_;
  std::optional<Ticks> last_trade_;
  bool firing_ = false;
};

template <typename Visit>
void OrderBook::for_each_order(OrderSide side, Visit&& visit) const {
  const auto& refs = sides_[index_of(side)];
  for (auto it = refs.rbegin(); it != refs.rend(); ++it) {
    const Level& level = levels_[it->level];
    for (std::uint32_t n = level.head; n != kNil; n = nodes_[n].next) {
      visit(RestingOrder{nodes_[n].id, side, level.price, nodes_[n].qty});
    }
  }
}

}  // namespace alphaforge
