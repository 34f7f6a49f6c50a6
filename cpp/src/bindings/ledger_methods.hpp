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
         [](Binding& b, const Instrument& instrument) { b.core().add_instrument(instrument); },
         py::arg("instrument"), "Register a symbol's grid, multiplier, fees and assets.")
      .def(
          "submit",
          [](Binding& b, const std::string& symbol, const std::string& strategy,
             const std::string& side, const std::string& type, double quantity,
             std::optional<double> price, std::optional<double> stop_price,
             const std::string& time_in_force, bool reduce_only) {
            return b.core().submit(backtest_request(symbol, strategy, side, type, quantity, price,
                                                    stop_price, time_in_force, reduce_only));
          },
          py::arg("symbol"), py::arg("strategy"), py::arg("side"), py::arg("type"),
          py::arg("quantity"), py::arg("price") = py::none(), py::arg("stop_price") = py::none(),
          py::arg("time_in_force") = "GTC", py::arg("reduce_only") = false, submit_doc)
      .def(
          "submit_contingent",
          [](Binding& b, const std::string& symbol, const std::string& strategy,
             const std::string& side, const std::string& type, double quantity,
             std::optional<double> price, std::optional<double> stop_price,
             const std::string& time_in_force, bool reduce_only, std::int64_t expire_ns,
             double trail_amount, double trail_percent, std::uint64_t oco) {
            return b.core().submit(backtest_request(symbol, strategy, side, type, quantity, price,
                                                    stop_price, time_in_force, reduce_only),
                                   Contingency{expire_ns, trail_amount, trail_percent, oco});
          },
          py::arg("symbol"), py::arg("strategy"), py::arg("side"), py::arg("type"),
          py::arg("quantity"), py::arg("price") = py::none(), py::arg("stop_price") = py::none(),
          py::arg("time_in_force") = "GTC", py::arg("reduce_only") = false,
          py::kw_only(), py::arg("expire_ns") = 0, py::arg("trail_amount") = 0.0,
          py::arg("trail_percent") = 0.0, py::arg("oco") = 0,
          "submit with an expiry (ns), a trailing stop (amount or fraction) or an OCO group.")
      .def(
          "submit_bracket",
          [](Binding& b, const std::string& symbol, const std::string& strategy,
             const std::string& side, double quantity, std::optional<double> price,
             double stop_loss, double take_profit, const std::string& time_in_force) {
            return b.core().submit_bracket(
                backtest_request(symbol, strategy, side, price ? "LIMIT" : "MARKET", quantity,
                                 price, std::nullopt, time_in_force, false),
                stop_loss, take_profit);
          },
          py::arg("symbol"), py::arg("strategy"), py::arg("side"), py::arg("quantity"),
          py::arg("price"), py::arg("stop_loss"), py::arg("take_profit"),
          py::arg("time_in_force") = "GTC",
          "Send a bracket's entry; its stop-loss and take-profit are placed once it fills.")
      .def(
          "bracket_children",
          [](const Binding& b, std::uint64_t entry) {
            const auto children = b.core().bracket_children(entry);
            return py::make_tuple(children.stop_loss, children.take_profit);
          },
          py::arg("entry_id"), "(stop_loss id, take_profit id) of a bracket, 0 before its fill.")
      .def(
          "modify",
          [](Binding& b, std::uint64_t id, std::optional<double> price,
             std::optional<double> quantity, std::optional<double> stop_price) {
            b.core().modify(id, price, quantity, stop_price);
          },
          py::arg("order_id"), py::arg("price") = py::none(), py::arg("quantity") = py::none(),
          py::arg("stop_price") = py::none(), "Replace an open order's terms under its id.")
      .def(
          "cancel", [](Binding& b, std::uint64_t id) { return b.core().cancel(id); },
          py::arg("order_id"), "Cancel an open order; False when it is no longer open.")
      .def(
          "position",
          [](const Binding& b, const std::string& symbol, const std::string& strategy) {
            return b.core().position(symbol, strategy);
          },
          py::arg("symbol"), py::arg("strategy"), "Signed quantity held by a strategy.")
      .def(
          "last_price",
          [](const Binding& b, const std::string& symbol) {
            return b.core().last_price(symbol);
          },
          py::arg("symbol"), "The symbol's last trade or close, else quote mid; None before any.")
      .def_property_readonly(
          "now", [](const Binding& b) { return b.core().now_ns(); },
          "The current timestamp, nanoseconds since the epoch.")
      .def(
          "fill_columns",
          [](const Binding& b) { return fill_columns(b.core().fills(), b.core().symbols()); },
          "Fills as columns, a dict of arrays and lists.")
      .def(
          "order_columns", [](const Binding& b) { return order_columns(b.core()); },
          "Orders as columns, a dict of arrays and lists.")
      .def(
          "open_orders",
          [](const Binding& b, const std::string& strategy) {
            return order_list(b.core(), b.core().open_order_ids(strategy));
          },
          py::arg("strategy"), "A strategy's open orders as tuples, oldest first.")
      .def(
          "order",
          [](const Binding& b, std::uint64_t id) {
            if (id == 0 || id > b.core().order_count()) {
              throw py::value_error("order_id " + std::to_string(id) + " is unknown");
            }
            return order_tuple(b.core().order_record(id), b.core().symbols());
          },
          py::arg("order_id"), "One order as a tuple.")
      .def(
          "positions",
          [](const Binding& b, const std::string& strategy) {
            return position_list(b.core().engine(), strategy);
          },
          py::arg("strategy") = "", "Positions as tuples, of one strategy or all.")
      .def(
          "account", [](const Binding& b) { return b.core().engine().account(); },
          "Cash, equity, buying power and PnL of the account.")
      .def(
          "balances",
          [](const Binding& b) {
            py::list out;
            for (const auto& [asset, balance] : b.core().engine().balances()) {
              out.append(py::make_tuple(asset, balance.free(), balance.locked));
            }
            return out;
          },
          "Spot accounts: (asset, free, locked) per asset.")
      .def(
          "equity", [](const Binding& b) { return equity_arrays(b.core().equity()); },
          equity_doc);
}

}  // namespace alphaforge::bindings
