#pragma once

#include <optional>

#include "alphaforge/backtest_records.hpp"

// An accepted backtest order of one unit of "X" for strategy "s", for the fill-model tests.
inline alphaforge::BacktestOrder test_order(alphaforge::OrderSide side, alphaforge::OrderType type,
                                            std::optional<double> price,
                                            std::optional<double> stop) {
  alphaforge::OrderRequest r;
  r.symbol = "X";
  r.strategy_id = "s";
  r.side = side;
  r.type = type;
  r.quantity = 1.0;
  r.price = price;
  r.stop_price = stop;
  const alphaforge::ExecutionEngine engine;
  return alphaforge::accept_backtest_order(r, engine, 1, 0, 0);
}
