#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "alphaforge/order_types.hpp"

namespace alphaforge {

// Thrown on a transition the order lifecycle does not allow (a fill after a cancel, ...):
// it always means a bug in the caller, never bad market input.
class IllegalTransition : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// True when an order may move from `from` to `to`:
//   NEW -> SUBMITTED | ACCEPTED | REJECTED
//   SUBMITTED -> ACCEPTED | REJECTED | PARTIALLY_FILLED | FILLED | CANCELED | EXPIRED
//   ACCEPTED -> PARTIALLY_FILLED | FILLED | CANCELED | EXPIRED | REJECTED
//   PARTIALLY_FILLED -> PARTIALLY_FILLED | FILLED | CANCELED | EXPIRED | REJECTED
// (REJECTED after acceptance: the account could not pay for a fill when it came.)
// FILLED, CANCELED, REJECTED and EXPIRED are final.
bool transition_allowed(OrderStatus from, OrderStatus to) noexcept;

// One order as the engine keeps it: integer ticks and lots, converted by its Instrument.
struct Order {
  std::uint64_t id = 0;
  std::string client_order_id;
  std::uint32_t strategy = 0;  // index into the engine's strategy names
  std::uint32_t symbol = 0;    // index into the engine's instruments
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kMarket;
  TimeInForce tif = TimeInForce::kGtc;
  Ticks price = 0;       // limit price; 0 for market and stop orders
  Ticks stop_price = 0;  // trigger price of stop and stop-limit orders
  Lots quantity = 0;
  Lots filled = 0;
  // Sum of price * lots over fills, exact: on a fine grid (1e-8) the product passes 2^63.
  WideTicks fill_notional_ticks = 0;
  OrderStatus status = OrderStatus::kNew;
  bool triggered = false;  // a stop order whose trigger has fired
  bool reduce_only = false;  // may shrink the strategy's position, never grow or flip it
  bool external = false;     // matched by a venue outside the engine
  // The price the account values an open order at: its stop (stop and stop-limit orders), its
  // limit, or for a market order the price the market offered when it was sent.
  Ticks reference_price = 0;
  std::string reject_reason;
  std::int64_t ts_created_ns = 0;
  std::int64_t ts_updated_ns = 0;

  Lots leaves() const noexcept { return is_terminal(status) ? 0 : quantity - filled; }
  bool is_open() const noexcept { return !is_terminal(status) && status != OrderStatus::kNew; }
  // Average fill price in ticks (fractional), 0 before the first fill.
  double avg_fill_ticks() const noexcept {
    if (filled == 0) return 0.0;
    const WideTicks whole = fill_notional_ticks / filled;
    const WideTicks rest = fill_notional_ticks % filled;
    return static_cast<double>(whole) + static_cast<double>(rest) / static_cast<double>(filled);
  }

  // Each throws IllegalTransition when the lifecycle forbids the step.
  void transition(OrderStatus to, std::int64_t ts_ns);
  void accept(std::int64_t ts_ns) { transition(OrderStatus::kAccepted, ts_ns); }
  void reject(std::string reason, std::int64_t ts_ns);
  void cancel(std::int64_t ts_ns) { transition(OrderStatus::kCanceled, ts_ns); }
  void expire(std::int64_t ts_ns) { transition(OrderStatus::kExpired, ts_ns); }
  // Records a fill of `qty` lots at `price`; more than leaves() is an IllegalTransition.
  void fill(Ticks fill_price, Lots qty, std::int64_t ts_ns);
};

}  // namespace alphaforge
