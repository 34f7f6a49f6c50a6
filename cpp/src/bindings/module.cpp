#include <pybind11/pybind11.h>

#include "register.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "AlphaForge native core (private: import the alphaforge.* modules instead)";
  m.attr("__version__") = ALPHAFORGE_VERSION;

  auto ring = m.def_submodule("ring", "Lock-free SPSC and MPMC rings");
  alphaforge::bindings::register_ring(ring);

  auto data = m.def_submodule("data", "Market data records, bar aggregation and the data engine");
  alphaforge::bindings::register_data(data);
  alphaforge::bindings::register_depth_book(data);
  auto execution = m.def_submodule("execution", "Orders, order book, risk, positions");
  alphaforge::bindings::register_execution(execution);
  auto cache = m.def_submodule("cache", "Sharded LRU caches with per-entry TTL");
  alphaforge::bindings::register_cache(cache);
  auto backtest = m.def_submodule("backtest", "Bar replay with backtrader's fill conventions");
  alphaforge::bindings::register_backtest(backtest);
  alphaforge::bindings::register_tick_backtest(backtest);
  auto live = m.def_submodule("live", "The live node's market-data path and paper venue");
  alphaforge::bindings::register_live(live);
  auto indicators = m.def_submodule("indicators", "Streaming and vectorised TA-Lib indicators");
  alphaforge::bindings::register_indicators(indicators);

  auto bench = m.def_submodule("bench", "Native workloads behind `alphaforge bench`");
  alphaforge::bindings::register_bench(bench);
  alphaforge::bindings::register_data_bench(bench);
}
