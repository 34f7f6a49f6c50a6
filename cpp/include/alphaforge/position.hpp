#pragma once

#include <cstdint>
#include <optional>

#include "alphaforge/order_types.hpp"

namespace alphaforge {

// A net position with average-cost accounting. Quantities are lots; prices and money are in
// the quote currency, money being price times quantity times the contract multiplier. A fill
// that crosses zero closes the old side at its average price and opens the new side at the
// fill price.
class Position {
 public:
  explicit Position(double lot_size, double multiplier = 1.0)
      : lot_size_(lot_size), multiplier_(multiplier) {}

  Lots qty() const noexcept { return qty_; }
  double quantity() const noexcept { return static_cast<double>(qty_) * lot_size_; }
  double avg_price() const noexcept {
    return qty_ == 0 ? 0.0 : cost_ / static_cast<double>(qty_ < 0 ? -qty_ : qty_);
  }
  double realized_pnl() const noexcept { return realized_pnl_; }
  double fees() const noexcept { return fees_; }
  std::uint64_t fill_count() const noexcept { return fills_; }
  // Marked at `mark`; zero while flat or with no mark.
  double unrealized_pnl(std::optional<double> mark) const noexcept {
    return (qty_ == 0 || !mark) ? 0.0 : quantity() * (*mark - avg_price()) * multiplier_;
  }
  // What the position is worth at `mark` (signed: negative for a short).
  double value(double mark) const noexcept { return quantity() * mark * multiplier_; }

  void apply_fill(OrderSide side, Lots lots, double price, double fee) noexcept;

 private:
  double lot_size_;
  double multiplier_;
  Lots qty_ = 0;
  // Price times lots of the open quantity: the average is one division of exact-as-possible
  // sums, not a running mean that drifts over many fills.
  double cost_ = 0.0;
  double realized_pnl_ = 0.0;
  double fees_ = 0.0;
  std::uint64_t fills_ = 0;
};

}  // namespace alphaforge
