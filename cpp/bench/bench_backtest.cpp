// The native replay loops with no Python in them: what a backtest costs per bar or per trade
// before any strategy runs. Handlers do nothing but count, so the figure is the loop itself:
// merging, the data engine's bars, the fill model's pending check, marks and the equity curve.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "alphaforge/backtest.hpp"
#include "alphaforge/tick_backtest.hpp"

namespace af = alphaforge;

namespace {

constexpr std::size_t kEvents = 1'000'000;
constexpr std::int64_t kMinute = 60'000'000'000;

// A random walk on a 0.01 grid, one value per event.
std::vector<double> walk(std::size_t n) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> step(0.0, 0.05);
  std::vector<double> out(n);
  double price = 100.0;
  for (double& p : out) {
    price = std::max(1.0, price + step(rng));
    p = std::round(price * 100.0) / 100.0;
  }
  return out;
}

af::BacktestConfig config() {
  af::BacktestConfig c;
  c.engine.starting_cash = 1e9;
  return c;
}

void BM_BarReplay(benchmark::State& state) {
  const std::vector<double> close = walk(kEvents);
  std::vector<std::int64_t> ts(kEvents);
  for (std::size_t i = 0; i < kEvents; ++i) ts[i] = static_cast<std::int64_t>(i) * kMinute;
  const std::vector<double> volume(kEvents, 1.0);
  std::uint64_t seen = 0;
  for (auto _ : state) {
    state.PauseTiming();  // loading and checking the bars is not the loop
    af::BarBacktest backtest(config());
    backtest.add_instrument(af::Instrument("SYN", 0.01, 1.0));
    backtest.add_bars("SYN", ts.data(), close.data(), close.data(), close.data(), close.data(),
                      volume.data(), kEvents);
    state.ResumeTiming();
    backtest.run([&](const af::BacktestBar&) { ++seen; });
  }
  benchmark::DoNotOptimize(seen);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kEvents));
}

// One trade every 100 ms; `bars` has the data engine build one-minute bars, else every trade
// goes to the handler.
void tick_replay(benchmark::State& state, bool bars) {
  const std::vector<double> price = walk(kEvents);
  std::vector<std::int64_t> ts(kEvents);
  for (std::size_t i = 0; i < kEvents; ++i) ts[i] = static_cast<std::int64_t>(i) * 100'000'000;
  const std::vector<double> size(kEvents, 1.0);
  std::uint64_t seen = 0;
  for (auto _ : state) {
    state.PauseTiming();
    af::TickBacktestConfig c;
    c.backtest = config();
    af::TickBacktest backtest(c);
    backtest.add_instrument(af::Instrument("SYN", 0.01, 1.0));
    backtest.add_trades("SYN", ts.data(), price.data(), size.data(), kEvents);
    if (bars) {
      backtest.subscribe_bars("SYN", af::BarSpec::time(kMinute), [&](const af::Bar&) { ++seen; });
    } else {
      backtest.subscribe_trades("SYN");
    }
    state.ResumeTiming();
    backtest.run([&](const af::TradeTick&) { ++seen; }, [](const af::QuoteTick&) {});
  }
  benchmark::DoNotOptimize(seen);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kEvents));
}

void BM_TickReplayToBars(benchmark::State& state) { tick_replay(state, true); }
void BM_TickReplayEveryTrade(benchmark::State& state) { tick_replay(state, false); }

}  // namespace

BENCHMARK(BM_BarReplay)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TickReplayToBars)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TickReplayEveryTrade)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
