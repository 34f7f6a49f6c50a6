#include "alphaforge/backtest_records.hpp"

#include <stdexcept>
#include <utility>

namespace alphaforge {

BacktestOrder accept_backtest_order(const OrderRequest& r, const ExecutionEngine& engine,
                                    std::uint64_t id, std::uint32_t symbol, std::int64_t now) {
  if (r.strategy_id.empty()) throw std::invalid_argument("strategy must not be empty");
  const bool has_limit = r.type == OrderType::kLimit || r.type == OrderType::kStopLimit;
  const bool has_stop = r.type == OrderType::kStop || r.type == OrderType::kStopLimit;
  const std::string type_name(to_string(r.type));
  if (r.tif == TimeInForce::kPostOnly && !has_limit) {
    throw std::invalid_argument("time_in_force POST_ONLY needs a limit price; a " + type_name +
                                " order has none");
  }
  if (has_limit != r.price.has_value()) {
    throw std::invalid_argument(has_limit ? "price is required for a " + type_name + " order"
                                          : "a " + type_name + " order takes no price");
  }
  if (has_stop != r.stop_price.has_value()) {
    throw std::invalid_argument(has_stop ? "stop_price is required for a " + type_name + " order"
                                         : "a " + type_name + " order takes no stop_price");
  }
  const Instrument grid = engine.trading_grid(r.symbol);
  const Instrument* inst = &grid;
  if (inst->qty_to_lots(r.quantity, "quantity") <= 0) {
    throw std::invalid_argument("quantity must be positive, got " + to_decimal(r.quantity));
  }
  if (r.price && inst->price_to_ticks(*r.price, "price") <= 0) {
    throw std::invalid_argument("price must be positive, got " + to_decimal(*r.price));
  }
  if (r.stop_price && inst->price_to_ticks(*r.stop_price, "stop_price") <= 0) {
    throw std::invalid_argument("stop_price must be positive, got " + to_decimal(*r.stop_price));
  }
  BacktestOrder order;
  order.id = id;
  order.strategy = r.strategy_id;
  order.symbol = symbol;
  order.side = r.side;
  order.type = r.type;
  order.tif = r.tif;
  order.quantity = r.quantity;
  order.price = r.price;
  order.stop_price = r.stop_price;
  order.ts_ns = now;
  return order;
}

bool expire_on_arrival(BacktestOrder& o, bool marketable) {
  const bool immediate = o.tif == TimeInForce::kIoc || o.tif == TimeInForce::kFok;
  if (marketable && o.tif == TimeInForce::kPostOnly) {
    o.reject_reason = "post-only order would take liquidity";
  } else if (!marketable && immediate) {
    o.reject_reason = std::string(to_string(o.tif)) + " order found no price at its limit";
  } else {
    return false;
  }
  o.status = OrderStatus::kExpired;
  return true;
}

bool book_backtest_fill(ExecutionEngine& engine, const std::string& symbol, BacktestOrder& o,
                        double price, Liquidity liquidity) {
  // A maker fill is booked as a limit at its price, a taker fill as a market order.
  const bool maker = liquidity == Liquidity::kMaker;
  const std::uint64_t engine_id = engine.submit_filled(
      OrderRequest{symbol, o.strategy, "", o.side, maker ? OrderType::kLimit : OrderType::kMarket,
                   TimeInForce::kGtc, o.quantity, maker ? std::optional<double>(price)
                                                        : std::nullopt,
                   {}},
      price, liquidity);
  const Order& done = engine.order(engine_id);
  if (done.status != OrderStatus::kFilled) {
    o.status = OrderStatus::kRejected;
    o.reject_reason = done.reject_reason.empty() ? std::string("not filled by the venue")
                                                 : done.reject_reason;
    return false;
  }
  o.status = OrderStatus::kFilled;
  o.filled = o.quantity;
  o.fill_value = price * o.quantity;
  return true;
}

}  // namespace alphaforge
