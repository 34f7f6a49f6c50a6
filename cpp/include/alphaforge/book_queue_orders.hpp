#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "alphaforge/book_queue.hpp"
#include "alphaforge/depth_book.hpp"
#include "alphaforge/order_types.hpp"
#include "alphaforge/trade_tick.hpp"

namespace alphaforge {

// A maker fill of a resting order: `qty` at the order's own price.
struct RestingFill {
  std::uint64_t order_id;
  Ticks price;
  double qty;
};

// The resting limit orders of one symbol on its recorded L2 book, each with its own place in
// the queue of its level (by `model`). Each order is placed against the recorded book alone:
// our orders never move the book, nor each other's queue, so two orders at one price each
// start behind the displayed size and the same trade may reach both.
class BookQueueOrders {
 public:
  // `lot`: maker fills from trades are rounded to whole lots (to the nearest, as hftbacktest's
  // queue models do); 0 keeps them as they come.
  explicit BookQueueOrders(QueueModel model, double lot = 0.0) : model_(model), lot_(lot) {}

  // The order reaches the market and joins behind the size displayed at `price` on its side.
  void rest(std::uint64_t id, OrderSide side, Ticks price, double qty, const DepthBook& book);
  bool cancel(std::uint64_t id);
  bool contains(std::uint64_t id) const noexcept;
  // The quantity left of a resting order becomes `left`, its place kept; false when it is not
  // resting.
  bool resize(std::uint64_t id, double left);
  std::size_t size() const noexcept { return orders_.size(); }
  // Removes the orders `gone(id)` says are no longer open.
  template <typename Gone>
  void drop_if(Gone&& gone) {
    std::erase_if(orders_, [&](const Resting& r) { return gone(r.id); });
  }
  // The (side, price) of every resting order, in arrival order.
  std::vector<std::pair<OrderSide, Ticks>> levels() const;
  // The size displayed ahead of order `id`; std::invalid_argument when it is not resting.
  double ahead(std::uint64_t id) const;

  // A trade of `qty` at `price` whose taker was `taker` (a buyer's trade reaches only our
  // sells, a seller's only our buys; kNone, when the print does not say, both). Orders at
  // `price` move up their queue and get what reaches them, partially; orders the trade went
  // through (a buy above it, a sell below it) fill whole at their price. Appends fills, in
  // arrival order; filled orders leave.
  void on_trade(Ticks price, double qty, AggressorSide taker, std::vector<RestingFill>& out);
  // The displayed size at `price` on `side` went from `before` to `after` by a venue update.
  void on_level(OrderSide side, Ticks price, double before, double after);
  // After a venue message moved the opposite best from `before_bid` / `before_ask` (nothing for
  // a side that was empty): orders it reached or crossed on its way (a bid at or above the new
  // best ask and below the old one; an ask at or below the new best bid and above the old one)
  // fill whole at their price. An order already through the old best (the rest of a buy that
  // took the displayed asks: our orders do not move the book) waits for a trade, or for the
  // best to come back and cross it anew.
  void on_book(const DepthBook& book, std::optional<Ticks> before_bid,
               std::optional<Ticks> before_ask, std::vector<RestingFill>& out);

 private:
  struct Resting {
    std::uint64_t id;
    OrderSide side;
    Ticks price;
    double left;
    QueuePosition queue;
  };
  void drop_filled();

  QueueModel model_;
  double lot_;
  std::vector<Resting> orders_;  // arrival order
};

}  // namespace alphaforge
