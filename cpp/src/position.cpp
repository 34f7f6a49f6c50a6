#include "alphaforge/position.hpp"

#include <algorithm>

namespace alphaforge {

void Position::apply_fill(OrderSide side, Lots lots, double price, double fee) noexcept {
  const Lots signed_lots = sign_of(side) * lots;
  ++fills_;
  fees_ += fee;
  if (qty_ == 0 || (qty_ > 0) == (signed_lots > 0)) {
    cost_ += price * static_cast<double>(lots);
    qty_ += signed_lots;
    return;
  }
  const Lots held = qty_ < 0 ? -qty_ : qty_;
  const Lots closed = std::min(held, lots);
  const double average = avg_price();
  const double direction = qty_ > 0 ? 1.0 : -1.0;
  realized_pnl_ +=
      direction * (price - average) * static_cast<double>(closed) * lot_size_ * multiplier_;
  qty_ += signed_lots;
  if (lots >= held) {
    // Flat, or flipped: what is left was opened by this fill.
    cost_ = price * static_cast<double>(lots - held);
  } else {
    cost_ = average * static_cast<double>(held - closed);
  }
}

}  // namespace alphaforge
