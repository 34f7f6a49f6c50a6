#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "alphaforge/bar_aggregator.hpp"
#include "alphaforge/data_engine.hpp"

// Data engine workloads shared by cpp/bench/bench_data.cpp and `alphaforge bench data`.
namespace alphaforge::bench {

// Synthetic trades: one every 10 ms, a random walk of prices, sizes 0.1 .. 1.0.
struct TradeArrays {
  std::vector<std::int64_t> ts;
  std::vector<double> price;
  std::vector<double> size;
};

inline TradeArrays synthetic_trades(std::size_t count) {
  TradeArrays t;
  t.ts.resize(count);
  t.price.resize(count);
  t.size.resize(count);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  double price = 30000.0;
  for (std::size_t i = 0; i < count; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    price += (static_cast<double>(state % 2001) - 1000.0) * 0.001;
    t.ts[i] = 1'600'000'000'000'000'000 + static_cast<std::int64_t>(i) * 10'000'000;
    t.price[i] = price;
    t.size[i] = 0.1 + static_cast<double>(state % 10) * 0.1;
  }
  return t;
}

struct FeedResult {
  double seconds;
  std::uint64_t ticks;
  std::uint64_t bars;
};

// One C++ producer thread publishes `trades` in batches into an SPSC channel; the engine
// thread drains it and builds bars of `spec`. Timed from start() until every tick is processed.
inline FeedResult feed_through_engine(const TradeArrays& trades, std::size_t ring_capacity,
                                      std::size_t batch, const BarSpec& spec) {
  DataEngineConfig config;
  config.ring_capacity = ring_capacity;
  DataEngine engine(config);
  const std::uint32_t id = engine.intern("BENCH");
  std::uint64_t bars = 0;
  engine.subscribe_bars("BENCH", spec, [&bars](const Bar&) { ++bars; });
  MarketChannel& channel = engine.open_channel(false);
  const auto started = std::chrono::steady_clock::now();
  engine.start();
  std::thread producer([&] {
    std::vector<MarketEvent> events(batch);
    TradeTick t{};
    t.symbol_id = id;
    for (std::size_t i = 0; i < trades.ts.size();) {
      std::size_t n = 0;
      for (; n < batch && i < trades.ts.size(); ++n, ++i) {
        t.ts_ns = trades.ts[i];
        t.price = trades.price[i];
        t.size = trades.size[i];
        t.trade_id = static_cast<std::int64_t>(i);
        events[n] = MarketEvent::of(t);
      }
      channel.publish(events.data(), n);
    }
  });
  producer.join();
  engine.wait_until_drained(std::chrono::minutes(10));
  const auto drained = std::chrono::steady_clock::now();
  engine.stop();
  const auto stats = engine.statistics();
  if (stats.ticks_processed != trades.ts.size()) {
    throw std::runtime_error("feed lost ticks: " + std::to_string(stats.ticks_processed) + " of " +
                             std::to_string(trades.ts.size()));
  }
  return {std::chrono::duration<double>(drained - started).count(), stats.ticks_processed, bars};
}

}  // namespace alphaforge::bench
