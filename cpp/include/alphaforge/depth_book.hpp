#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alphaforge/instrument.hpp"
#include "alphaforge/order_types.hpp"

namespace alphaforge {

// One price level of an aggregated (L2) book: the displayed size at a price.
struct DepthLevel {
  Ticks price;
  double size;
};

// An L2 order book as venues publish it: absolute sizes per price, a size of zero removing the
// level. Prices arrive as the venue's decimals and are rounded to the nearest tick (the venue's
// own grid, so rounding only undoes the binary representation). Each side is a vector sorted so
// that the best level is at the back: updates cluster near the top of the book, where inserting
// and erasing move few elements.
class DepthBook {
 public:
  explicit DepthBook(Instrument grid) : grid_(std::move(grid)) {}

  const Instrument& grid() const noexcept { return grid_; }

  // Sets the size at `price` on one side; 0 removes the level. std::invalid_argument for a
  // price that is not finite and positive, or a size that is negative or not finite.
  void set(OrderSide side, double price, double size);
  void clear() noexcept;

  std::optional<DepthLevel> best(OrderSide side) const noexcept;
  // The displayed size at `price`, 0 when there is no level there.
  double size_at(OrderSide side, double price) const;
  // The level `rank` places from the top (0 = best); nothing past the last level.
  std::optional<DepthLevel> level(OrderSide side, std::size_t rank) const noexcept;
  std::size_t depth(OrderSide side) const noexcept { return side_of(side).size(); }

  std::uint64_t update_id = 0;
  std::int64_t ts_ns = 0;

 private:
  std::vector<DepthLevel>& side_of(OrderSide side) noexcept {
    return side == OrderSide::kBuy ? bids_ : asks_;
  }
  const std::vector<DepthLevel>& side_of(OrderSide side) const noexcept {
    return side == OrderSide::kBuy ? bids_ : asks_;
  }

  Instrument grid_;
  std::vector<DepthLevel> bids_;  // ascending price: the best bid is last
  std::vector<DepthLevel> asks_;  // descending price: the best ask is last
};

}  // namespace alphaforge
