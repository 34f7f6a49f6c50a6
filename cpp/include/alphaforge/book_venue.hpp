#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "alphaforge/book_queue_orders.hpp"
#include "alphaforge/depth_book.hpp"
#include "alphaforge/order_types.hpp"

namespace alphaforge {

// A part of an order's fill on the recorded book: `qty` at `price`, as maker or taker.
struct VenueFill {
  std::uint64_t id;
  Ticks price;
  double qty;
  Liquidity liquidity;
};

// An order the venue ended without filling the rest of it, and why (a static text).
struct VenueExpiry {
  std::uint64_t id;
  std::string_view reason;
};

// What the venue did to our orders at one moment, in the order it happened.
struct VenueEvents {
  std::vector<VenueFill> fills;
  std::vector<VenueExpiry> expiries;

  bool empty() const noexcept { return fills.empty() && expiries.empty(); }
  void clear() noexcept {
    fills.clear();
    expiries.clear();
  }
};

// One symbol's exchange as an order-book backtest simulates it: the recorded L2 book, and our
// orders on it. An order that reaches the venue takes what the opposite side displays, level
// by level (book_sweep), and a GTC limit rests with the rest, behind the size displayed at its
// price (BookQueueOrders). Quantities are whole lots: a level's size is taken down to the lot.
// Our orders never change the recorded book.
class BookVenue {
 public:
  BookVenue(Instrument grid, QueueModel model);

  const DepthBook& book() const noexcept { return book_; }
  // The update id and time of the message the book was last moved by.
  void stamp(std::uint64_t update_id, std::int64_t ts_ns) noexcept {
    book_.update_id = update_id;
    book_.ts_ns = ts_ns;
  }

  // Order `id` with `qty` left reaches the venue: a market order (no `limit`) or a limit in
  // ticks. A marketable limit that is POST_ONLY expires whole; a FOK order that the book cannot
  // fill whole expires whole; the rest of an IOC order, or of a market order the book ran out
  // for, expires; the rest of a GTC limit rests.
  void arrive(std::uint64_t id, OrderSide side, std::optional<Ticks> limit, TimeInForce tif,
              double qty, VenueEvents& out);
  // The order leaves the queue; false when it was not resting.
  bool cancel(std::uint64_t id) { return resting_.cancel(id); }
  bool resting(std::uint64_t id) const noexcept { return resting_.contains(id); }
  // A resting order's quantity left becomes `left` (> 0), keeping its place.
  bool resize(std::uint64_t id, double left) { return resting_.resize(id, left); }
  // Drops the resting orders `gone(id)` says were closed elsewhere (canceled with an OCO
  // sibling, refused by the account).
  template <typename Gone>
  void drop_if(Gone&& gone) {
    resting_.drop_if(gone);
  }
  std::size_t resting_count() const noexcept { return resting_.size(); }
  double ahead(std::uint64_t id) const { return resting_.ahead(id); }

  // A trade print (by a `taker` buyer or seller, or kNone): resting orders at its price move
  // up their queue and fill with what reaches them; orders it went through fill whole.
  void on_trade(double price, double qty, AggressorSide taker, VenueEvents& out);
  // One depth message of `n` rows (side: 1 bid; size absolute, 0 removes the level); a
  // snapshot replaces the book. Queues follow each level's change; orders the new best bid or
  // ask reached fill whole at their price.
  void on_depth(const std::uint8_t* is_bid, const double* price, const double* size,
                std::size_t n, bool snapshot, VenueEvents& out);

 private:
  void set_level(OrderSide side, double price, double size);

  DepthBook book_;
  BookQueueOrders resting_;
  std::vector<RestingFill> maker_fills_;  // scratch, reused
};

}  // namespace alphaforge
