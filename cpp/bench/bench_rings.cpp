// Ring throughput and latency against the peers found at build time, all in one binary.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "ring_workloads.hpp"

namespace {

using alphaforge::bench::Tick64;

constexpr std::size_t kCapacity = 65536;
constexpr std::int64_t kItems = 1 << 22;
constexpr std::int64_t kRoundTrips = 100'000;

template <template <typename> class Queue, typename T>
void register_transfer(const std::string& label, std::int64_t batch, unsigned producers,
                       unsigned consumers) {
  const std::string name = label + "/" + Queue<T>::kName;
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    for (auto _ : state) {
      const auto result = alphaforge::bench::transfer<Queue, T>(
          kItems, kCapacity, static_cast<std::size_t>(batch), producers, consumers);
      if (result.out_of_order != 0) state.SkipWithError("items lost or out of order");
      state.SetIterationTime(result.seconds);
    }
    state.SetItemsProcessed(state.iterations() * kItems);
  })->UseManualTime()->Unit(benchmark::kMillisecond);
}

template <template <typename> class Queue>
void register_round_trip() {
  const std::string name = std::string("round_trip/") + Queue<std::uint64_t>::kName;
  benchmark::RegisterBenchmark(name.c_str(), [](benchmark::State& state) {
    double ns = 0;
    for (auto _ : state) {
      ns = alphaforge::bench::round_trip_ns<Queue>(kRoundTrips);
      state.SetIterationTime(ns * kRoundTrips * 1e-9);
    }
    state.counters["ns_per_round_trip"] = ns;
  })->UseManualTime()->Unit(benchmark::kMillisecond);
}

template <template <typename> class Queue>
void register_spsc() {
  register_transfer<Queue, std::uint64_t>("spsc_1p1c/u64", 1, 1, 1);
  register_transfer<Queue, Tick64>("spsc_1p1c/tick64", 1, 1, 1);
  if constexpr (Queue<std::uint64_t>::kBulk) {
    register_transfer<Queue, std::uint64_t>("spsc_1p1c_bulk32/u64", 32, 1, 1);
    register_transfer<Queue, Tick64>("spsc_1p1c_bulk32/tick64", 32, 1, 1);
  }
  register_round_trip<Queue>();
}

template <template <typename> class Queue>
void register_mpmc() {
  register_transfer<Queue, std::uint64_t>("mpmc_1p1c/u64", 1, 1, 1);
  register_transfer<Queue, std::uint64_t>("mpmc_2p2c/u64", 1, 2, 2);
  register_transfer<Queue, Tick64>("mpmc_1p1c/tick64", 1, 1, 1);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace alphaforge::bench;
  register_spsc<SpscRingQueue>();
#if ALPHAFORGE_HAVE_BOOST
  register_spsc<BoostSpscQueue>();
#endif
#if ALPHAFORGE_HAVE_RWQ
  register_spsc<MoodycamelSpscQueue>();
#endif
  register_mpmc<MpmcRingQueue>();
#if ALPHAFORGE_HAVE_BOOST
  register_mpmc<BoostMpmcQueue>();
#endif
#if ALPHAFORGE_HAVE_CQ
  register_mpmc<MoodycamelMpmcQueue>();
#endif
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
