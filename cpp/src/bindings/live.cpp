#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alphaforge/live_feed.hpp"
#include "arguments.hpp"
#include "backtest_views.hpp"
#include "data_engine_handle.hpp"
#include "record_views.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

// Handlers of one symbol's trades or quotes, and the record object they are handed.
struct Subscribers {
  py::object view;
  std::vector<py::object> handlers;
};

// Calls every handler with `view` even when one raises, so one strategy's error never keeps
// an event from the others; the first error is raised once all have run.
void call_all(const std::vector<py::object>& handlers, py::handle view) {
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  for (const py::object& handler : handlers) {
    PyObject* out = PyObject_CallOneArg(handler.ptr(), view.ptr());
    if (out != nullptr) {
      Py_DECREF(out);
    } else if (type == nullptr) {
      PyErr_Fetch(&type, &value, &traceback);
    } else {
      PyErr_WriteUnraisable(handler.ptr());  // a second error in one event: reported, not lost
    }
  }
  if (type != nullptr) {
    PyErr_Restore(type, value, traceback);
    throw py::error_already_set();
  }
}

class PyLiveFeed {
 public:
  explicit PyLiveFeed(std::optional<std::int64_t> paper_latency_ns) : feed_(paper_latency_ns) {
    feed_.set_handlers(
        [this](const TradeTick& t) {
          Subscribers& subs = trades_[t.symbol_id];
          next_record<TradeTick>(subs.view, new_trade_view) = t;
          call_all(subs.handlers, subs.view);
        },
        [this](const QuoteTick& q) {
          Subscribers& subs = quotes_[q.symbol_id];
          next_record<QuoteTick>(subs.view, new_quote_view) = q;
          call_all(subs.handlers, subs.view);
        },
        [this](const MatchEvent& m) { deliver_match(m); });
  }

  std::uint32_t symbol_id(py::handle symbol) {
    if (symbol.ptr() == cached_symbol_.ptr()) return cached_id_;
    if (!PyUnicode_Check(symbol.ptr())) {
      throw py::type_error("symbol must be a str, got " + type_name(symbol));
    }
    const std::uint32_t id = feed_.intern(symbol.cast<std::string>());
    while (trades_.size() <= id) {
      const py::str name(feed_.data().symbol_name(static_cast<std::uint32_t>(trades_.size())));
      trades_.push_back({new_trade_view(name), {}});
      quotes_.push_back({new_quote_view(name), {}});
    }
    cached_symbol_ = py::reinterpret_borrow<py::object>(symbol);
    cached_id_ = id;
    return id;
  }

  void subscribe_bars(py::handle symbol, const BarSpec& spec, py::object handler) {
    const std::uint32_t id = symbol_id(symbol);
    const std::size_t index = bar_views_.size();
    bar_views_.push_back(
        new_bar_view(py::str(feed_.data().symbol_name(id)), py::str(spec.to_string())));
    bar_handlers_.push_back(std::move(handler));
    feed_.subscribe_bars(feed_.data().symbol_name(id), spec, [this, index](const Bar& bar) {
      py::object& view = bar_views_[index];
      // Labelled by its open time, as the tick backtest labels the bars it builds.
      next_record<BacktestBar>(view, new_bar_view) = BacktestBar{
          bar.ts_open_ns, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.symbol_id};
      PyObject* out = PyObject_CallOneArg(bar_handlers_[index].ptr(), view.ptr());
      if (out == nullptr) throw py::error_already_set();
      Py_DECREF(out);
    });
  }

  void subscribe_trades(py::handle symbol, py::object handler) {
    const std::uint32_t id = symbol_id(symbol);
    trades_[id].handlers.push_back(std::move(handler));
    feed_.watch_trades(id);
  }

  void subscribe_quotes(py::handle symbol, py::object handler) {
    const std::uint32_t id = symbol_id(symbol);
    quotes_[id].handlers.push_back(std::move(handler));
    feed_.watch_quotes(id);
  }

  void set_match_handler(py::object handler) { on_match_ = std::move(handler); }

  void on_trade(py::handle symbol, std::int64_t ts_ns, double price, double size,
                std::int64_t trade_id) {
    TradeTick t{ts_ns, price, size, trade_id, symbol_id(symbol), 0};
    feed_.on_trade(t);
  }

  void on_quote(py::handle symbol, std::int64_t ts_ns, double bid, double ask, double bid_size,
                double ask_size) {
    feed_.on_quote(QuoteTick{ts_ns, bid, ask, bid_size, ask_size, symbol_id(symbol)});
  }

  void add_paper_order(std::uint64_t order_id, py::handle symbol, const std::string& side,
                       const std::string& type, const std::string& time_in_force,
                       std::optional<double> price, std::optional<double> stop_price) {
    BacktestOrder o{};
    o.id = order_id;
    o.side = parse_side(side);
    o.type = parse_type(type);
    o.tif = parse_time_in_force(time_in_force);
    o.price = price;
    o.stop_price = stop_price;
    feed_.add_paper_order(symbol_id(symbol), o);
  }

  std::optional<double> last_price(py::handle symbol) {
    const auto t = feed_.data().last_trade(symbol_id(symbol));
    if (!t) return std::nullopt;
    return t->price;
  }

  std::optional<std::pair<double, double>> best_bid_ask(py::handle symbol) {
    const auto q = feed_.data().best_quote(symbol_id(symbol));
    if (!q) return std::nullopt;
    return std::make_pair(q->bid, q->ask);
  }

  LiveFeed& feed() noexcept { return feed_; }
  const LiveFeed& feed() const noexcept { return feed_; }

 private:
  void deliver_match(const MatchEvent& m) {
    if (on_match_.is_none()) return;
    const FillDecision& d = m.decision;
    const bool filled = d.kind == FillDecision::Kind::kFill;
    on_match_(m.order_id, filled ? "FILLED" : "EXPIRED", filled ? py::cast(d.price) : py::none(),
              std::string(to_string(d.liquidity)), std::string(d.reason));
  }

  LiveFeed feed_;
  py::object cached_symbol_;
  std::uint32_t cached_id_ = 0;
  std::vector<Subscribers> trades_;  // by symbol id
  std::vector<Subscribers> quotes_;
  std::vector<py::object> bar_views_;
  std::vector<py::object> bar_handlers_;
  py::object on_match_ = py::none();
};

}  // namespace

const DataEngine* live_feed_data(py::handle feed) {
  if (!py::isinstance<PyLiveFeed>(feed)) return nullptr;
  return &feed.cast<PyLiveFeed&>().feed().data();
}

void register_live(py::module_& m) {
  py::class_<PyLiveFeed>(m, "LiveFeed",
                         "The live node's market-data path: data engine, paper fills, handlers.")
      .def(py::init<std::optional<std::int64_t>>(), py::arg("paper_latency_ns") = py::none())
      .def("subscribe_bars", &PyLiveFeed::subscribe_bars, py::arg("symbol"), py::arg("spec"),
           py::arg("handler"), "Call handler(bar) for each bar built from symbol's trades.")
      .def("subscribe_trades", &PyLiveFeed::subscribe_trades, py::arg("symbol"),
           py::arg("handler"), "Call handler(trade) for each trade of symbol.")
      .def("subscribe_quotes", &PyLiveFeed::subscribe_quotes, py::arg("symbol"),
           py::arg("handler"), "Call handler(quote) for each quote of symbol.")
      .def("set_match_handler", &PyLiveFeed::set_match_handler, py::arg("handler"),
           "handler(order_id, status, price, liquidity, reason) for each paper order settled.")
      .def("on_trade", &PyLiveFeed::on_trade, py::arg("symbol"), py::arg("ts_ns"),
           py::arg("price"), py::arg("size"), py::arg("trade_id") = 0,
           "A trade from the venue: bars, paper fills, then the trade handlers.")
      .def("on_quote", &PyLiveFeed::on_quote, py::arg("symbol"), py::arg("ts_ns"), py::arg("bid"),
           py::arg("ask"), py::arg("bid_size"), py::arg("ask_size"),
           "A best bid and ask from the venue: paper fills, then the quote handlers.")
      .def("add_paper_order", &PyLiveFeed::add_paper_order, py::arg("order_id"),
           py::arg("symbol"), py::arg("side"), py::arg("type"), py::arg("time_in_force"),
           py::arg("price") = py::none(), py::arg("stop_price") = py::none(),
           "Hold an order for the paper venue's fill model.")
      .def(
          "cancel_paper_order",
          [](PyLiveFeed& f, std::uint64_t id) { return f.feed().cancel_paper_order(id); },
          py::arg("order_id"), "Drop a pending paper order; False when it is not pending.")
      .def("last_price", &PyLiveFeed::last_price, py::arg("symbol"),
           "The last trade price of symbol, or None.")
      .def("best_bid_ask", &PyLiveFeed::best_bid_ask, py::arg("symbol"),
           "(bid, ask) of symbol, or None.")
      .def(
          "flush", [](PyLiveFeed& f) { f.feed().flush(); }, "Emit every open bar.")
      .def_property_readonly("paper", [](const PyLiveFeed& f) { return f.feed().paper(); })
      .def_property_readonly("paper_pending",
                             [](const PyLiveFeed& f) { return f.feed().paper_pending(); })
      .def_property_readonly("now_ns", [](const PyLiveFeed& f) { return f.feed().now_ns(); })
      .def_property_readonly("events", [](const PyLiveFeed& f) { return f.feed().events(); })
      .def(
          "statistics", [](const PyLiveFeed& f) { return f.feed().data().statistics(); },
          "The data engine's counters.");
}

}  // namespace alphaforge::bindings
