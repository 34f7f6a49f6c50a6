#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alphaforge/tick_backtest.hpp"
#include "backtest_views.hpp"
#include "indicator_feeds.hpp"
#include "ledger_methods.hpp"
#include "record_views.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

TickBacktestConfig tick_config(const BacktestConfig& settings, std::int64_t latency_ns,
                               std::int64_t equity_interval_ns) {
  TickBacktestConfig config;
  config.backtest = settings;
  config.latency_ns = latency_ns;
  config.equity_interval_ns = equity_interval_ns;
  return config;
}

// Handlers of one symbol's trades or quotes, and the record object they are all handed.
struct TickSubscribers {
  py::object view;
  std::vector<py::object> handlers;
};

class PyTickBacktest {
 public:
  PyTickBacktest(const BacktestConfig& settings, std::int64_t latency_ns,
                 std::int64_t equity_interval_ns)
      : core_(tick_config(settings, latency_ns, equity_interval_ns)) {}

  std::uint32_t add_trades(const std::string& symbol, const I64& ts, const F64& price,
                           const F64& size) {
    const auto n = static_cast<std::size_t>(ts.size());
    require_length("price", price, n);
    require_length("size", size, n);
    const std::uint32_t id = core_.add_trades(symbol, ts.data(), price.data(), size.data(), n);
    grow(id);
    return id;
  }

  std::uint32_t add_quotes(const std::string& symbol, const I64& ts, const F64& bid,
                           const F64& ask, const F64& bid_size, const F64& ask_size) {
    const auto n = static_cast<std::size_t>(ts.size());
    require_length("bid", bid, n);
    require_length("ask", ask, n);
    require_length("bid_size", bid_size, n);
    require_length("ask_size", ask_size, n);
    const std::uint32_t id = core_.add_quotes(symbol, ts.data(), bid.data(), ask.data(),
                                              bid_size.data(), ask_size.data(), n);
    grow(id);
    return id;
  }

  void subscribe_bars(const std::string& symbol, const BarSpec& spec, py::object handler) {
    bar_handlers_[bar_stream(symbol, spec)].push_back(std::move(handler));
  }

  // Has the replay update `indicator` with every bar of symbol built by `spec`, in C++, before
  // the bar's handlers.
  void add_indicator(const std::string& symbol, const BarSpec& spec, py::object indicator,
                     const std::optional<std::string>& source) {
    BarBacktest::BarFeed feed = indicator_feed(indicator, source);
    bar_feeds_[bar_stream(symbol, spec)].push_back(std::move(feed));
    indicators_.push_back(std::move(indicator));  // the feed holds a plain pointer into it
  }

  void subscribe_trades(const std::string& symbol, py::object handler) {
    core_.subscribe_trades(symbol);
    trades_[*core_.symbol_id(symbol)].handlers.push_back(std::move(handler));
  }

  void subscribe_quotes(const std::string& symbol, py::object handler) {
    core_.subscribe_quotes(symbol);
    quotes_[*core_.symbol_id(symbol)].handlers.push_back(std::move(handler));
  }

  void run(py::object on_fill, py::object on_order) {
    const auto& symbols = core_.symbols();
    core_.run(
        [&](const TradeTick& trade) {
          TickSubscribers& subs = trades_[trade.symbol_id];
          next_record<TradeTick>(subs.view, new_trade_view) = trade;
          call_each(subs.handlers, subs.view);
        },
        [&](const QuoteTick& quote) {
          TickSubscribers& subs = quotes_[quote.symbol_id];
          next_record<QuoteTick>(subs.view, new_quote_view) = quote;
          call_each(subs.handlers, subs.view);
        },
        [&](const BacktestFill& f) {
          if (!on_fill.is_none()) on_fill(fill_tuple(f, symbols));
        },
        [&](const OrderRecord& o) {
          if (!on_order.is_none()) on_order(order_tuple(o, symbols));
        });
  }

  TickBacktest& core() { return core_; }
  const TickBacktest& core() const { return core_; }

 private:
  void grow(std::uint32_t id) {
    while (trades_.size() <= id) {
      const py::str symbol(core_.symbols()[trades_.size()]);
      trades_.push_back({new_trade_view(symbol), {}});
      quotes_.push_back({new_quote_view(symbol), {}});
    }
  }

  // One stream of bars per symbol and spec, however many subscribe to it.
  std::size_t bar_stream(const std::string& symbol, const BarSpec& spec) {
    const auto key = std::make_pair(symbol, spec.to_string());
    if (const auto found = bar_streams_.find(key); found != bar_streams_.end()) {
      return found->second;
    }
    const std::size_t index = bar_views_.size();
    core_.subscribe_bars(symbol, spec, [this, index](const Bar& bar) {
      // The bar is labelled by its open time, as bars given to add_bars usually are.
      const BacktestBar record{bar.ts_open_ns, bar.open, bar.high,     bar.low,
                               bar.close,      bar.volume, bar.symbol_id};
      for (const auto& feed : bar_feeds_[index]) feed(record);
      auto& handlers = bar_handlers_[index];
      if (handlers.empty()) return;
      py::object& view = bar_views_[index];
      next_record<BacktestBar>(view, new_bar_view) = record;
      call_each(handlers, view);
    });
    bar_views_.push_back(new_bar_view(py::str(symbol), py::str(spec.to_string())));
    bar_handlers_.emplace_back();
    bar_feeds_.emplace_back();
    bar_streams_.emplace(key, index);
    return index;
  }

  TickBacktest core_;
  std::map<std::pair<std::string, std::string>, std::size_t> bar_streams_;
  std::vector<py::object> bar_views_;
  std::vector<std::vector<py::object>> bar_handlers_;
  std::vector<std::vector<BarBacktest::BarFeed>> bar_feeds_;
  std::vector<py::object> indicators_;
  std::vector<TickSubscribers> trades_;  // by symbol id
  std::vector<TickSubscribers> quotes_;
};

}  // namespace

void register_tick_backtest(py::module_& m) {
  py::class_<PyTickBacktest> cls(m, "TickBacktest",
                                 "The native trade and quote replay behind BacktestEngine.");
  cls.def(py::init<const BacktestConfig&, std::int64_t, std::int64_t>(), py::arg("settings"),
          py::arg("latency_ns"), py::arg("equity_interval_ns"))
      .def("add_trades", &PyTickBacktest::add_trades, py::arg("symbol"), py::arg("ts"),
           py::arg("price"), py::arg("size"), "Add one symbol's trades as columns.")
      .def("add_quotes", &PyTickBacktest::add_quotes, py::arg("symbol"), py::arg("ts"),
           py::arg("bid"), py::arg("ask"), py::arg("bid_size"), py::arg("ask_size"),
           "Add one symbol's best bid and ask as columns.")
      .def("subscribe_bars", &PyTickBacktest::subscribe_bars, py::arg("symbol"), py::arg("spec"),
           py::arg("handler"), "Call handler(bar) for every bar built from symbol's trades.")
      .def("add_indicator", &PyTickBacktest::add_indicator, py::arg("symbol"), py::arg("spec"),
           py::arg("indicator"), py::arg("source") = py::none(),
           "Update a streaming indicator with every bar built from symbol's trades by spec, "
           "before the bar's handlers.")
      .def("subscribe_trades", &PyTickBacktest::subscribe_trades, py::arg("symbol"),
           py::arg("handler"), "Call handler(trade) for every trade of symbol.")
      .def("subscribe_quotes", &PyTickBacktest::subscribe_quotes, py::arg("symbol"),
           py::arg("handler"), "Call handler(quote) for every quote of symbol.")
      .def_property_readonly("event_count",
                             [](const PyTickBacktest& b) { return b.core().event_count(); })
      .def("run", &PyTickBacktest::run, py::arg("on_fill") = py::none(),
           py::arg("on_order") = py::none(), "Replay every trade and quote once.");
  def_ledger_methods(cls, "Send an order; it reaches the market after the latency.",
                     "(ts, cash, equity) arrays, one row per equity interval.");
}

}  // namespace alphaforge::bindings
