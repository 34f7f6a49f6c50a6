#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "alphaforge/live_feed.hpp"
#include "backtest_test_orders.hpp"

namespace af = alphaforge;

namespace {

af::TradeTick trade(std::uint32_t symbol, std::int64_t ts, double price) {
  return af::TradeTick{ts, price, 1.0, 0, symbol, 0};
}

struct Recorder {
  std::vector<std::string> events;
  void attach(af::LiveFeed& feed) {
    feed.set_handlers(
        [this](const af::TradeTick& t) { events.push_back("trade " + std::to_string(t.price)); },
        [this](const af::QuoteTick& q) { events.push_back("quote " + std::to_string(q.bid)); },
        [this](const af::MatchEvent& m) {
          events.push_back("fill " + std::to_string(m.order_id) + " " +
                           std::to_string(m.decision.price));
        });
  }
};

}  // namespace

TEST(TickMatcher, FillsByTheTickModelAfterTheLatency) {
  af::TickMatcher matcher(5);
  matcher.add(0, test_order(af::OrderSide::kBuy, af::OrderType::kMarket, {}, {}), 0, 100);
  std::vector<af::MatchEvent> out;
  matcher.on_trade(0, 0, 104, 10.0, out);  // before 100 + 5
  EXPECT_TRUE(out.empty());
  matcher.on_quote(0, 1, 105, 9.5, 10.5, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].decision.price, 10.5);  // the ask
  EXPECT_EQ(matcher.pending(), 0u);
  EXPECT_THROW(af::TickMatcher(-1), std::invalid_argument);
  EXPECT_THROW(matcher.add(0, test_order(af::OrderSide::kBuy, af::OrderType::kLimit, {}, {}), 0, 0),
               std::invalid_argument);
}

TEST(LiveFeed, OrdersFromATickBarFillOnTheNextTradeFromATimeBarOnTheOneThatClosedIt) {
  af::LiveFeed feed(0);
  Recorder r;
  r.attach(feed);
  const std::uint32_t x = feed.intern("X");
  feed.watch_trades(x);
  std::uint64_t next = 1;
  feed.subscribe_bars("X", af::BarSpec::ticks(2), [&](const af::Bar&) {
    feed.add_paper_order(x, [&] {
      auto o = test_order(af::OrderSide::kBuy, af::OrderType::kMarket, {}, {});
      o.id = next++;
      return o;
    }());
  });
  for (int i = 0; i < 3; ++i) feed.on_trade(trade(x, i, 100.0 + i));
  EXPECT_EQ(r.events, (std::vector<std::string>{"trade 100.000000", "trade 101.000000",
                                                "fill 1 102.000000", "trade 102.000000"}));

  af::LiveFeed timed(0);
  Recorder t;
  t.attach(timed);
  const std::uint32_t y = timed.intern("Y");
  timed.subscribe_bars("Y", af::BarSpec::time(10), [&](const af::Bar&) {
    timed.add_paper_order(y, test_order(af::OrderSide::kBuy, af::OrderType::kMarket, {}, {}));
  });
  timed.on_trade(trade(y, 1, 100.0));
  timed.on_trade(trade(y, 12, 101.0));  // closes the first bar, and fills its order
  EXPECT_EQ(t.events, (std::vector<std::string>{"fill 1 101.000000"}));
}

TEST(LiveFeed, BadDataChangesNothing) {
  af::LiveFeed feed(std::nullopt);
  const std::uint32_t x = feed.intern("X");
  feed.on_trade(trade(x, 10, 100.0));
  EXPECT_THROW(feed.on_trade(trade(x, 5, 100.0)), std::invalid_argument);  // older
  EXPECT_THROW(feed.on_trade(trade(x, 11, -1.0)), std::invalid_argument);
  EXPECT_EQ(feed.events(), 1u);
  EXPECT_EQ(feed.now_ns(), 10);
  EXPECT_THROW(feed.add_paper_order(x, test_order(af::OrderSide::kBuy, af::OrderType::kMarket,
                                                  {}, {})),
               std::logic_error);
}
