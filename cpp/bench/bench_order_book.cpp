// Order book throughput and per-operation latency: ours against the textbook map-of-lists book,
// on the same pre-generated order streams, in one binary.
//
// Streams: 1M limit orders with prices 100 +/- 50 ticks around a mid of 10,000 ticks, half buys,
// 20% priced through the mid (they trade), sizes 1..100 lots; the "cancel mix" turns 30% of the
// operations into cancels of one of the last 1,000 orders added.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "alphaforge/order_book.hpp"
#include "map_order_book.hpp"

namespace {

using alphaforge::BookFill;
using alphaforge::Lots;
using alphaforge::OrderBook;
using alphaforge::OrderSide;
using alphaforge::Ticks;
using alphaforge::TimeInForce;
using alphaforge::bench::MapOrderBook;

constexpr std::size_t kOrders = 1'000'000;
constexpr Ticks kMid = 10'000;

struct Op {
  enum Kind : std::uint8_t { kAdd, kCross, kCancel } kind;
  OrderSide side;
  std::uint64_t id;
  Ticks price;
  Lots qty;
};

std::vector<Op> make_stream(double cancel_share) {
  std::mt19937_64 rng(20240101);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<Ticks> away(1, 50);
  std::uniform_int_distribution<Ticks> through(0, 5);
  std::uniform_int_distribution<Lots> size(1, 100);
  std::vector<Op> ops;
  ops.reserve(kOrders * 2);
  std::uint64_t next_id = 1;
  std::size_t adds = 0;
  while (adds < kOrders) {
    if (next_id > 1000 && unit(rng) < cancel_share) {
      const std::uint64_t back = 1 + rng() % 1000;
      ops.push_back({Op::kCancel, OrderSide::kBuy, next_id - back, 0, 0});
      continue;
    }
    const OrderSide side = (rng() & 1) ? OrderSide::kBuy : OrderSide::kSell;
    const bool cross = unit(rng) < 0.2;
    const Ticks offset = cross ? -through(rng) : away(rng);  // crossing orders reach past the mid
    const Ticks price = side == OrderSide::kBuy ? kMid - offset : kMid + offset;
    ops.push_back({cross ? Op::kCross : Op::kAdd, side, next_id++, price, size(rng)});
    ++adds;
  }
  return ops;
}

const std::vector<Op>& stream(bool with_cancels) {
  static const std::vector<Op> plain = make_stream(0.0);
  static const std::vector<Op> mixed = make_stream(0.3);
  return with_cancels ? mixed : plain;
}

struct Totals {
  std::size_t fills = 0;
  Lots traded = 0;
  std::size_t canceled = 0;
};

template <typename Book>
Totals run(Book& book, const std::vector<Op>& ops, std::vector<BookFill>& fills) {
  Totals totals;
  for (const Op& op : ops) {
    if (op.kind == Op::kCancel) {
      if (book.cancel(op.id)) ++totals.canceled;
      continue;
    }
    fills.clear();
    book.add_limit(op.id, op.side, op.price, op.qty, TimeInForce::kGtc, fills);
    totals.fills += fills.size();
    for (const BookFill& f : fills) totals.traded += f.qty;
  }
  return totals;
}

template <typename Book>
Book make_book() {
  if constexpr (std::is_same_v<Book, OrderBook>) {
    return OrderBook(kOrders);  // pools sized for the session, as a venue would
  } else {
    return Book();
  }
}

// Both books must agree on every count, or the comparison means nothing.
Totals expected_totals(bool with_cancels) {
  OrderBook ours(kOrders);
  std::vector<BookFill> fills;
  return run(ours, stream(with_cancels), fills);
}

// Both books must agree on every count, or the comparison means nothing.
void check_against_ours(benchmark::State& state, const Totals& got, bool with_cancels) {
  static const Totals plain = expected_totals(false);
  static const Totals mixed = expected_totals(true);
  const Totals& expected = with_cancels ? mixed : plain;
  if (got.fills != expected.fills || got.traded != expected.traded ||
      got.canceled != expected.canceled) {
    state.SkipWithError("fills differ from alphaforge::OrderBook");
  }
}

template <typename Book>
void throughput(benchmark::State& state, bool with_cancels) {
  const auto& ops = stream(with_cancels);
  std::vector<BookFill> fills;
  fills.reserve(1024);
  Totals totals;
  for (auto _ : state) {
    state.PauseTiming();
    auto book = make_book<Book>();
    state.ResumeTiming();
    totals = run(book, ops, fills);
    state.PauseTiming();
    {
      auto doomed = std::move(book);  // destroy outside the timed region
    }
    state.ResumeTiming();
  }
  check_against_ours(state, totals, with_cancels);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(ops.size()));
  state.counters["fills"] = static_cast<double>(totals.fills);
}

// Times every operation on its own; the clock reads are included (clock_p50_ns says how much),
// so these are upper bounds.
template <typename Book>
void latency(benchmark::State& state, bool with_cancels) {
  const auto& ops = stream(with_cancels);
  std::vector<BookFill> fills;
  fills.reserve(1024);
  std::vector<std::uint32_t> add_ns, match_ns, cancel_ns;
  for (auto _ : state) {
    auto book = make_book<Book>();
    add_ns.clear();
    match_ns.clear();
    cancel_ns.clear();
    for (const Op& op : ops) {
      const auto t0 = std::chrono::steady_clock::now();
      if (op.kind == Op::kCancel) {
        benchmark::DoNotOptimize(book.cancel(op.id));
      } else {
        fills.clear();
        book.add_limit(op.id, op.side, op.price, op.qty, TimeInForce::kGtc, fills);
      }
      const auto ns = static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                               t0)
              .count());
      if (op.kind == Op::kCancel) {
        cancel_ns.push_back(ns);
      } else if (fills.empty()) {
        add_ns.push_back(ns);
      } else {
        match_ns.push_back(ns);
      }
    }
  }
  const auto percentile = [](std::vector<std::uint32_t>& v, double q) {
    if (v.empty()) return 0.0;
    const auto at = static_cast<std::ptrdiff_t>(q * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + at, v.end());
    return static_cast<double>(v[static_cast<std::size_t>(at)]);
  };
  // What two clock reads cost on their own, included in every sample above.
  std::vector<std::uint32_t> clock_ns(10000);
  for (auto& sample : clock_ns) {
    const auto t0 = std::chrono::steady_clock::now();
    sample = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count());
  }
  state.counters["clock_p50_ns"] = percentile(clock_ns, 0.50);
  for (auto* samples : {&add_ns, &match_ns, &cancel_ns}) {
    const std::string name = samples == &add_ns ? "add" : samples == &match_ns ? "match" : "cancel";
    if (samples->empty()) continue;
    state.counters[name + "_p50_ns"] = percentile(*samples, 0.50);
    state.counters[name + "_p99_ns"] = percentile(*samples, 0.99);
    state.counters[name + "_p999_ns"] = percentile(*samples, 0.999);
  }
}

template <typename Book>
void register_book(const std::string& name) {
  for (const bool cancels : {false, true}) {
    const std::string mix = cancels ? "cancel_mix" : "limit_orders";
    benchmark::RegisterBenchmark(("throughput/" + mix + "/" + name).c_str(),
                                 [cancels](benchmark::State& s) { throughput<Book>(s, cancels); })
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.3);
    benchmark::RegisterBenchmark(("latency/" + mix + "/" + name).c_str(),
                                 [cancels](benchmark::State& s) { latency<Book>(s, cancels); })
        ->Unit(benchmark::kMillisecond)
        ->Iterations(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_book<OrderBook>("alphaforge::OrderBook");
  register_book<MapOrderBook>(MapOrderBook::kName);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
