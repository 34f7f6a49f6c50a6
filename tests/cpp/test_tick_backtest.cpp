#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "alphaforge/tick_backtest.hpp"
#include "alphaforge/tick_fill_model.hpp"
#include "backtest_test_orders.hpp"

namespace af = alphaforge;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
using S = af::OrderSide;
using T = af::OrderType;
using L = af::Liquidity;

af::BacktestOrder order(af::OrderSide side, af::OrderType type, std::optional<double> price,
                        std::optional<double> stop) {
  return test_order(side, type, price, stop);
}

af::TickMarket print(double price) { return af::TickMarket{true, price, false, 0.0, 0.0}; }
af::TickMarket quote(double bid, double ask) { return af::TickMarket{false, 0.0, true, bid, ask}; }


}  // namespace

TEST(TickFill, MarketTakesTheOppositeQuoteElseThePrint) {
  auto o = order(S::kBuy, T::kMarket, {}, {});
  expect_fill(af::tick_fill(o, print(100.0)), 100.0, L::kTaker);
  expect_fill(af::tick_fill(o, quote(99.0, 101.0)), 101.0, L::kTaker);
  o = order(S::kSell, T::kMarket, {}, {});
  expect_fill(af::tick_fill(o, quote(99.0, 101.0)), 99.0, L::kTaker);
  // A print while a quote is in force: the quote decides the price.
  expect_fill(af::tick_fill(o, af::TickMarket{true, 100.0, true, 99.5, 100.5}), 99.5, L::kTaker);
}

TEST(TickFill, LimitTakesWhenMarketableElseRestsUntilTradedThrough) {
  auto o = order(S::kBuy, T::kLimit, 100.0, {});
  expect_fill(af::tick_fill(o, print(99.5)), 99.5, L::kTaker);
  o = order(S::kBuy, T::kLimit, 100.0, {});
  EXPECT_TRUE(waits(af::tick_fill(o, print(100.5))));
  EXPECT_TRUE(o.resting);
  EXPECT_TRUE(waits(af::tick_fill(o, print(100.0))));  // at the limit: not through
  expect_fill(af::tick_fill(o, print(99.5)), 100.0, L::kMaker);
  o = order(S::kBuy, T::kLimit, 100.0, {});
  EXPECT_TRUE(waits(af::tick_fill(o, quote(99.5, 100.5))));
  expect_fill(af::tick_fill(o, quote(99.0, 100.0)), 100.0, L::kMaker);
  o = order(S::kSell, T::kLimit, 100.0, {});
  EXPECT_TRUE(waits(af::tick_fill(o, print(99.5))));
  EXPECT_TRUE(waits(af::tick_fill(o, print(100.0))));
  expect_fill(af::tick_fill(o, print(100.5)), 100.0, L::kMaker);
  o = order(S::kSell, T::kLimit, 100.0, {});
  EXPECT_TRUE(waits(af::tick_fill(o, quote(99.5, 100.5))));
  expect_fill(af::tick_fill(o, quote(100.0, 100.5)), 100.0, L::kMaker);
}

TEST(TickFill, StopsFireOnThePrintOrTheSideTheyTake) {
  auto o = order(S::kBuy, T::kStop, {}, 101.0);
  EXPECT_TRUE(waits(af::tick_fill(o, print(100.5))));
  EXPECT_TRUE(waits(af::tick_fill(o, quote(100.5, 100.5))));
  expect_fill(af::tick_fill(o, quote(100.5, 101.0)), 101.0, L::kTaker);
  o = order(S::kSell, T::kStop, {}, 99.0);
  expect_fill(af::tick_fill(o, print(98.5)), 98.5, L::kTaker);
  o = order(S::kBuy, T::kStopLimit, 101.5, 101.0);
  EXPECT_TRUE(waits(af::tick_fill(o, print(102.0))));
  EXPECT_TRUE(o.triggered);
  EXPECT_TRUE(o.resting);
  expect_fill(af::tick_fill(o, print(101.0)), 101.5, L::kMaker);
}

namespace {

struct Replay {
  af::TickBacktest backtest;
  std::vector<std::int64_t> ts{1 * kSecond, 2 * kSecond, 3 * kSecond};
  std::vector<double> price{100.0, 101.0, 99.0};
  std::vector<double> size{1.0, 1.0, 1.0};

  explicit Replay(std::int64_t latency_ns = 0) : backtest(config(latency_ns)) {
    backtest.add_trades("X", ts.data(), price.data(), size.data(), ts.size());
  }

  static af::TickBacktestConfig config(std::int64_t latency_ns) {
    af::TickBacktestConfig c;
    c.backtest.engine.starting_cash = 10'000.0;
    c.backtest.engine.fees = af::FeeSchedule{0.0, 0.001};
    c.latency_ns = latency_ns;
    return c;
  }

  af::OrderRequest buy(double qty) const {
    af::OrderRequest r;
    r.symbol = "X";
    r.strategy_id = "s";
    r.quantity = qty;
    return r;
  }
};

}  // namespace

TEST(TickBacktest, FillsOnTheEventAfterTheOneSeenAndBooksTheFee) {
  Replay r;
  int trades = 0;
  r.backtest.subscribe_trades("X");
  r.backtest.run(
      [&](const af::TradeTick&) {
        if (trades++ == 0) r.backtest.submit(r.buy(2.0));
      },
      [](const af::QuoteTick&) {});
  ASSERT_EQ(r.backtest.fills().size(), 1u);
  const af::BacktestFill& f = r.backtest.fills()[0];
  EXPECT_EQ(f.ts_ns, 2 * kSecond);
  EXPECT_EQ(f.price, 101.0);
  EXPECT_DOUBLE_EQ(f.fee, 0.202);
  EXPECT_EQ(r.backtest.position("X", "s"), 2.0);
  // Marked at the last print (99) at the end.
  EXPECT_DOUBLE_EQ(r.backtest.equity().back().equity, 10'000.0 - 202.0 - 0.202 + 198.0);
}

TEST(TickBacktest, LatencyPushesTheFillToALaterEvent) {
  Replay r(kSecond + 1);
  int trades = 0;
  r.backtest.subscribe_trades("X");
  r.backtest.run(
      [&](const af::TradeTick&) {
        if (trades++ == 0) r.backtest.submit(r.buy(1.0));
      },
      [](const af::QuoteTick&) {});
  ASSERT_EQ(r.backtest.fills().size(), 1u);
  EXPECT_EQ(r.backtest.fills()[0].ts_ns, 3 * kSecond);
}

TEST(TickBacktest, RefusesBadDataAndMisuse) {
  Replay r;
  EXPECT_THROW(r.backtest.add_trades("X", r.ts.data(), r.price.data(), r.size.data(), 3),
               std::invalid_argument);
  std::vector<std::int64_t> back{2, 1};
  std::vector<double> two{1.0, 1.0};
  EXPECT_THROW(r.backtest.add_trades("Y", back.data(), two.data(), two.data(), 2),
               std::invalid_argument);
  EXPECT_FALSE(r.backtest.symbol_id("Y").has_value());
  EXPECT_THROW(r.backtest.subscribe_quotes("X"), std::invalid_argument);
  EXPECT_THROW(r.backtest.cancel(7), std::invalid_argument);
  af::TickBacktestConfig bad;
  bad.latency_ns = -1;
  EXPECT_THROW(af::TickBacktest{bad}, std::invalid_argument);
  r.backtest.run([](const af::TradeTick&) {}, [](const af::QuoteTick&) {});
  EXPECT_THROW(r.backtest.run([](const af::TradeTick&) {}, [](const af::QuoteTick&) {}),
               std::invalid_argument);
}
