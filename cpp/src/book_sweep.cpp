#include "alphaforge/book_sweep.hpp"

#include <algorithm>
#include <cmath>

namespace alphaforge {

Sweep sweep(const DepthBook& book, OrderSide side, double qty, std::optional<Ticks> limit,
            TimeInForce tif) {
  const OrderSide opposite = side == OrderSide::kBuy ? OrderSide::kSell : OrderSide::kBuy;
  Sweep out;
  const double lot = book.grid().lot_size();
  double left = qty;
  for (std::size_t rank = 0; left > lot / 2.0; ++rank) {
    const std::optional<DepthLevel> level = book.level(opposite, rank);
    if (!level) break;
    if (limit && (side == OrderSide::kBuy ? level->price > *limit : level->price < *limit)) break;
    // Whole lots only: a level showing less than a lot has nothing our order can take.
    const double take = std::min(left, std::floor(level->size / lot + 1e-9) * lot);
    if (take <= 0.0) continue;
    out.fills.push_back(LevelFill{level->price, take});
    left -= take;
  }
  if (left <= lot / 2.0) left = 0.0;
  out.rest = left;
  if (tif == TimeInForce::kFok && left > 0.0) {
    out.fills.clear();  // all or nothing
    out.rest = qty;
  }
  return out;
}

}  // namespace alphaforge
