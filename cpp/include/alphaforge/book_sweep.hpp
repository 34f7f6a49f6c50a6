#pragma once

#include <optional>
#include <vector>

#include "alphaforge/depth_book.hpp"
#include "alphaforge/order_types.hpp"

namespace alphaforge {

// One part of a taker fill: a quantity at one recorded level's price.
struct LevelFill {
  Ticks price;
  double qty;
};

// What an order that takes liquidity gets from the recorded book when it reaches the market.
// `rest` is what is left after the walk: for a GTC limit it rests at its price; for IOC, and
// for a market order whose book ran out, it expires; a FOK order that cannot fill whole gets
// no fills and expires whole.
struct Sweep {
  std::vector<LevelFill> fills;
  double rest = 0.0;
};

// Walks the opposite side of `book` from its best level, taking each level's displayed size
// at its price until `qty` is filled, the book runs out, or (for a limit, `limit` in ticks) the
// next level is beyond the limit, in whole lots of the book's grid. The book is not changed: our orders never move the recorded
// book, so a second order at the same moment sees the same levels.
Sweep sweep(const DepthBook& book, OrderSide side, double qty, std::optional<Ticks> limit,
            TimeInForce tif);

}  // namespace alphaforge
