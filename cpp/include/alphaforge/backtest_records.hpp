#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "alphaforge/execution_engine.hpp"

namespace alphaforge {

// An order of a backtest: held by the replay, which decides from the market data that follows
// whether and where it fills, then books the fill through the ExecutionEngine.
struct BacktestOrder {
  std::uint64_t id;
  std::string strategy;
  std::uint32_t symbol;
  OrderSide side;
  OrderType type;
  TimeInForce tif = TimeInForce::kGtc;
  double quantity;
  std::optional<double> price;
  std::optional<double> stop_price;
  std::int64_t ts_ns;
  OrderStatus status = OrderStatus::kAccepted;
  bool triggered = false;
  double filled = 0.0;
  double fill_value = 0.0;  // sum of price * quantity over fills
  std::string reject_reason;
  // Tick replays: the first event the order may fill on (by sequence number, and by time once
  // the latency has passed). Both replays: whether a limit has reached the market and rests.
  std::uint64_t first_seq = 0;
  std::int64_t active_ns = 0;
  bool resting = false;
};

// Where a fill model fills an order: the price, and whether the order rested (maker) or took.
struct FillAt {
  double price;
  Liquidity liquidity;
};

struct BacktestFill {
  std::int64_t ts_ns;
  std::uint32_t symbol;
  OrderSide side;
  double qty;
  double price;
  double fee;
  std::uint64_t order_id;
  std::string strategy;
  Liquidity liquidity;
};

struct EquityPoint {
  std::int64_t ts_ns;
  double cash;
  double equity;
};

struct BacktestConfig {
  EngineConfig engine;
  // Market and stop fills move this many ticks against the order.
  double slippage_ticks = 0.0;
};

// Checks a strategy's order (price and stop_price as its type needs, a limit price for
// POST_ONLY; quantity and prices positive and on the symbol's grid) and returns it ACCEPTED as
// order `id` at `now`. Bad input throws std::invalid_argument naming the field.
BacktestOrder accept_backtest_order(const OrderRequest& request, const ExecutionEngine& engine,
                                    std::uint64_t id, std::uint32_t symbol, std::int64_t now);

// Books `order` filled in full at `price` with `liquidity` through `engine`, and records the
// outcome on the order: FILLED, or REJECTED with the engine's reason. Returns whether it filled.
// What a limit order does when it reaches the market (`marketable`: it would take there):
// nothing when it may take or rest; otherwise EXPIRED with the reason, as an IOC or FOK that
// cannot take, or a POST_ONLY that would. Returns whether it expired.
bool expire_on_arrival(BacktestOrder& order, bool marketable);

bool book_backtest_fill(ExecutionEngine& engine, const std::string& symbol, BacktestOrder& order,
                        double price, Liquidity liquidity);

}  // namespace alphaforge
