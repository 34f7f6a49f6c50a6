#pragma once

#include <gtest/gtest.h>

#include <optional>

#include "alphaforge/backtest_records.hpp"

// A pending backtest order, as a fill model sees it, for the fill-model tests.
inline alphaforge::BacktestOrder test_order(alphaforge::OrderSide side, alphaforge::OrderType type,
                                            std::optional<double> price,
                                            std::optional<double> stop,
                                            alphaforge::TimeInForce tif = alphaforge::TimeInForce::kGtc) {
  alphaforge::BacktestOrder o{};
  o.id = 1;
  o.side = side;
  o.type = type;
  o.tif = tif;
  o.price = price;
  o.stop_price = stop;
  return o;
}

inline void expect_fill(const alphaforge::FillDecision& decision, double price,
                        alphaforge::Liquidity liquidity) {
  ASSERT_EQ(decision.kind, alphaforge::FillDecision::Kind::kFill);
  EXPECT_EQ(decision.price, price);
  EXPECT_EQ(decision.liquidity, liquidity);
}

inline bool waits(const alphaforge::FillDecision& decision) {
  return decision.kind == alphaforge::FillDecision::Kind::kWait;
}
