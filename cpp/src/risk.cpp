#include "alphaforge/risk.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "alphaforge/fees.hpp"
#include "alphaforge/order_types.hpp"

namespace alphaforge {
namespace {

constexpr std::int64_t kOneSecondNs = 1'000'000'000;

void require_positive(const std::optional<double>& value, const char* field) {
  if (value && !(std::isfinite(*value) && *value > 0.0)) {
    throw std::invalid_argument(std::string(field) + " must be a finite number > 0 or None, got " +
                                to_decimal(*value));
  }
}

void require_positive(const std::optional<std::uint32_t>& value, const char* field) {
  if (value && *value == 0) {
    throw std::invalid_argument(std::string(field) + " must be > 0 or None, got 0");
  }
}

}  // namespace

void FeeSchedule::validate() const {
  for (const auto& [rate, field] : {std::pair{maker_rate, "maker"}, std::pair{taker_rate, "taker"}}) {
    if (!std::isfinite(rate) || rate <= -1.0 || rate >= 1.0) {
      throw std::invalid_argument(std::string(field) +
                                  " fee rate must be a finite fraction of notional in (-1, 1), got " +
                                  to_decimal(rate));
    }
  }
}

void RiskLimits::validate() const {
  require_positive(max_order_qty, "max_order_qty");
  require_positive(max_order_notional, "max_order_notional");
  require_positive(max_position, "max_position");
  require_positive(max_open_orders, "max_open_orders");
  require_positive(max_orders_per_second, "max_orders_per_second");
}

RiskEngine::RiskEngine(RiskLimits limits) : limits_(limits) {
  limits_.validate();
  if (limits_.max_orders_per_second) {
    recent_.assign(*limits_.max_orders_per_second, std::numeric_limits<std::int64_t>::min());
  }
}

std::optional<std::string> RiskEngine::check(const RiskCheck& order) const {
  if (limits_.kill_switch) return "kill switch is engaged";
  if (limits_.max_order_qty && order.qty > *limits_.max_order_qty) {
    return "quantity " + to_decimal(order.qty) + " exceeds max_order_qty " +
           to_decimal(*limits_.max_order_qty);
  }
  if (limits_.max_order_notional && order.notional &&
      *order.notional > *limits_.max_order_notional) {
    return "notional " + to_decimal(*order.notional) + " exceeds max_order_notional " +
           to_decimal(*limits_.max_order_notional);
  }
  // An order that brings the position closer to flat is let through even beyond the limit.
  if (limits_.max_position && std::abs(order.position_after) > *limits_.max_position &&
      std::abs(order.position_after) > std::abs(order.position_now)) {
    return "position would reach " + to_decimal(order.position_after) + ", beyond max_position " +
           to_decimal(*limits_.max_position);
  }
  if (order.new_order && limits_.max_open_orders && order.open_orders >= *limits_.max_open_orders) {
    return "open orders at max_open_orders " + std::to_string(*limits_.max_open_orders);
  }
  // The oldest of the last N admissions is less than a second old: this would be N+1.
  if (order.new_order && limits_.max_orders_per_second && recent_[next_] > order.now_ns - kOneSecondNs) {
    return "more than max_orders_per_second " + std::to_string(*limits_.max_orders_per_second) +
           " orders within one second";
  }
  return std::nullopt;
}

void RiskEngine::record(std::int64_t now_ns) {
  if (recent_.empty()) return;
  recent_[next_] = now_ns;
  next_ = (next_ + 1) % recent_.size();
}

}  // namespace alphaforge
