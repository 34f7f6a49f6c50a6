#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "alphaforge/book_queue.hpp"
#include "alphaforge/depth_book.hpp"
#include "alphaforge/order_types.hpp"

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
  explicit BookQueueOrders(QueueModel model) : model_(model) {}

  // The order reaches the market and joins behind the size displayed at `price` on its side.
  void rest(std::uint64_t id, OrderSide side, Ticks price, double qty, const DepthBook& book);
  bool cancel(std::uint64_t id);
  std::size_t size() const noexcept { return orders_.size(); }
  // The size displayed ahead of order `id`; std::invalid_argument when it is not resting.
  double ahead(std::uint64_t id) const;

  // A trade of `qty` at `price` (the print does not say which side took). Orders at `price`
  // move up their queue and get what reaches them, partially; orders the trade went through
  // (a buy above it, a sell below it) fill whole at their price. Appends fills, in arrival
  // order; filled orders leave.
  void on_trade(Ticks price, double qty, std::vector<RestingFill>& out);
  // The displayed size at `price` on `side` went from `before` to `after` by a venue update.
  void on_level(OrderSide side, Ticks price, double before, double after);
  // After a venue message is applied: orders the opposite best reached or crossed (a bid at or
  // above the best ask, an ask at or below the best bid) fill whole at their price.
  void on_book(const DepthBook& book, std::vector<RestingFill>& out);

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
  std::vector<Resting> orders_;  // arrival order
};

}  // namespace alphaforge
