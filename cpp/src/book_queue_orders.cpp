#include "alphaforge/book_queue_orders.hpp"

#include <algorithm>
#include <cmath>
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

bool BookQueueOrders::contains(std::uint64_t id) const noexcept {
  return std::any_of(orders_.begin(), orders_.end(), [id](const Resting& r) { return r.id == id; });
}

bool BookQueueOrders::resize(std::uint64_t id, double left) {
  for (Resting& r : orders_) {
    if (r.id == id) {
      r.left = left;
      return true;
    }
  }
  return false;
}

std::vector<std::pair<OrderSide, Ticks>> BookQueueOrders::levels() const {
  std::vector<std::pair<OrderSide, Ticks>> out;
  out.reserve(orders_.size());
  for (const Resting& r : orders_) out.emplace_back(r.side, r.price);
  return out;
}

double BookQueueOrders::ahead(std::uint64_t id) const {
  for (const Resting& r : orders_) {
    if (r.id == id) return r.queue.ahead;
  }
  throw std::invalid_argument("order " + std::to_string(id) + " is not resting");
}

void BookQueueOrders::on_trade(Ticks price, double qty, AggressorSide taker,
                               std::vector<RestingFill>& out) {
  for (Resting& r : orders_) {
    const bool buy = r.side == OrderSide::kBuy;
    if ((buy && taker == AggressorSide::kBuyer) || (!buy && taker == AggressorSide::kSeller)) {
      continue;  // the taker was on our side: it traded with the other
    }
    const bool through = r.side == OrderSide::kBuy ? price < r.price : price > r.price;
    double fill = 0.0;
    if (through) {
      fill = r.left;
    } else if (price == r.price) {
      double reach = r.queue.on_trade(qty);
      if (lot_ > 0.0) reach = std::round(reach / lot_) * lot_;
      fill = std::min(r.left, reach);
      if (fill > 0.0) r.queue.filled();
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

void BookQueueOrders::on_book(const DepthBook& book, std::optional<Ticks> before_bid,
                              std::optional<Ticks> before_ask, std::vector<RestingFill>& out) {
  const auto bid = book.best(OrderSide::kBuy);
  const auto ask = book.best(OrderSide::kSell);
  for (Resting& r : orders_) {
    const bool crossed = r.side == OrderSide::kBuy
                             ? ask && ask->price <= r.price && (!before_ask || r.price < *before_ask)
                             : bid && bid->price >= r.price && (!before_bid || r.price > *before_bid);
    if (crossed) {
      out.push_back(RestingFill{r.id, r.price, r.left});
      r.left = 0.0;
    }
  }
  drop_filled();
}

void BookQueueOrders::drop_filled() {
  // Less than half a lot left is nothing left: sums of lot multiples are not exact in binary.
  const double nothing = lot_ / 2.0;
  std::erase_if(orders_, [nothing](const Resting& r) { return r.left <= nothing; });
}

}  // namespace alphaforge
