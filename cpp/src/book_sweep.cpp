#include "alphaforge/book_sweep.hpp"

#include <algorithm>

namespace alphaforge {

Sweep sweep(const DepthBook& book, OrderSide side, double qty, std::optional<Ticks> limit,
            TimeInForce tif) {
  const OrderSide opposite = side == OrderSide::kBuy ? OrderSide::kSell : OrderSide::kBuy;
  Sweep out;
  double left = qty;
  for (std::size_t rank = 0; left > 0.0; ++rank) {
    const std::optional<DepthLevel> level = book.level(opposite, rank);
    if (!level) break;
    if (limit && (side == OrderSide::kBuy ? level->price > *limit : level->price < *limit)) break;
    const double take = std::min(left, level->size);
    out.fills.push_back(LevelFill{level->price, take});
    left -= take;
  }
  out.rest = left;
  if (tif == TimeInForce::kFok && left > 0.0) {
    out.fills.clear();  // all or nothing
    out.rest = qty;
  }
  return out;
}

}  // namespace alphaforge
