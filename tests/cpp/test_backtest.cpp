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

TEST(FillPrice, FollowsBacktraderConventions) {
  const af::BacktestBar bar{kDay, 103.0, 105.0, 101.0, 104.0, 1.0, 0};
  using S = af::OrderSide;
  using T = af::OrderType;
  auto o = order(S::kBuy, T::kMarket, {}, {});
  EXPECT_EQ(af::fill_price(o, bar), 103.0);
  o = order(S::kBuy, T::kLimit, 104.0, {});
  EXPECT_EQ(af::fill_price(o, bar), 103.0);  // opens below the limit
  o = order(S::kBuy, T::kLimit, 102.0, {});
  EXPECT_EQ(af::fill_price(o, bar), 102.0);  // the low reaches it
  o = order(S::kBuy, T::kLimit, 100.0, {});
  EXPECT_FALSE(af::fill_price(o, bar).has_value());
  o = order(S::kSell, T::kLimit, 104.5, {});
  EXPECT_EQ(af::fill_price(o, bar), 104.5);
  o = order(S::kSell, T::kLimit, 102.0, {});
  EXPECT_EQ(af::fill_price(o, bar), 103.0);
  o = order(S::kBuy, T::kStop, {}, 104.0);
  EXPECT_EQ(af::fill_price(o, bar), 104.0);
  EXPECT_TRUE(o.triggered);
  o = order(S::kBuy, T::kStop, {}, 102.0);
  EXPECT_EQ(af::fill_price(o, bar), 103.0);
  o = order(S::kSell, T::kStop, {}, 101.5);
  EXPECT_EQ(af::fill_price(o, bar), 101.5);
  o = order(S::kSell, T::kStop, {}, 100.0);
  EXPECT_FALSE(af::fill_price(o, bar).has_value());
  EXPECT_FALSE(o.triggered);
  // Triggered at 104 during the bar, then a limit at 103.5 reached by the low.
  o = order(S::kBuy, T::kStopLimit, 103.5, 104.0);
  EXPECT_EQ(af::fill_price(o, bar), 103.5);
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
  EXPECT_TRUE(b.orders().empty());
  EXPECT_THROW(b.cancel(7), std::invalid_argument);
}
