// The ExecutionEngine's external-venue mode: orders checked and tracked here, matched by a venue
// elsewhere (a backtest's fill model, an exchange), whose reports and fills come back.
#include <cmath>
#include <stdexcept>
#include <utility>

#include "alphaforge/execution_engine.hpp"
#include "execution_market.hpp"

namespace alphaforge {
namespace {

Order& external_order(std::vector<Order>& orders, std::uint64_t id) {
  if (id == 0 || id > orders.size()) {
    throw std::invalid_argument("order id " + std::to_string(id) + " is unknown");
  }
  Order& o = orders[id - 1];
  if (!o.external) {
    throw std::invalid_argument("order " + std::to_string(id) +
                                " is matched by the engine's own venue, not an external one");
  }
  return o;
}

}  // namespace

std::uint64_t ExecutionEngine::submit_external(const OrderRequest& request, bool acknowledged,
                                               bool restored) {
  SubmitMode mode;
  mode.external = true;
  mode.acknowledged = acknowledged;
  mode.forced = restored;
  return submit_order(request, mode);
}

bool ExecutionEngine::apply_status(std::uint64_t id, OrderStatus status, std::string reason) {
  Order& o = external_order(orders_, id);
  if (status != OrderStatus::kAccepted && status != OrderStatus::kCanceled &&
      status != OrderStatus::kExpired && status != OrderStatus::kRejected) {
    throw std::invalid_argument("a venue reports ACCEPTED, CANCELED, EXPIRED or REJECTED; " +
                                std::string(to_string(status)) + " comes from fills");
  }
  // A report the order has moved past (an acknowledgement after its first fill, a cancel
  // after it filled) changes nothing: venues deliver reports late and more than once.
  const bool later_ack = status == OrderStatus::kAccepted && o.status != OrderStatus::kSubmitted;
  if (o.status == status || later_ack || !transition_allowed(o.status, status)) {
    ++stats_.stale_reports;
    return false;
  }
  const std::int64_t now = now_ns();
  update(o, [&] {
    if (!reason.empty()) o.reject_reason = std::move(reason);
    o.transition(status, now);
  });
  switch (status) {
    case OrderStatus::kAccepted:
      ++stats_.orders_accepted;
      break;
    case OrderStatus::kCanceled:
      ++stats_.orders_canceled;
      break;
    case OrderStatus::kExpired:
      ++stats_.orders_expired;
      break;
    default:
      ++stats_.orders_rejected;
      break;
  }
  dispatch();
  return true;
}

bool ExecutionEngine::apply_venue_fill(std::uint64_t id, std::uint64_t trade_id, double price,
                                       double qty, Liquidity liquidity,
                                       std::optional<double> fee) {
  Order& o = external_order(orders_, id);
  Market& m = *markets_[o.symbol];
  if (m.venue_trades.contains(trade_id)) {
    ++stats_.duplicate_fills;
    return false;
  }
  const Instrument& inst = m.instrument;
  const Ticks ticks = inst.nearest_ticks(price, "fill price");
  const Lots lots = inst.qty_to_lots(qty, "fill qty");
  if (fee && !std::isfinite(*fee)) {
    throw std::invalid_argument("fee must be finite, got " + to_decimal(*fee));
  }
  if (lots > o.quantity - o.filled) {
    throw std::invalid_argument("fill of " + to_decimal(qty) + " for order " + std::to_string(id) +
                                " exceeds its open quantity " +
                                to_decimal(inst.lots_to_qty(o.quantity - o.filled)));
  }
  m.venue_trades.insert(trade_id);
  m.last = ticks;
  apply_fill(m, o, ticks, lots, liquidity, fee, trade_id);
  dispatch();
  return true;
}

Lots ExecutionEngine::apply_simulated_fill(std::uint64_t id, double price, Liquidity liquidity) {
  const Order& o = external_order(orders_, id);
  return apply_simulated_fill(id, price, liquidity, o.quantity - o.filled);
}

Lots ExecutionEngine::apply_simulated_fill(std::uint64_t id, double price, Liquidity liquidity,
                                           Lots part) {
  Order& o = external_order(orders_, id);
  if (!o.is_open()) {
    throw std::invalid_argument("order " + std::to_string(id) + " is " +
                                std::string(to_string(o.status)) + " and cannot fill");
  }
  Market& m = *markets_[o.symbol];
  const Ticks ticks = m.instrument.nearest_ticks(price, "fill price");
  std::string reason;
  if (part <= 0 || part > o.quantity - o.filled) {
    throw std::invalid_argument("fill of " + std::to_string(part) + " lots for order " +
                                std::to_string(id) + ", which has " +
                                std::to_string(o.quantity - o.filled) + " left");
  }
  const Lots wanted = part;
  const Lots lots = account_allows(m, o, ticks, wanted, liquidity, reason);
  if (lots > 0) apply_fill(m, o, ticks, lots, liquidity);
  if (lots < wanted && o.is_open()) {
    // A reduce-only order stopped by the position expires; an unfunded one is rejected.
    const bool reduce = o.reduce_only && reason.rfind("reduce_only", 0) == 0;
    update(o, [&] {
      if (reduce) {
        o.reject_reason = std::move(reason);
        o.expire(now_ns());
      } else {
        o.reject(std::move(reason), now_ns());
      }
    });
    ++(reduce ? stats_.orders_expired : stats_.orders_rejected);
  }
  dispatch();
  return lots;
}

}  // namespace alphaforge
