#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "alphaforge/tick_backtest.hpp"

namespace af = alphaforge;

namespace {

// A snapshot (id 5) at t=1 and one diff (id 6) at t=3, with a trade at t=3 added after it.
struct DepthReplay {
  std::vector<std::int64_t> ts{1, 1, 3};
  std::vector<std::uint8_t> is_bid{1, 0, 1};
  std::vector<double> price{99.0, 101.0, 99.5};
  std::vector<double> size{2.0, 3.0, 1.0};
  std::vector<std::int64_t> update_id{5, 5, 6};
  std::vector<std::uint8_t> snapshot{1, 1, 0};
  af::TickBacktestConfig config;
  af::TickBacktest backtest{config};

  void add() {
    backtest.add_depth("X", ts.data(), is_bid.data(), price.data(), size.data(),
                       update_id.data(), snapshot.data(), ts.size());
  }
};

}  // namespace

TEST(TickBacktestDepth, AppliesEachMessageInTimeOrderWithTrades) {
  DepthReplay r;
  r.add();
  const std::vector<std::int64_t> trade_ts{3};
  const std::vector<double> trade_px{100.0}, trade_sz{1.0};
  r.backtest.add_trades("X", trade_ts.data(), trade_px.data(), trade_sz.data(), 1);
  r.backtest.subscribe_book("X");
  r.backtest.subscribe_trades("X");
  std::vector<std::string> seen;
  r.backtest.run(
      [&](const af::TradeTick& t) { seen.push_back("trade@" + std::to_string(t.ts_ns)); },
      [](const af::QuoteTick&) {}, {}, {},
      [&](std::uint32_t, const af::DepthBook& book) {
        seen.push_back(std::to_string(book.update_id) + "@" + std::to_string(book.ts_ns) +
                       " bid " + af::to_decimal(book.grid().ticks_to_price(
                                     book.best(af::OrderSide::kBuy)->price)));
      });
  // Equal timestamps: the depth series was added first.
  EXPECT_EQ(seen, (std::vector<std::string>{"5@1 bid 99", "6@3 bid 99.5", "trade@3"}));
  EXPECT_EQ(r.backtest.event_count(), 3u);
}

TEST(TickBacktestDepth, RefusesBadRowsNamingThemAndKeepsNothing) {
  DepthReplay r;
  r.size[2] = -1.0;
  try {
    r.add();
    FAIL() << "a negative size was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("size[2] = -1 must be finite and >= 0", 0), 0u)
        << e.what();
  }
  EXPECT_FALSE(r.backtest.symbol_id("X").has_value());
  r.size[2] = 1.0;
  r.ts[1] = 2;  // one message, two timestamps
  EXPECT_THROW(r.add(), std::invalid_argument);
  r.ts[1] = 1;
  r.add();
  EXPECT_THROW(r.add(), std::invalid_argument);  // a second depth series
  EXPECT_THROW(r.backtest.subscribe_book("Y"), std::invalid_argument);
}
