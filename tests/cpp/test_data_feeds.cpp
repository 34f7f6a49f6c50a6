#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "alphaforge/data_engine.hpp"

using alphaforge::Bar;
using alphaforge::BarSpec;
using alphaforge::DataEngine;
using alphaforge::DataEngineConfig;
using alphaforge::MarketEvent;
using alphaforge::Overflow;
using alphaforge::TradeTick;

namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::int64_t kTicks = 500'000;  // the sanitizers slow each access 5-20x
#else
constexpr std::int64_t kTicks = 10'000'000;
#endif

MarketEvent trade_event(std::uint32_t symbol, std::int64_t i) {
  TradeTick t{};
  t.symbol_id = symbol;
  t.ts_ns = i * 1'000'000;  // one a millisecond
  t.price = 100.0 + static_cast<double>(i % 1000) * 0.01;
  t.size = 1.0;
  t.trade_id = i;
  return MarketEvent::of(t);
}

// Publishes ticks [0, count) in batches from the calling thread.
void produce(alphaforge::MarketChannel& channel, std::uint32_t symbol, std::int64_t count) {
  std::vector<MarketEvent> batch;
  for (std::int64_t i = 0; i < count;) {
    batch.clear();
    for (; i < count && batch.size() < 512; ++i) batch.push_back(trade_event(symbol, i));
    ASSERT_EQ(channel.publish(batch.data(), batch.size()), batch.size());
  }
}

}  // namespace

// A producer thread feeds ten million ticks through a small SPSC ring; the engine thread
// aggregates them into 1-second bars. Nothing is lost, reordered or dropped.
TEST(DataEngineThreads, ProducerThreadLosesNothing) {
  DataEngineConfig config;
  config.ring_capacity = 4096;
  DataEngine engine(config);
  const auto id = engine.intern("BTCUSDT");
  std::int64_t bar_trades = 0, bars = 0, last_open = -1;
  bool ordered = true;
  engine.subscribe_bars("BTCUSDT", BarSpec::parse("1s"), [&](const Bar& b) {
    bar_trades += b.trade_count;
    ordered = ordered && b.ts_open_ns > last_open;
    last_open = b.ts_open_ns;
    ++bars;
  });
  std::int64_t next_id = 0;
  bool in_sequence = true;
  engine.subscribe_trades("BTCUSDT", [&](const TradeTick& t) {
    in_sequence = in_sequence && t.trade_id == next_id;
    ++next_id;
  });
  auto& channel = engine.open_channel(false);
  engine.start();
  std::thread producer([&] { produce(channel, id, kTicks); });
  // Meanwhile another thread reads the last price, as an execution engine would.
  std::atomic<bool> done{false};
  std::thread reader([&] {
    double last = 0.0;
    while (!done.load(std::memory_order_acquire)) {
      if (const auto t = engine.last_trade(id)) last = t->price;
    }
    EXPECT_GE(last, 0.0);
  });
  producer.join();
  ASSERT_TRUE(engine.wait_until_drained(std::chrono::seconds(120)));
  done.store(true, std::memory_order_release);
  reader.join();
  engine.stop();

  const auto stats = engine.statistics();
  EXPECT_EQ(stats.ticks_processed, static_cast<std::uint64_t>(kTicks));
  EXPECT_EQ(stats.dropped, 0u);
  EXPECT_EQ(stats.rejected, 0u);
  EXPECT_LE(stats.queue_high_water, 4096u);
  EXPECT_TRUE(in_sequence);
  EXPECT_EQ(next_id, kTicks);
  EXPECT_EQ(bar_trades, kTicks) << "stop() flushes the last bar";
  EXPECT_EQ(bars, (kTicks + 999) / 1000);
  EXPECT_TRUE(ordered);
  EXPECT_EQ(engine.last_trade(id)->ts_ns, (kTicks - 1) * 1'000'000);
}

TEST(DataEngineThreads, SeveralProducersShareAnMpmcChannel) {
  DataEngine engine;
  const auto a = engine.intern("A");
  const auto b = engine.intern("B");
  auto& channel = engine.open_channel(true);
  engine.start();
  constexpr std::int64_t kEach = kTicks / 20;
  std::thread pa([&] { produce(channel, a, kEach); });
  std::thread pb([&] { produce(channel, b, kEach); });
  pa.join();
  pb.join();
  engine.stop();
  EXPECT_EQ(engine.statistics().ticks_processed, static_cast<std::uint64_t>(2 * kEach));
  EXPECT_EQ(engine.statistics().rejected, 0u) << "per-symbol order survives the shared ring";
}

TEST(DataEngineThreads, DropPolicyCountsWhatDidNotFit) {
  DataEngineConfig config;
  config.ring_capacity = 8;
  config.overflow = Overflow::kDrop;
  DataEngine engine(config);
  const auto id = engine.intern("X");
  auto& channel = engine.open_channel(false);
  std::vector<MarketEvent> events;
  for (int i = 0; i < 20; ++i) events.push_back(trade_event(id, i));
  // Engine not started: nobody drains, so only the ring's 8 slots are taken.
  EXPECT_EQ(channel.publish(events.data(), events.size()), 8u);
  auto stats = engine.statistics();
  EXPECT_EQ(stats.dropped, 12u);
  EXPECT_EQ(stats.queue_high_water, 8u);
  engine.start();
  engine.stop();
  EXPECT_EQ(engine.statistics().ticks_processed, 8u);
  EXPECT_EQ(channel.publish(events.data(), 1), 0u) << "a stopped engine's channels are closed";
  EXPECT_EQ(engine.statistics().dropped, 13u);
}

TEST(DataEngineThreads, InvalidEventsFromRingsAreCountedAsRejected) {
  DataEngine engine;
  const auto id = engine.intern("X");
  auto& channel = engine.open_channel(false);
  std::vector<MarketEvent> events{trade_event(id, 5), trade_event(id, 4), trade_event(99, 6)};
  events.push_back(trade_event(id, 7));
  events.back().trade.price = -1.0;
  engine.start();
  channel.publish(events.data(), events.size());
  ASSERT_TRUE(engine.wait_until_drained(std::chrono::seconds(10)));
  engine.stop();
  EXPECT_EQ(engine.statistics().ticks_processed, 1u);
  EXPECT_EQ(engine.statistics().rejected, 3u);
}

TEST(DataEngineThreads, HandlerErrorsAreRethrownByStop) {
  DataEngine engine;
  const auto id = engine.intern("X");
  engine.subscribe_trades("X", [](const TradeTick&) { throw std::runtime_error("boom"); });
  auto& channel = engine.open_channel(false);
  engine.start();
  const auto e = trade_event(id, 1);
  channel.publish(&e, 1);
  ASSERT_TRUE(engine.wait_until_drained(std::chrono::seconds(10)));
  EXPECT_THROW(engine.stop(), std::runtime_error);
  EXPECT_FALSE(engine.running());
  EXPECT_EQ(engine.statistics().handler_errors, 1u);
}

TEST(DataEngineThreads, FileReplayFeedReplaysEveryRecord) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("alphaforge-replay-" + std::to_string(::getpid()) + ".bin");
  constexpr std::int64_t kRecords = 100'000;
  {
    std::ofstream out(path, std::ios::binary);
    for (std::int64_t i = 0; i < kRecords; ++i) {
      TradeTick t = trade_event(static_cast<std::uint32_t>(i % 2), i).trade;
      out.write(reinterpret_cast<const char*>(&t), sizeof t);
    }
  }
  DataEngine engine;
  const auto a = engine.intern("A");
  const auto b = engine.intern("B");
  engine.add_feed(std::make_unique<alphaforge::FileReplayFeed>(
      path.string(), std::vector<std::uint32_t>{a, b}, 1000));
  engine.start();
  ASSERT_TRUE(engine.wait_until_drained(std::chrono::seconds(60)));
  engine.stop();
  std::filesystem::remove(path);
  EXPECT_EQ(engine.statistics().ticks_processed, static_cast<std::uint64_t>(kRecords));
  EXPECT_EQ(engine.last_trade(a)->ts_ns, (kRecords - 2) * 1'000'000);
  EXPECT_EQ(engine.last_trade(b)->ts_ns, (kRecords - 1) * 1'000'000);
  EXPECT_THROW(alphaforge::FileReplayFeed("/nonexistent/file", {a}), std::invalid_argument);
}
