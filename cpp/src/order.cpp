#include "alphaforge/order.hpp"

#include <string>
#include <utility>

namespace alphaforge {

bool transition_allowed(OrderStatus from, OrderStatus to) noexcept {
  switch (from) {
    case OrderStatus::kNew:
      return to == OrderStatus::kSubmitted || to == OrderStatus::kAccepted ||
             to == OrderStatus::kRejected;
    case OrderStatus::kSubmitted:
      // A venue may report a fill, or the order's end, before its acknowledgement.
      return to != OrderStatus::kNew && to != OrderStatus::kSubmitted;
    case OrderStatus::kAccepted:
    case OrderStatus::kPartiallyFilled:
      // REJECTED here: the account could not pay for the fill when it came.
      return to == OrderStatus::kPartiallyFilled || to == OrderStatus::kFilled ||
             to == OrderStatus::kCanceled || to == OrderStatus::kExpired ||
             to == OrderStatus::kRejected;
    case OrderStatus::kFilled:
    case OrderStatus::kCanceled:
    case OrderStatus::kRejected:
    case OrderStatus::kExpired:
      return false;
  }
  return false;
}

void Order::transition(OrderStatus to, std::int64_t ts_ns) {
  if (!transition_allowed(status, to)) {
    throw IllegalTransition("order " + std::to_string(id) + " cannot go from " +
                            std::string(to_string(status)) + " to " + std::string(to_string(to)));
  }
  status = to;
  ts_updated_ns = ts_ns;
}

void Order::reject(std::string reason, std::int64_t ts_ns) {
  transition(OrderStatus::kRejected, ts_ns);
  reject_reason = std::move(reason);
}

void Order::fill(Ticks fill_price, Lots qty, std::int64_t ts_ns) {
  if (qty <= 0 || qty > quantity - filled) {
    throw IllegalTransition("order " + std::to_string(id) + " cannot fill " + std::to_string(qty) +
                            " lots with " + std::to_string(quantity - filled) + " left");
  }
  const OrderStatus next =
      filled + qty == quantity ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
  transition(next, ts_ns);
  filled += qty;
  fill_notional_ticks += static_cast<WideTicks>(fill_price) * qty;
}

}  // namespace alphaforge
