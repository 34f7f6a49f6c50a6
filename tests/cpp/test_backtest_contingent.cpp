#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "alphaforge/backtest.hpp"

namespace af = alphaforge;

namespace {

constexpr std::int64_t kDay = 86'400'000'000'000;

// Two quiet days, a day reaching both 95 and 105, a quiet day.
struct Bars {
  std::vector<std::int64_t> ts{0, kDay, 2 * kDay, 3 * kDay};
  std::vector<double> open{100.0, 100.0, 100.0, 100.0};
  std::vector<double> high{101.0, 101.0, 110.0, 101.0};
  std::vector<double> low{99.0, 99.0, 90.0, 99.0};
  std::vector<double> close{100.0, 100.0, 100.0, 100.0};
  std::vector<double> volume{1.0, 1.0, 1.0, 1.0};

  void add(af::BarBacktest& b) {
    b.add_bars("X", ts.data(), open.data(), high.data(), low.data(), close.data(), volume.data(),
               ts.size());
  }
};

af::BacktestConfig config() {
  af::BacktestConfig c;
  c.engine.starting_cash = 100'000.0;
  return c;
}

af::OrderRequest request(af::OrderSide side, af::OrderType type, double qty) {
  af::OrderRequest r;
  r.symbol = "X";
  r.strategy_id = "s";
  r.side = side;
  r.type = type;
  r.quantity = qty;
  return r;
}

}  // namespace

TEST(BacktestContingent, BracketOnABarReachingBothFillsTheStopLossOnly) {
  af::BarBacktest b(config());
  Bars bars;
  bars.add(b);
  std::uint64_t entry = 0;
  b.run([&](const af::BacktestBar&) {
    if (entry == 0) {
      entry = b.submit_bracket(request(af::OrderSide::kBuy, af::OrderType::kMarket, 10.0), 95.0,
                               105.0);
    }
  });
  ASSERT_EQ(b.fills().size(), 2U);
  EXPECT_EQ(b.fills()[0].price, 100.0);
  EXPECT_EQ(b.fills()[1].price, 95.0);
  EXPECT_EQ(b.position("X", "s"), 0.0);
  const auto children = b.bracket_children(entry);
  EXPECT_EQ(b.order_record(children.stop_loss).status, af::OrderStatus::kFilled);
  EXPECT_EQ(b.order_record(children.take_profit).status, af::OrderStatus::kCanceled);
}

TEST(BacktestContingent, CancelingAnOcoMemberCancelsTheOthers) {
  af::BarBacktest b(config());
  Bars bars;
  bars.add(b);
  std::vector<std::uint64_t> ids;
  b.run([&](const af::BacktestBar& bar) {
    if (bar.ts_ns != 0) return;
    auto limit = request(af::OrderSide::kBuy, af::OrderType::kLimit, 1.0);
    limit.price = 80.0;
    ids.push_back(b.submit(limit, {}));
    af::Contingency terms;
    terms.oco = ids[0];
    limit.price = 70.0;
    ids.push_back(b.submit(limit, terms));
    ids.push_back(b.submit(limit, terms));
    EXPECT_TRUE(b.cancel(ids[1]));
  });
  for (const std::uint64_t id : ids) {
    EXPECT_EQ(b.order_record(id).status, af::OrderStatus::kCanceled) << id;
  }
}

TEST(BacktestContingent, TrailedStopMovesTowardTheMarketOnly) {
  af::BacktestOrder sell{};
  sell.side = af::OrderSide::kSell;
  sell.trail_amount = 2.0;
  EXPECT_EQ(af::trailed_stop(sell, 100.0), 98.0);
  sell.stop_price = 98.0;
  EXPECT_EQ(af::trailed_stop(sell, 99.0), 98.0);
  EXPECT_EQ(af::trailed_stop(sell, 101.0), 99.0);
  af::BacktestOrder buy{};
  buy.side = af::OrderSide::kBuy;
  buy.trail_percent = 0.1;
  buy.stop_price = 110.0;
  EXPECT_EQ(af::trailed_stop(buy, 120.0), 110.0);
  EXPECT_DOUBLE_EQ(af::trailed_stop(buy, 90.0), 99.0);
}

TEST(BacktestContingent, ModifyOfAFilledOrderIsRefusedAndChangesNothing) {
  af::BarBacktest b(config());
  Bars bars;
  bars.add(b);
  std::uint64_t id = 0;
  b.run([&](const af::BacktestBar& bar) {
    if (bar.ts_ns == 0) id = b.submit(request(af::OrderSide::kBuy, af::OrderType::kMarket, 2.0));
    if (bar.ts_ns == kDay) {
      EXPECT_THROW(b.modify(id, std::nullopt, 1.0, std::nullopt), std::invalid_argument);
    }
  });
  EXPECT_EQ(b.order_record(id).quantity, 2.0);
  EXPECT_EQ(b.order_record(id).status, af::OrderStatus::kFilled);
}
