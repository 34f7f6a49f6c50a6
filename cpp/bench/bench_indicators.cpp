// The vectorised indicators on 1M bars of a geometric random walk, and the streaming objects fed
// one bar at a time, in bars per second. The peer is a loop recomputing each window from scratch
// (the SMA and standard deviation a textbook writes), to show what the O(1) updates save.
#include <benchmark/benchmark.h>

#include <cmath>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "alphaforge/indicators.hpp"

namespace {

namespace ind = alphaforge::indicators;

constexpr std::size_t kBars = 1'000'000;
constexpr std::int64_t kBarsPerRun = static_cast<std::int64_t>(kBars);

struct Bars {
  std::vector<double> high, low, close, volume;
};

const Bars& bars() {
  static const Bars b = [] {
    std::mt19937_64 rng(42);
    std::normal_distribution<double> step(0.0, 0.01);
    std::uniform_real_distribution<double> wick(0.0, 0.005);
    Bars out;
    double price = 100.0;
    for (std::size_t i = 0; i < kBars; ++i) {
      const double open = price;
      price *= std::exp(step(rng));
      out.close.push_back(price);
      out.high.push_back(std::max(open, price) * (1.0 + wick(rng)));
      out.low.push_back(std::min(open, price) * (1.0 - wick(rng)));
      out.volume.push_back(1.0 + std::floor(wick(rng) * 2e5));
    }
    return out;
  }();
  return b;
}

template <typename Run>
void vectorised(benchmark::State& state, Run run) {
  std::vector<double> a(kBars), b(kBars), c(kBars);
  for (auto _ : state) {
    run(a, b, c);
    benchmark::DoNotOptimize(a.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kBarsPerRun);
}

void BM_Sma(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) { ind::sma(bars().close, 20, a); });
}
void BM_Ema(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) { ind::ema(bars().close, 20, a); });
}
void BM_Wma(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) { ind::wma(bars().close, 20, a); });
}
void BM_Rsi(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) { ind::rsi(bars().close, 14, a); });
}
void BM_RollingStd(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) { ind::rolling_std(bars().close, 20, a); });
}
void BM_Bollinger(benchmark::State& s) {
  vectorised(s, [](auto& a, auto& b, auto& c) { ind::bollinger(bars().close, 20, 2.0, a, b, c); });
}
void BM_Macd(benchmark::State& s) {
  vectorised(s, [](auto& a, auto& b, auto& c) { ind::macd(bars().close, 12, 26, 9, a, b, c); });
}
void BM_Atr(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) {
    ind::atr(bars().high, bars().low, bars().close, 14, a);
  });
}
void BM_Stochastic(benchmark::State& s) {
  vectorised(s, [](auto& a, auto& b, auto&) {
    ind::stochastic(bars().high, bars().low, bars().close, 5, 3, 3, a, b);
  });
}
void BM_Adx(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) {
    ind::adx(bars().high, bars().low, bars().close, 14, a);
  });
}
void BM_Obv(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) { ind::obv(bars().close, bars().volume, a); });
}
void BM_Vwap(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) {
    ind::vwap(bars().high, bars().low, bars().close, bars().volume, 20, {}, a);
  });
}

// Peer: every window summed again, O(period) per bar.
void BM_SmaRecomputed(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) {
    const auto& x = bars().close;
    for (std::size_t i = 19; i < x.size(); ++i) {
      double sum = 0.0;
      for (std::size_t j = i - 19; j <= i; ++j) sum += x[j];
      a[i] = sum / 20.0;
    }
  });
}
void BM_StdRecomputed(benchmark::State& s) {
  vectorised(s, [](auto& a, auto&, auto&) {
    const auto& x = bars().close;
    for (std::size_t i = 19; i < x.size(); ++i) {
      double sum = 0.0;
      for (std::size_t j = i - 19; j <= i; ++j) sum += x[j];
      const double mean = sum / 20.0;
      double sq = 0.0;
      for (std::size_t j = i - 19; j <= i; ++j) sq += (x[j] - mean) * (x[j] - mean);
      a[i] = std::sqrt(sq / 20.0);
    }
  });
}

// One update() per bar, with its input checks: the cost a strategy pays per bar in C++.
template <typename Indicator, typename Feed>
void streaming(benchmark::State& state, Indicator indicator, Feed feed) {
  const Bars& b = bars();
  double sink = 0.0;
  for (auto _ : state) {
    indicator.reset();
    for (std::size_t i = 0; i < kBars; ++i) sink += feed(indicator, b, i);
    benchmark::DoNotOptimize(sink);
  }
  state.SetItemsProcessed(state.iterations() * kBarsPerRun);
}

void BM_StreamRsi(benchmark::State& s) {
  streaming(s, ind::Rsi(14), [](auto& i, const Bars& b, std::size_t k) {
    return i.update(b.close[k]);
  });
}
void BM_StreamAtr(benchmark::State& s) {
  streaming(s, ind::Atr(14), [](auto& i, const Bars& b, std::size_t k) {
    return i.update(b.high[k], b.low[k], b.close[k]);
  });
}
void BM_StreamBollinger(benchmark::State& s) {
  streaming(s, ind::Bollinger(20, 2.0), [](auto& i, const Bars& b, std::size_t k) {
    return i.update(b.close[k]).upper;
  });
}

}  // namespace

BENCHMARK(BM_Sma)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SmaRecomputed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Ema)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Wma)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Rsi)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RollingStd)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StdRecomputed)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Bollinger)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Macd)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Atr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Stochastic)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Adx)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Obv)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Vwap)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamRsi)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamAtr)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StreamBollinger)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
