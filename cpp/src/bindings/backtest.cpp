#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "account_config.hpp"
#include "alphaforge/backtest.hpp"
#include "backtest_views.hpp"
#include "indicator_feeds.hpp"
#include "ledger_methods.hpp"
#include "record_views.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

BacktestConfig make_settings(double cash, double maker_fee, double taker_fee,
                             double slippage_price, double slippage_bps,
                             const std::string& account, bool allow_short, double leverage,
                             double maintenance_margin, const std::string& currency,
                             const std::map<std::string, double>& balances,
                             const std::optional<RiskLimits>& risk,
                             SelfTradePrevention self_trade_prevention) {
  if (!std::isfinite(cash) || cash < 0.0) {
    throw py::value_error("cash must be a finite number >= 0, got " + to_decimal(cash));
  }
  BacktestConfig config;
  config.engine.starting_cash = cash;
  config.engine.fees = FeeSchedule{maker_fee, taker_fee};
  config.engine.fees.validate();
  if (risk) config.engine.risk = *risk;
  config.engine.account =
      account_config(account, allow_short, leverage, maintenance_margin, currency, balances);
  config.engine.self_trade_prevention = self_trade_prevention;
  config.slippage_price = slippage_price;
  config.slippage_bps = slippage_bps;
  config.validate();
  return config;
}

class PyBacktest {
 public:
  explicit PyBacktest(const BacktestConfig& config) : core_(config) {}

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

  // `spec`: the symbol's bars resampled to it; None: the bars as added.
  void subscribe(const std::string& symbol, py::object handler,
                 const std::optional<BarSpec>& spec) {
    const BarBacktest::BarSource source = bar_source(symbol, spec);
    if (source.resampled) {
      resampled_handlers_[source.index].push_back(std::move(handler));
    } else {
      handlers_[source.index].push_back(std::move(handler));
    }
  }

  // Has the loop update `indicator` with every bar of symbol (resampled to `spec`), in C++.
  void add_indicator(const std::string& symbol, const std::optional<BarSpec>& spec,
                     py::object indicator, const std::optional<std::string>& source) {
    BarBacktest::BarFeed feed = indicator_feed(indicator, source);
    core_.add_feed(bar_source(symbol, spec), std::move(feed));
    indicators_.push_back(std::move(indicator));  // the feed holds a plain pointer into it
  }

  void run(py::object on_fill, py::object on_order) {
    const auto fill_handler = [&](const BacktestFill& f) {
      if (!on_fill.is_none()) on_fill(fill_tuple(f, core_.symbols()));
    };
    const auto order_handler = [&](const OrderRecord& o) {
      if (!on_order.is_none()) on_order(order_tuple(o, core_.symbols()));
    };
    core_.run(
        [&](const BacktestBar& bar) {
          auto& list = handlers_[bar.symbol];
          if (list.empty()) return;
          py::object& view = bars_[bar.symbol];
          next_record<BacktestBar>(view, new_bar_view) = bar;
          call_each(list, view);
        },
        fill_handler, order_handler,
        [&](std::uint32_t stream, const BacktestBar& bar) {
          auto& list = resampled_handlers_[stream];
          if (list.empty()) return;
          py::object& view = resampled_bars_[stream];
          next_record<BacktestBar>(view, new_bar_view) = bar;
          call_each(list, view);
        });
  }

  BarBacktest& core() { return core_; }
  const BarBacktest& core() const { return core_; }

 private:
  BarBacktest::BarSource bar_source(const std::string& symbol,
                                    const std::optional<BarSpec>& spec) {
    const auto id = core_.symbol_id(symbol);
    if (!id) throw py::value_error("unknown symbol " + symbol + ": add its bars first");
    if (!spec) return {false, *id};
    const std::uint32_t stream = core_.resample(symbol, *spec);
    if (stream == resampled_bars_.size()) {
      resampled_bars_.push_back(new_bar_view(py::str(symbol), py::str(spec->to_string())));
      resampled_handlers_.emplace_back();
    }
    return {true, stream};
  }

  BarBacktest core_;
  std::vector<std::vector<py::object>> handlers_;  // by symbol
  std::vector<py::object> bars_;
  std::vector<std::vector<py::object>> resampled_handlers_;  // by resampled stream
  std::vector<py::object> resampled_bars_;
  std::vector<py::object> indicators_;
};

}  // namespace

void register_backtest(py::module_& m) {
  register_record_views(m);
  py::class_<BacktestConfig>(m, "BacktestSettings",
                             "Cash, fees, slippage, account and risk limits of a replay.")
      .def(py::init(&make_settings), py::kw_only(), py::arg("cash"), py::arg("maker_fee") = 0.0,
           py::arg("taker_fee") = 0.0, py::arg("slippage_price") = 0.0,
           py::arg("slippage_bps") = 0.0, py::arg("account") = "cash",
           py::arg("allow_short") = true, py::arg("leverage") = 1.0,
           py::arg("maintenance_margin") = 0.0, py::arg("currency") = "USD",
           py::arg("balances") = std::map<std::string, double>{}, py::arg("risk") = py::none(),
           py::arg("self_trade_prevention") = SelfTradePrevention::kExpireMaker);
  py::class_<PyBacktest> cls(m, "BarBacktest", "The native bar replay behind BacktestEngine.");
  cls.def(py::init<const BacktestConfig&>(), py::arg("settings"))
      .def("add_bars", &PyBacktest::add_bars, py::arg("symbol"), py::arg("ts"), py::arg("open"),
           py::arg("high"), py::arg("low"), py::arg("close"), py::arg("volume"),
           "Add one symbol's bars as columns.")
      .def("subscribe", &PyBacktest::subscribe, py::arg("symbol"), py::arg("handler"),
           py::arg("spec") = py::none(),
           "Call handler(bar) for every bar of symbol, or of its bars resampled to spec.")
      .def("add_indicator", &PyBacktest::add_indicator, py::arg("symbol"), py::arg("spec"),
           py::arg("indicator"), py::arg("source") = py::none(),
           "Update a streaming indicator with every bar of symbol (resampled to spec) before "
           "the bars' handlers.")
      .def_property_readonly("bar_count", [](const PyBacktest& b) { return b.core().bar_count(); })
      .def("run", &PyBacktest::run, py::arg("on_fill") = py::none(),
           py::arg("on_order") = py::none(), "Replay every bar once.");
  def_ledger_methods(cls, "Send an order; it fills from the next bar on.",
                     "(ts, cash, equity) arrays, one row per timestamp.");
}

}  // namespace alphaforge::bindings
