#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "alphaforge/backtest.hpp"
#include "backtest_views.hpp"
#include "ledger_methods.hpp"
#include "record_views.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

class PyBacktest {
 public:
  PyBacktest(double cash, double maker_fee, double taker_fee, double slippage_ticks)
      : core_(backtest_config(cash, maker_fee, taker_fee, slippage_ticks)) {}

  std::uint32_t add_bars(const std::string& symbol, const I64& ts, const F64& open,
                         const F64& high, const F64& low, const F64& close, const F64& volume) {
    const auto n = static_cast<std::size_t>(ts.size());
    require_length("open", open, n);
    require_length("high", high, n);
    require_length("low", low, n);
    require_length("close", close, n);
    require_length("volume", volume, n);
    const std::uint32_t id = core_.add_bars(symbol, ts.data(), open.data(), high.data(),
                                            low.data(), close.data(), volume.data(), n);
    handlers_.emplace_back();
    bars_.push_back(new_bar_view(py::str(symbol)));
    return id;
  }

  void subscribe(const std::string& symbol, py::object handler) {
    const auto id = core_.symbol_id(symbol);
    if (!id) throw py::value_error("unknown symbol " + symbol + ": add its bars first");
    handlers_[*id].push_back(std::move(handler));
  }

  void run(py::object on_fill, py::object on_order) {
    const auto fill_handler = [&](const BacktestFill& f) {
      if (!on_fill.is_none()) on_fill(fill_tuple(f, core_.symbols()));
    };
    const auto order_handler = [&](const BacktestOrder& o) {
      if (!on_order.is_none()) on_order(order_tuple(o, core_.symbols()));
    };
    core_.run(
        [&](const BacktestBar& bar) {
          auto& list = handlers_[bar.symbol];
          if (list.empty()) return;
          const py::object& view = bars_[bar.symbol];
          record_of<BacktestBar>(view) = bar;
          call_each(list, view);
        },
        fill_handler, order_handler);
  }

  BarBacktest& core() { return core_; }
  const BarBacktest& core() const { return core_; }

 private:
  BarBacktest core_;
  std::vector<std::vector<py::object>> handlers_;
  std::vector<py::object> bars_;
};

}  // namespace

void register_backtest(py::module_& m) {
  register_record_views(m);
  py::class_<PyBacktest> cls(m, "BarBacktest", "The native bar replay behind BacktestEngine.");
  cls.def(py::init<double, double, double, double>(), py::arg("cash"), py::arg("maker_fee"),
          py::arg("taker_fee"), py::arg("slippage_ticks"))
      .def("add_bars", &PyBacktest::add_bars, py::arg("symbol"), py::arg("ts"), py::arg("open"),
           py::arg("high"), py::arg("low"), py::arg("close"), py::arg("volume"),
           "Add one symbol's bars as columns.")
      .def("subscribe", &PyBacktest::subscribe, py::arg("symbol"), py::arg("handler"),
           "Call handler(bar) for every bar of symbol.")
      .def_property_readonly("bar_count", [](const PyBacktest& b) { return b.core().bar_count(); })
      .def("run", &PyBacktest::run, py::arg("on_fill") = py::none(),
           py::arg("on_order") = py::none(), "Replay every bar once.");
  def_ledger_methods(cls, "Send an order; it fills from the next bar on.",
                     "(ts, cash, equity) arrays, one row per timestamp.");
}

}  // namespace alphaforge::bindings
