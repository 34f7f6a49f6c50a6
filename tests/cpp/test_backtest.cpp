#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "alphaforge/backtest.hpp"
#include "backtest_test_orders.hpp"

namespace af = alphaforge;

namespace {

constexpr std::int64_t kDay = 86'400'000'000'000;

// open, high, low, close of three days
struct Fixture {
  std::vector<std::int64_t> ts{0, kDay, 2 * kDay};
  std::vector<double> open{100.0, 103.0, 104.0};
  std::vector<double> high{102.0, 105.0, 106.0};
  std::vector<double> low{99.0, 101.0, 98.0};
  std::vector<double> close{101.0, 104.0, 100.0};
  std::vector<double> volume{1.0, 1.0, 1.0};

  std::uint32_t add(af::BarBacktest& b) {
    return b.add_bars("X", ts.data(), open.data(), high.data(), low.data(), close.data(),
                      volume.data(), ts.size());
  }
};

af::BacktestConfig config(double cash, double fee) {
  af::BacktestConfig c;
  c.engine.starting_cash = cash;
  c.engine.fees = af::FeeSchedule{fee, fee};
  return c;
}

af::BacktestOrder order(af::OrderSide side, af::OrderType type, std::optional<double> price,
                        std::optional<double> stop) {
  return test_order(side, type, price, stop);
}

}  // namespace

TEST(FillDecision, FollowsBacktraderConventions) {
  const af::BacktestBar bar{kDay, 103.0, 105.0, 101.0, 104.0, 1.0, 0};
  using S = af::OrderSide;
  using T = af::OrderType;
  using L = af::Liquidity;
  auto o = order(S::kBuy, T::kMarket, {}, {});
  expect_fill(af::fill_decision(o, bar), 103.0, L::kTaker);
  o = order(S::kBuy, T::kLimit, 104.0, {});
  expect_fill(af::fill_decision(o, bar), 103.0, L::kTaker);  // opens below the limit
  o = order(S::kBuy, T::kLimit, 102.0, {});
  expect_fill(af::fill_decision(o, bar), 102.0, L::kMaker);  // rests, the low reaches it
  o = order(S::kBuy, T::kLimit, 100.0, {});
  EXPECT_TRUE(waits(af::fill_decision(o, bar)));
  o = order(S::kSell, T::kLimit, 104.5, {});
  expect_fill(af::fill_decision(o, bar), 104.5, L::kMaker);
  o = order(S::kSell, T::kLimit, 102.0, {});
  expect_fill(af::fill_decision(o, bar), 103.0, L::kTaker);
  o = order(S::kBuy, T::kStop, {}, 104.0);
  expect_fill(af::fill_decision(o, bar), 104.0, L::kTaker);
  EXPECT_TRUE(o.triggered);
  o = order(S::kBuy, T::kStop, {}, 102.0);
  expect_fill(af::fill_decision(o, bar), 103.0, L::kTaker);
  o = order(S::kSell, T::kStop, {}, 101.5);
  expect_fill(af::fill_decision(o, bar), 101.5, L::kTaker);
  o = order(S::kSell, T::kStop, {}, 100.0);
  EXPECT_TRUE(waits(af::fill_decision(o, bar)));
  EXPECT_FALSE(o.triggered);
}

TEST(FillDecision, AtTheLimitOnArrivalTakesAndRestedLimitsMake) {
  using S = af::OrderSide;
  using T = af::OrderType;
  using L = af::Liquidity;
  const af::BacktestBar opens_at_limit{kDay, 103.0, 105.0, 101.0, 104.0, 1.0, 0};
  auto o = order(S::kBuy, T::kLimit, 103.0, {});
  expect_fill(af::fill_decision(o, opens_at_limit), 103.0, L::kTaker);
  auto post = test_order(S::kBuy, T::kLimit, 103.0, {}, af::TimeInForce::kPostOnly);
  EXPECT_EQ(af::fill_decision(post, opens_at_limit).kind, af::FillDecision::Kind::kExpire);
  // A limit that rested on an earlier bar fills as a maker, at the open of a gap through it.
  const af::BacktestBar above{0, 106.0, 107.0, 105.0, 106.0, 1.0, 0};
  o = order(S::kBuy, T::kLimit, 103.0, {});
  EXPECT_TRUE(waits(af::fill_decision(o, above)));
  expect_fill(af::fill_decision(o, af::BacktestBar{kDay, 102.0, 104.0, 101.0, 103.0, 1.0, 0}),
              102.0, L::kMaker);
}

TEST(FillDecision, StopLimitsFiredInsideTheBarFollowItsDirection) {
  using S = af::OrderSide;
  using T = af::OrderType;
  using L = af::Liquidity;
  // Closes below its open: read as open, high, low, close. A buy stop at 104 fires on the way
  // up; a limit below the stop is reached on the way down when the close is at or below it.
  const af::BacktestBar falls{kDay, 103.0, 105.0, 101.0, 102.0, 1.0, 0};
  auto o = order(S::kBuy, T::kStopLimit, 103.5, 104.0);
  expect_fill(af::fill_decision(o, falls), 103.5, L::kMaker);
  o = order(S::kBuy, T::kStopLimit, 101.5, 104.0);  // the close 102 stays above the limit
  EXPECT_TRUE(waits(af::fill_decision(o, falls)));
  EXPECT_TRUE(o.triggered);
  o = order(S::kBuy, T::kStopLimit, 104.5, 104.0);  // limit through the stop: at the stop
  expect_fill(af::fill_decision(o, falls), 104.0, L::kTaker);
  // Closes above its open: read as open, low, high, close. The stop fires on the way to the
  // high; the bar does not come back down to a limit below the stop.
  const af::BacktestBar rises{kDay, 103.0, 105.0, 101.0, 104.5, 1.0, 0};
  o = order(S::kBuy, T::kStopLimit, 103.5, 104.0);
  EXPECT_TRUE(waits(af::fill_decision(o, rises)));
  // Once triggered it rests as a limit: the next bar fills it by the limit rules.
  expect_fill(af::fill_decision(o, af::BacktestBar{2 * kDay, 103.8, 104.0, 103.0, 103.5, 1.0, 0}),
              103.5, L::kMaker);
  // Sells mirror it: a bar closing at or above its open comes back up after the trigger.
  o = order(S::kSell, T::kStopLimit, 102.5, 102.0);
  expect_fill(af::fill_decision(o, rises), 102.5, L::kMaker);
  o = order(S::kSell, T::kStopLimit, 102.5, 102.0);
  EXPECT_TRUE(waits(af::fill_decision(o, falls)));
}

TEST(BarBacktest, MarketOrderFillsAtNextOpenAndAccounts) {
  af::BarBacktest b(config(10'000.0, 0.001));
  Fixture f;
  f.add(b);
  int calls = 0;
  b.run([&](const af::BacktestBar& bar) {
    if (calls++ == 0) {
      EXPECT_EQ(bar.close, 101.0);
      b.submit(af::OrderRequest{"X", "s", "", af::OrderSide::kBuy, af::OrderType::kMarket,
                                af::TimeInForce::kGtc, 10.0, {}, {}});
    }
  });
  EXPECT_EQ(calls, 3);
  ASSERT_EQ(b.fills().size(), 1u);
  EXPECT_EQ(b.fills()[0].price, 103.0);
  EXPECT_EQ(b.fills()[0].ts_ns, kDay);
  EXPECT_NEAR(b.fills()[0].fee, 1.03, 1e-12);
  const double cash = 10'000.0 - 1030.0 - 1.03;
  ASSERT_EQ(b.equity().size(), 3u);
  EXPECT_DOUBLE_EQ(b.equity()[0].equity, 10'000.0);
  EXPECT_NEAR(b.equity()[1].equity, cash + 1040.0, 1e-9);
  EXPECT_NEAR(b.equity()[2].cash, cash, 1e-9);
  EXPECT_NEAR(b.equity()[2].equity, cash + 1000.0, 1e-9);
  EXPECT_EQ(b.position("X", "s"), 10.0);
}

TEST(BarBacktest, RefusesBadBarsAndOrders) {
  af::BarBacktest b(config(1'000.0, 0.0));
  Fixture f;
  f.ts[2] = f.ts[1];
  EXPECT_THROW(f.add(b), std::invalid_argument);
  f = Fixture{};
  f.high[1] = 102.0;  // below the open 103
  EXPECT_THROW(f.add(b), std::invalid_argument);
  f = Fixture{};
  f.close[0] = 0.0;
  EXPECT_THROW(f.add(b), std::invalid_argument);
  EXPECT_TRUE(b.symbols().empty());
  f = Fixture{};
  f.add(b);
  EXPECT_THROW(f.add(b), std::invalid_argument);
  EXPECT_THROW(b.submit(af::OrderRequest{"Y", "s", "", af::OrderSide::kBuy, af::OrderType::kMarket,
                                         af::TimeInForce::kGtc, 1.0, {}, {}}),
               std::invalid_argument);
  EXPECT_THROW(b.submit(af::OrderRequest{"X", "s", "", af::OrderSide::kBuy, af::OrderType::kLimit,
                                         af::TimeInForce::kGtc, 1.0, {}, {}}),
               std::invalid_argument);
  EXPECT_EQ(b.order_count(), 0u);
  EXPECT_THROW(b.cancel(7), std::invalid_argument);
}
