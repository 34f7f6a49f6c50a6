#include "alphaforge/book_queue_orders.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace alphaforge {

void BookQueueOrders::rest(std::uint64_t id, OrderSide side, Ticks price, double qty,
                           const DepthBook& book) {
  const double displayed = book.size_at(side, book.grid().ticks_to_price(price));
  orders_.push_back(Resting{id, side, price, qty, QueuePosition::join(displayed)});
}

bool BookQueueOrders::cancel(std::uint64_t id) {
  const auto it = std::find_if(orders_.begin(), orders_.end(),
                               [id](const Resting& r) { return r.id == id; });
  if (it == orders_.end()) return false;
  orders_.erase(it);
  return true;
}

double BookQueueOrders::ahead(std::uint64_t id) const {
  for (const Resting& r : orders_) {
    if (r.id == id) return r.queue.ahead;
  }
  throw std::invalid_argument("order " + std::to_string(id) + " is not resting");
}

void BookQueueOrders::on_trade(Ticks price, double qty, std::vector<RestingFill>& out) {
  for (Resting& r : orders_) {
    const bool through = r.side == OrderSide::kBuy ? price < r.price : price > r.price;
    double fill = 0.0;
    if (through) {
      fill = r.left;
    } else if (price == r.price) {
      fill = std::min(r.left, r.queue.on_trade(qty));
    }
    if (fill > 0.0) {
      out.push_back(RestingFill{r.id, r.price, fill});
      r.left -= fill;
    }
  }
  drop_filled();
}

void BookQueueOrders::on_level(OrderSide side, Ticks price, double before, double after) {
  for (Resting& r : orders_) {
    if (r.side == side && r.price == price) r.queue.on_level(model_, before, after);
  }
}

void BookQueueOrders::on_book(const DepthBook& book, std::vector<RestingFill>& out) {
  const auto bid = book.best(OrderSide::kBuy);
  const auto ask = book.best(OrderSide::kSell);
  for (Resting& r : orders_) {
    const bool crossed = r.side == OrderSide::kBuy ? ask && ask->price <= r.price
                                                   : bid && bid->price >= r.price;
    if (crossed) {
      out.push_back(RestingFill{r.id, r.price, r.left});
      r.left = 0.0;
    }
  }
  drop_filled();
}

void BookQueueOrders::drop_filled() {
  std::erase_if(orders_, [](const Resting& r) { return r.left <= 0.0; });
}

}  // namespace alphaforge
