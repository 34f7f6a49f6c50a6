// Data engine: vectorised bar aggregation, per-tick ingestion and a producer thread through the
// rings. The baseline beside our aggregation is the generic group-by a C++ programmer writes
// first (bucket key per tick, hash map of accumulators, sort of the keys at the end).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "alphaforge/bar_aggregator.hpp"
#include "alphaforge/batch_aggregate.hpp"
#include "alphaforge/data_engine.hpp"
#include "alphaforge/market_data_validation.hpp"
#include "data_workloads.hpp"

namespace {

using alphaforge::Bar;
using alphaforge::BarSpec;

constexpr std::size_t kTicks = 1 << 22;

const alphaforge::bench::TradeArrays& trades() {
  static const auto t = alphaforge::bench::synthetic_trades(kTicks);
  return t;
}

void BM_AggregateBars(benchmark::State& state, const char* spec_text) {
  const auto& t = trades();
  const BarSpec spec = BarSpec::parse(spec_text);
  std::vector<Bar> bars;
  for (auto _ : state) {
    bars.clear();
    alphaforge::aggregate_bars(t.ts.data(), t.price.data(), t.size.data(), kTicks, spec, false,
                               bars);
    benchmark::DoNotOptimize(bars.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTicks));
  state.counters["bars"] = static_cast<double>(bars.size());
}

// What the Python aggregate_bars runs: validation fused into the aggregation pass.
void BM_AggregateBarsChecked(benchmark::State& state, const char* spec_text) {
  const auto& t = trades();
  const BarSpec spec = BarSpec::parse(spec_text);
  std::vector<Bar> bars;
  for (auto _ : state) {
    bars.clear();
    const auto violation = alphaforge::aggregate_bars_checked(t.ts.data(), t.price.data(),
                                                              t.size.data(), kTicks, spec, false,
                                                              bars);
    if (violation) state.SkipWithError("synthetic data rejected");
    benchmark::DoNotOptimize(bars.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTicks));
}

// The time-bar kernel at each instruction set this CPU runs (validating, as in the checked path).
void BM_TimeBarsAtLevel(benchmark::State& state, alphaforge::SimdLevel level) {
  if (!alphaforge::simd_level_supported(level)) {
    state.SkipWithError("instruction set not supported by this CPU");
    return;
  }
  const auto& t = trades();
  const std::int64_t step = BarSpec::parse("1min").step_ns();
  std::vector<Bar> bars;
  for (auto _ : state) {
    bars.clear();
    if (!alphaforge::aggregate_time_bars_fast(t.ts.data(), t.price.data(), t.size.data(), kTicks,
                                              step, false, bars, level)) {
      state.SkipWithError("synthetic data rejected");
    }
    benchmark::DoNotOptimize(bars.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTicks));
}

void BM_HashGroupByBaseline(benchmark::State& state, const char* spec_text) {
  const auto& t = trades();
  const std::int64_t step = BarSpec::parse(spec_text).step_ns();
  std::vector<Bar> bars;
  for (auto _ : state) {
    std::unordered_map<std::int64_t, Bar> groups;
    for (std::size_t i = 0; i < kTicks; ++i) {
      const std::int64_t key = alphaforge::floor_to_step(t.ts[i], step);
      auto [it, fresh] = groups.try_emplace(key);
      Bar& b = it->second;
      if (fresh) {
        b = Bar{key, key + step, t.price[i], t.price[i], t.price[i], t.price[i], 0.0, 0, 0};
      }
      b.high = std::max(b.high, t.price[i]);
      b.low = std::min(b.low, t.price[i]);
      b.close = t.price[i];
      b.volume += t.size[i];
      ++b.trade_count;
    }
    bars.clear();
    for (const auto& [key, bar] : groups) bars.push_back(bar);
    std::sort(bars.begin(), bars.end(),
              [](const Bar& a, const Bar& b) { return a.ts_open_ns < b.ts_open_ns; });
    benchmark::DoNotOptimize(bars.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTicks));
}

// One process_trade call per tick on the caller's thread, one 1-minute bar subscription.
void BM_EngineProcessTrade(benchmark::State& state) {
  const auto& t = trades();
  for (auto _ : state) {
    alphaforge::DataEngine engine;
    const auto id = engine.intern("BENCH");
    std::uint64_t bars = 0;
    engine.subscribe_bars("BENCH", BarSpec::parse("1min"), [&bars](const Bar&) { ++bars; });
    alphaforge::TradeTick tick{};
    tick.symbol_id = id;
    for (std::size_t i = 0; i < kTicks; ++i) {
      tick.ts_ns = t.ts[i];
      tick.price = t.price[i];
      tick.size = t.size[i];
      engine.process_trade(tick);
    }
    benchmark::DoNotOptimize(bars);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTicks));
}

// A producer thread publishes batches into an SPSC channel; the engine thread drains it.
void BM_ProducerThroughRings(benchmark::State& state) {
  const auto& t = trades();
  const auto batch = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    const auto result =
        alphaforge::bench::feed_through_engine(t, 65536, batch, BarSpec::parse("1min"));
    state.SetIterationTime(result.seconds);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kTicks));
}

}  // namespace

BENCHMARK_CAPTURE(BM_AggregateBars, 1min, "1min")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AggregateBarsChecked, 1min, "1min")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HashGroupByBaseline, 1min, "1min")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeBarsAtLevel, portable, alphaforge::SimdLevel::kPortable)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeBarsAtLevel, sse2, alphaforge::SimdLevel::kSse2)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_TimeBarsAtLevel, avx2, alphaforge::SimdLevel::kAvx2)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AggregateBars, 1s, "1s")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_AggregateBarsChecked, 1s, "1s")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_HashGroupByBaseline, 1s, "1s")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EngineProcessTrade)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProducerThroughRings)
    ->Arg(64)
    ->Arg(256)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
