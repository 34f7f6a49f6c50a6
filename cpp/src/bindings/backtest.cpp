#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "alphaforge/backtest.hpp"
#include "backtest_views.hpp"
#include "record_views.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

class PyBacktest {
 public:
  PyBacktest(double cash, double maker_fee, double taker_fee, double slippage_ticks) {
    core_.emplace(backtest_config(cash, maker_fee, taker_fee, slippage_ticks));
  }

  void add_instrument(const std::string& symbol, double tick_size, double lot_size) {
    core_->add_instrument(Instrument(symbol, tick_size, lot_size));
  }

  std::uint32_t add_bars(const std::string& symbol, const I64& ts, const F64& open,
                         const F64& high, const F64& low, const F64& close, const F64& volume) {
    const auto n = static_cast<std::size_t>(ts.size());
    const std::pair<const char*, const F64*> columns[] = {
        {"open", &open}, {"high", &high}, {"low", &low}, {"close", &close}, {"volume", &volume}};
    for (const auto& [name, column] : columns) {
      if (column->ndim() != 1 || static_cast<std::size_t>(column->size()) != n) {
        throw py::value_error(std::string(name) + " must be one-dimensional with " +
                              std::to_string(n) + " values like ts, got shape size " +
                              std::to_string(column->size()));
      }
    }
    const std::uint32_t id = core_->add_bars(symbol, ts.data(), open.data(), high.data(),
                                             low.data(), close.data(), volume.data(), n);
    handlers_.emplace_back();
    bars_.push_back(new_bar_view(py::str(symbol)));
    return id;
  }

  void subscribe(const std::string& symbol, py::object handler) {
    const auto id = core_->symbol_id(symbol);
    if (!id) throw py::value_error("unknown symbol " + symbol + ": add its bars first");
    handlers_[*id].push_back(std::move(handler));
  }

  std::uint64_t submit(const std::string& symbol, const std::string& strategy,
                       const std::string& side, const std::string& type, double quantity,
                       std::optional<double> price, std::optional<double> stop_price,
                       const std::string& time_in_force) {
    return core_->submit(
        backtest_request(symbol, strategy, side, type, quantity, price, stop_price, time_in_force));
  }

  void run(py::object on_fill, py::object on_order) {
    const auto fill_handler = [&](const BacktestFill& f) {
      if (!on_fill.is_none()) on_fill(fill_tuple(f, core_->symbols()));
    };
    const auto order_handler = [&](const BacktestOrder& o) {
      if (!on_order.is_none()) on_order(order_tuple(o, core_->symbols()));
    };
    core_->run(
        [&](const BacktestBar& bar) {
          auto& list = handlers_[bar.symbol];
          if (list.empty()) return;
          const py::object& view = bars_[bar.symbol];
          record_of<BacktestBar>(view) = bar;
          call_each(list, view);
        },
        fill_handler, order_handler);
  }

  py::list fills() const { return fill_list(core_->fills(), core_->symbols()); }
  py::list orders() const { return order_list(core_->orders(), core_->symbols()); }
  py::list positions() const { return position_list(core_->engine()); }
  py::tuple equity() const { return equity_arrays(core_->equity()); }

  BarBacktest& core() { return *core_; }

 private:
  std::optional<BarBacktest> core_;
  std::vector<std::vector<py::object>> handlers_;
  std::vector<py::object> bars_;
};

}  // namespace

void register_backtest(py::module_& m) {
  register_record_views(m);
  py::class_<PyBacktest>(m, "BarBacktest", "The native bar replay behind BacktestEngine.")
      .def(py::init<double, double, double, double>(), py::arg("cash"), py::arg("maker_fee"),
           py::arg("taker_fee"), py::arg("slippage_ticks"))
      .def("add_instrument", &PyBacktest::add_instrument, py::arg("symbol"),
           py::arg("tick_size"), py::arg("lot_size"), "Register a symbol's price and size grid.")
      .def("add_bars", &PyBacktest::add_bars, py::arg("symbol"), py::arg("ts"), py::arg("open"),
           py::arg("high"), py::arg("low"), py::arg("close"), py::arg("volume"),
           "Add one symbol's bars as columns.")
      .def("subscribe", &PyBacktest::subscribe, py::arg("symbol"), py::arg("handler"),
           "Call handler(bar) for every bar of symbol.")
      .def("submit", &PyBacktest::submit, py::arg("symbol"), py::arg("strategy"), py::arg("side"),
           py::arg("type"), py::arg("quantity"), py::arg("price") = py::none(),
           py::arg("stop_price") = py::none(), py::arg("time_in_force") = "GTC",
           "Send an order; it fills from the next bar on.")
      .def("cancel", [](PyBacktest& b, std::uint64_t id) { return b.core().cancel(id); },
           py::arg("order_id"), "Cancel an open order; False when it is no longer open.")
      .def(
          "position",
          [](PyBacktest& b, const std::string& symbol, const std::string& strategy) {
            return b.core().position(symbol, strategy);
          },
          py::arg("symbol"), py::arg("strategy"), "Signed quantity held by a strategy.")
      .def_property_readonly("now", [](PyBacktest& b) { return b.core().now_ns(); },
                             "The current timestamp, nanoseconds since the epoch.")
      .def_property_readonly("bar_count", [](PyBacktest& b) { return b.core().bar_count(); })
      .def("run", &PyBacktest::run, py::arg("on_fill") = py::none(),
           py::arg("on_order") = py::none(), "Replay every bar once.")
      .def("fills", &PyBacktest::fills, "Fills as tuples.")
      .def("orders", &PyBacktest::orders, "Orders as tuples.")
      .def("positions", &PyBacktest::positions, "Final positions as tuples.")
      .def("equity", &PyBacktest::equity, "(ts, cash, equity) arrays, one row per timestamp.");
}

}  // namespace alphaforge::bindings
