#include "alphaforge/position.hpp"

#include <algorithm>

namespace alphaforge {

void Position::apply_fill(OrderSide side, Lots lots, double price, double fee) noexcept {
  const Lots signed_lots = sign_of(side) * lots;
  ++fills_;
  fees_ += fee;
  if (qty_ == 0 || (qty_ > 0) == (signed_lots > 0)) {
    const auto held = static_cast<double>(qty_ < 0 ? -qty_ : qty_);
    const auto added = static_cast<double>(lots);
    avg_price_ = (avg_price_ * held + price * added) / (held + added);
    qty_ += signed_lots;
    return;
  }
  const Lots held = qty_ < 0 ? -qty_ : qty_;
  const Lots closed = std::min(held, lots);
  const double direction = qty_ > 0 ? 1.0 : -1.0;
  realized_pnl_ += direction * (price - avg_price_) * static_cast<double>(closed) * lot_size_;
  qty_ += signed_lots;
  if (qty_ == 0) {
    avg_price_ = 0.0;
  } else if (lots > held) {
    avg_price_ = price;  // flipped: what is left was opened by this fill
  }
}

}  // namespace alphaforge
