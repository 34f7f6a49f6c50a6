#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>

#include "alphaforge/instrument.hpp"
#include "backtest_views.hpp"

// The calls the bar and the tick replays share, defined once for any binding class whose
// core() is a BacktestLedger that also has add_instrument, submit and symbols().
namespace alphaforge::bindings {

template <typename Binding>
void def_ledger_methods(pybind11::class_<Binding>& cls, const char* submit_doc,
                        const char* equity_doc) {
  namespace py = pybind11;
  cls.def(
         "add_instrument",
         [](Binding& b, const std::string& symbol, double tick_size, double lot_size) {
           b.core().add_instrument(Instrument(symbol, tick_size, lot_size));
         },
         py::arg("symbol"), py::arg("tick_size"), py::arg("lot_size"),
         "Register a symbol's price and size grid.")
      .def(
          "submit",
          [](Binding& b, const std::string& symbol, const std::string& strategy,
             const std::string& side, const std::string& type, double quantity,
             std::optional<double> price, std::optional<double> stop_price,
             const std::string& time_in_force) {
            return b.core().submit(backtest_request(symbol, strategy, side, type, quantity, price,
                                                    stop_price, time_in_force));
          },
          py::arg("symbol"), py::arg("strategy"), py::arg("side"), py::arg("type"),
          py::arg("quantity"), py::arg("price") = py::none(), py::arg("stop_price") = py::none(),
          py::arg("time_in_force") = "GTC", submit_doc)
      .def(
          "cancel", [](Binding& b, std::uint64_t id) { return b.core().cancel(id); },
          py::arg("order_id"), "Cancel an open order; False when it is no longer open.")
      .def(
          "position",
          [](const Binding& b, const std::string& symbol, const std::string& strategy) {
            return b.core().position(symbol, strategy);
          },
          py::arg("symbol"), py::arg("strategy"), "Signed quantity held by a strategy.")
      .def_property_readonly(
          "now", [](const Binding& b) { return b.core().now_ns(); },
          "The current timestamp, nanoseconds since the epoch.")
      .def(
          "fills",
          [](const Binding& b) { return fill_list(b.core().fills(), b.core().symbols()); },
          "Fills as tuples.")
      .def(
          "orders",
          [](const Binding& b) { return order_list(b.core().orders(), b.core().symbols()); },
          "Orders as tuples.")
      .def(
          "positions", [](const Binding& b) { return position_list(b.core().engine()); },
          "Final positions as tuples.")
      .def(
          "equity", [](const Binding& b) { return equity_arrays(b.core().equity()); },
          equity_doc);
}

}  // namespace alphaforge::bindings
