#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "alphaforge/data_engine.hpp"

using alphaforge::Bar;
using alphaforge::BarSpec;
using alphaforge::DataEngine;
using alphaforge::DataEngineConfig;
using alphaforge::QuoteTick;
using alphaforge::TradeTick;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TradeTick trade(std::uint32_t symbol, std::int64_t ts, double price, double size) {
  TradeTick t{};
  t.symbol_id = symbol;
  t.ts_ns = ts;
  t.price = price;
  t.size = size;
  return t;
}

QuoteTick quote(std::uint32_t symbol, std::int64_t ts, double bid, double ask) {
  return QuoteTick{ts, bid, ask, 1.0, 2.0, symbol};
}

}  // namespace

TEST(DataEngine, SymbolsAreInternedOnce) {
  DataEngine engine;
  const auto a = engine.intern("BTCUSDT");
  EXPECT_EQ(engine.intern("BTCUSDT"), a);
  EXPECT_NE(engine.intern("ETHUSDT"), a);
  EXPECT_EQ(engine.symbol_name(a), "BTCUSDT");
  EXPECT_EQ(engine.find_symbol("XRP"), std::nullopt);
  EXPECT_THROW(engine.intern(""), std::invalid_argument);
  DataEngineConfig small;
  small.max_symbols = 1;
  DataEngine one(small);
  one.intern("A");
  EXPECT_THROW(one.intern("B"), std::invalid_argument);
}

TEST(DataEngine, TradeIsAppliedBeforeTheCallReturns) {
  DataEngine engine;
  const auto id = engine.intern("BTCUSDT");
  std::vector<Bar> bars;
  std::vector<TradeTick> trades;
  engine.subscribe_bars("BTCUSDT", BarSpec::parse("1s"), [&](const Bar& b) { bars.push_back(b); });
  engine.subscribe_trades("BTCUSDT", [&](const TradeTick& t) { trades.push_back(t); });
  EXPECT_EQ(engine.last_trade(id), std::nullopt);
  engine.process_trade(trade(id, 100, 10.0, 1.0));
  ASSERT_TRUE(engine.last_trade("BTCUSDT"));
  EXPECT_EQ(engine.last_trade(id)->price, 10.0);
  EXPECT_EQ(trades.size(), 1u);
  engine.process_trade(trade(id, kSecond + 5, 11.0, 2.0));
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(bars[0].close, 10.0);
  EXPECT_EQ(bars[0].symbol_id, id);
  engine.flush();
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[1].open, 11.0);
  const auto stats = engine.statistics();
  EXPECT_EQ(stats.ticks_processed, 2u);
  EXPECT_EQ(stats.bars_emitted, 2u);
}

TEST(DataEngine, BadTradesAreRejectedAndChangeNothing) {
  DataEngine engine;
  const auto id = engine.intern("X");
  engine.process_trade(trade(id, 1000, 10.0, 1.0));
  EXPECT_THROW(engine.process_trade(trade(id, 999, 10.0, 1.0)), std::invalid_argument);
  EXPECT_THROW(engine.process_trade(trade(id, 2000, std::nan(""), 1.0)), std::invalid_argument);
  EXPECT_THROW(engine.process_trade(trade(id, 2000, -1.0, 1.0)), std::invalid_argument);
  EXPECT_THROW(engine.process_trade(trade(id, 2000, 1.0, -1.0)), std::invalid_argument);
  EXPECT_THROW(engine.process_trade(trade(7, 2000, 1.0, 1.0)), std::invalid_argument);
  EXPECT_EQ(engine.last_trade(id)->ts_ns, 1000);
  EXPECT_EQ(engine.statistics().ticks_processed, 1u);
}

TEST(DataEngine, BatchIsAllOrNothing) {
  DataEngine engine;
  const auto id = engine.intern("X");
  std::vector<Bar> bars;
  engine.subscribe_bars("X", BarSpec::ticks(1), [&](const Bar& b) { bars.push_back(b); });
  const std::int64_t ts[] = {1, 2, 3};
  const double price[] = {1.0, 2.0, std::nan("")};
  const double size[] = {1.0, 1.0, 1.0};
  try {
    engine.process_trades(id, ts, price, size, nullptr, nullptr, 3);
    FAIL() << "a NaN price must be rejected";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "price[2] = nan: must be a finite number > 0");
  }
  EXPECT_TRUE(bars.empty());
  EXPECT_EQ(engine.last_trade(id), std::nullopt);
  EXPECT_THROW(engine.process_trades(id, ts, price, size, nullptr, nullptr, 0),
               std::invalid_argument);
  engine.process_trades(id, ts, price, size, nullptr, nullptr, 2);
  EXPECT_EQ(bars.size(), 2u);
  const std::int8_t bad_side[] = {1, 5};
  const std::int64_t later[] = {5, 6};
  EXPECT_THROW(engine.process_trades(id, later, price, size, bad_side, nullptr, 2),
               std::invalid_argument);
  EXPECT_EQ(engine.last_trade(id)->ts_ns, 2);
}

TEST(DataEngine, QuotesKeepTheBestBidAndAsk) {
  DataEngine engine;
  const auto id = engine.intern("EURUSD");
  int seen = 0;
  engine.subscribe_quotes("EURUSD", [&](const QuoteTick&) { ++seen; });
  engine.process_quote(quote(id, 10, 1.1, 1.2));
  EXPECT_THROW(engine.process_quote(quote(id, 11, 1.3, 1.2)), std::invalid_argument);
  EXPECT_THROW(engine.process_quote(quote(id, 9, 1.1, 1.2)), std::invalid_argument);
  const auto q = engine.best_quote("EURUSD");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->bid, 1.1);
  EXPECT_EQ(q->ask, 1.2);
  EXPECT_EQ(q->bid_size, 1.0);
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(engine.statistics().quotes_processed, 1u);
}

TEST(DataEngine, SubscribersOfOneSpecShareAnAggregator) {
  DataEngine engine;
  const auto id = engine.intern("X");
  int first = 0, second = 0;
  const auto a = engine.subscribe_bars("X", BarSpec::ticks(2), [&](const Bar&) { ++first; });
  engine.subscribe_bars("X", BarSpec::ticks(2), [&](const Bar&) { ++second; });
  for (int i = 0; i < 4; ++i) engine.process_trade(trade(id, i, 1.0, 1.0));
  EXPECT_EQ(first, 2);
  EXPECT_EQ(second, 2);
  EXPECT_EQ(engine.statistics().bars_emitted, 2u) << "one bar built and counted once";
  EXPECT_TRUE(engine.unsubscribe(a));
  EXPECT_FALSE(engine.unsubscribe(a));
  for (int i = 4; i < 6; ++i) engine.process_trade(trade(id, i, 1.0, 1.0));
  EXPECT_EQ(first, 2);
  EXPECT_EQ(second, 3);
}

TEST(DataEngine, DirectCallsWhileRunningGoThroughTheEngineThreadInOrder) {
  DataEngine engine;
  const auto id = engine.intern("X");
  std::vector<double> seen;
  std::thread::id handler_thread;
  engine.subscribe_trades("X", [&](const TradeTick& t) {
    seen.push_back(t.price);
    handler_thread = std::this_thread::get_id();
  });
  engine.start();
  for (int i = 1; i <= 1000; ++i) engine.process_trade(trade(id, i, i, 1.0));
  engine.process_trade(trade(id, 5, 1.0, 1.0));  // older than the last: counted, not applied
  EXPECT_THROW(engine.process_trade(trade(id, 2000, -1.0, 1.0)), std::invalid_argument);
  EXPECT_THROW(engine.subscribe_trades("X", [](const TradeTick&) {}), std::logic_error);
  ASSERT_TRUE(engine.wait_until_drained(std::chrono::seconds(10)));
  engine.stop();
  ASSERT_EQ(seen.size(), 1000u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<double>(i + 1));
  EXPECT_NE(handler_thread, std::this_thread::get_id());
  EXPECT_EQ(engine.statistics().ticks_processed, 1000u);
  EXPECT_EQ(engine.statistics().rejected, 1u);
  engine.process_trade(trade(id, 1001, 1.0, 1.0));  // stopped: applied on this thread
  EXPECT_EQ(engine.statistics().ticks_processed, 1001u);
}

TEST(DataEngine, ConfigIsValidated) {
  DataEngineConfig c;
  c.ring_capacity = 0;
  EXPECT_THROW(DataEngine{c}, std::invalid_argument);
  c = {};
  c.drain_batch = 0;
  EXPECT_THROW(DataEngine{c}, std::invalid_argument);
}
