#include "alphaforge/depth_book.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace alphaforge {

void DepthBook::set(OrderSide side, double price, double size) {
  if (!std::isfinite(size) || size < 0.0) {
    throw std::invalid_argument("size at " + to_decimal(price) + " must be finite and >= 0, got " +
                                to_decimal(size));
  }
  const Ticks ticks = grid_.nearest_ticks(price, "price");
  std::vector<DepthLevel>& levels = side_of(side);
  // Walk down from the top, where most updates land, to the first level at or beyond `ticks`.
  const bool bid = side == OrderSide::kBuy;
  auto it = levels.end();
  while (it != levels.begin()) {
    const Ticks p = std::prev(it)->price;
    if (bid ? p <= ticks : p >= ticks) break;
    --it;
  }
  const bool found = it != levels.begin() && std::prev(it)->price == ticks;
  if (found) {
    if (size == 0.0) {
      levels.erase(std::prev(it));
    } else {
      std::prev(it)->size = size;
    }
  } else if (size != 0.0) {
    levels.insert(it, DepthLevel{ticks, size});
  }
}

void DepthBook::clear() noexcept {
  bids_.clear();
  asks_.clear();
  update_id = 0;
}

std::optional<DepthLevel> DepthBook::best(OrderSide side) const noexcept {
  return level(side, 0);
}

std::optional<DepthLevel> DepthBook::level(OrderSide side, std::size_t rank) const noexcept {
  const std::vector<DepthLevel>& levels = side_of(side);
  if (rank >= levels.size()) return std::nullopt;
  return levels[levels.size() - 1 - rank];
}

double DepthBook::size_at(OrderSide side, double price) const {
  const Ticks ticks = grid_.nearest_ticks(price, "price");
  const std::vector<DepthLevel>& levels = side_of(side);
  const bool bid = side == OrderSide::kBuy;
  const auto it = std::lower_bound(levels.begin(), levels.end(), ticks,
                                   [bid](const DepthLevel& l, Ticks p) {
                                     return bid ? l.price < p : l.price > p;
                                   });
  return it != levels.end() && it->price == ticks ? it->size : 0.0;
}

}  // namespace alphaforge
