#include "alphaforge/stop_book.hpp"

#include <stdexcept>
#include <string>

namespace alphaforge {

void StopBook::add(std::uint64_t id, OrderSide side, Ticks stop_price) {
  const Key key{side == OrderSide::kBuy ? stop_price : -stop_price, sequence_};
  if (!index_.emplace(id, Entry{side, key}).second) {
    throw std::invalid_argument("order_id " + std::to_string(id) + " is already pending");
  }
  ++sequence_;
  (side == OrderSide::kBuy ? buys_ : sells_).emplace(key, id);
}

bool StopBook::remove(std::uint64_t id) {
  const auto it = index_.find(id);
  if (it == index_.end()) return false;
  (it->second.side == OrderSide::kBuy ? buys_ : sells_).erase(it->second.key);
  index_.erase(it);
  return true;
}

void StopBook::collect_triggered(Ticks low, Ticks high, std::vector<std::uint64_t>& out) {
  while (!buys_.empty() && buys_.begin()->first.first <= high) {
    out.push_back(buys_.begin()->second);
    index_.erase(buys_.begin()->second);
    buys_.erase(buys_.begin());
  }
  while (!sells_.empty() && -sells_.begin()->first.first >= low) {
    out.push_back(sells_.begin()->second);
    index_.erase(sells_.begin()->second);
    sells_.erase(sells_.begin());
  }
}

}  // namespace alphaforge
