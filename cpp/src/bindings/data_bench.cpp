#include <pybind11/pybind11.h>

#include <string>

#include "arguments.hpp"
#include "bench/data_workloads.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {

void register_data_bench(py::module_& m) {
  m.def(
      "data_feed_throughput",
      [](py::handle ticks, py::handle ring_capacity, py::handle batch, const std::string& spec) {
        const std::size_t n = count_argument(ticks, "ticks", 1);
        const std::size_t capacity = count_argument(ring_capacity, "ring_capacity", 1);
        const std::size_t per_publish = count_argument(batch, "batch", 1);
        const BarSpec bar_spec = BarSpec::parse(spec);
        py::gil_scoped_release release;
        const auto trades = bench::synthetic_trades(n);
        const auto result = bench::feed_through_engine(trades, capacity, per_publish, bar_spec);
        return static_cast<double>(result.ticks) / result.seconds;
      },
      py::arg("ticks"), py::arg("ring_capacity") = 65536, py::arg("batch") = 256,
      py::arg("spec") = "1min",
      "A C++ producer thread feeds synthetic trades through an SPSC ring into a running "
      "DataEngine building bars of `spec`; returns ticks per second.");
}

}  // namespace alphaforge::bindings
