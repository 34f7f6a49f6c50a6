#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <structmember.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
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

// The latencies and the queue model of an order-book replay; a latency series as three
// equal-length int64 columns, or none.
struct BookFillSettings {
  std::int64_t response_latency_ns = 0;
  std::int64_t feed_latency_ns = 0;
  std::string queue_model = "risk_averse";
  double queue_n = 3.0;
  std::optional<I64> latency_ts, latency_entry_ns, latency_response_ns;
};

std::vector<std::int64_t> column(const std::optional<I64>& values) {
  if (!values) return {};
  return {values->data(), values->data() + values->size()};
}

TickBacktestConfig tick_config(const BacktestConfig& settings, std::int64_t latency_ns,
                               std::int64_t equity_interval_ns, const BookFillSettings& book) {
  TickBacktestConfig config;
  config.backtest = settings;
  config.latency_ns = latency_ns;
  config.equity_interval_ns = equity_interval_ns;
  config.response_latency_ns = book.response_latency_ns;
  config.feed_latency_ns = book.feed_latency_ns;
  config.queue_model = QueueModel(parse_queue_model(book.queue_model), book.queue_n);
  config.latency_ts = column(book.latency_ts);
  config.latency_entry_ns = column(book.latency_entry_ns);
  config.latency_response_ns = column(book.latency_response_ns);
  return config;
}

using U8 = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>;
using I8 = py::array_t<std::int8_t, py::array::c_style | py::array::forcecast>;

// A field of BookView, a slot of the frozen dataclass. The replay writes it in the instance's
// slot, as object.__setattr__ does through the slot's member descriptor, with the slot's
// offset found once instead of an attribute lookup a write.
class BookField {
 public:
  BookField(const py::handle& type, const char* name) {
    const auto descr = py::reinterpret_steal<py::object>(PyObject_GetAttrString(type.ptr(), name));
    if (!descr) throw py::error_already_set();
    const PyMemberDef* member =
        Py_IS_TYPE(descr.ptr(), &PyMemberDescr_Type)
            ? reinterpret_cast<const PyMemberDescrObject*>(descr.ptr())->d_member
            : nullptr;
    if (member == nullptr || member->type != T_OBJECT_EX || (member->flags & READONLY) != 0) {
      throw std::runtime_error(std::string("BookView.") + name + " is not a writable slot");
    }
    offset_ = member->offset;
  }

  // Sets the field of `view`, a BookView, to `value`: a new reference it takes over.
  void set(PyObject* view, PyObject* value) const {
    if (value == nullptr) throw py::error_already_set();
    Py_XSETREF(*reinterpret_cast<PyObject**>(reinterpret_cast<char*>(view) + offset_), value);
  }

 private:
  Py_ssize_t offset_ = 0;
};

// The BookView class and the fields a replay rewrites.
struct BookViewType {
  explicit BookViewType(py::object type)
      : make(std::move(type)),
        ts_ns(make, "ts_ns"),
        update_id(make, "update_id"),
        bid_prices(make, "bid_prices"),
        bid_sizes(make, "bid_sizes"),
        ask_prices(make, "ask_prices"),
        ask_sizes(make, "ask_sizes"),
        best_bid(make, "best_bid"),
        best_ask(make, "best_ask"),
        best_bid_size(make, "best_bid_size"),
        best_ask_size(make, "best_ask_size") {}

  py::object make;
  BookField ts_ns, update_id, bid_prices, bid_sizes, ask_prices, ask_sizes, best_bid, best_ask,
      best_bid_size, best_ask_size;
};

// One of a BookView's arrays: a buffer of `depth` values and, each made when first shown, the
// views on its first n values.
class LevelBuffer {
 public:
  explicit LevelBuffer(std::size_t depth)
      : buffer_(static_cast<py::ssize_t>(depth)), heads_(depth + 1) {}

  double* data() { return buffer_.mutable_data(); }

  // The view on the first n values, a new reference.
  PyObject* head(std::size_t n) {
    py::object& view = heads_[n];
    if (!view) {
      view = py::array_t<double>({static_cast<py::ssize_t>(n)}, {sizeof(double)}, buffer_.data(),
                                 buffer_);
    }
    return view.inc_ref().ptr();
  }

 private:
  py::array_t<double> buffer_;
  std::vector<py::object> heads_;
};

// One side of the book as a subscriber's view shows it.
struct BookSide {
  explicit BookSide(std::size_t depth)
      : prices(depth), sizes(depth), ticks(depth, 0), converted(depth, 0.0) {}

  // Copies the top levels of `side` of `book` (as many as fit) into the buffers; returns how
  // many. A price whose tick the same rank held last time is not converted again.
  std::size_t copy(const DepthBook& book, OrderSide side) {
    const std::size_t n = std::min(ticks.size(), book.depth(side));
    double* p = prices.data();
    double* q = sizes.data();
    for (std::size_t rank = 0; rank < n; ++rank) {
      const DepthLevel level = *book.level(side, rank);
      if (level.price != ticks[rank]) {
        ticks[rank] = level.price;
        converted[rank] = book.grid().ticks_to_price(level.price);
      }
      p[rank] = converted[rank];
      q[rank] = level.size;
    }
    return n;
  }

  LevelBuffer prices, sizes;
  std::vector<Ticks> ticks;       // the tick of each rank's price last copied; 0 for none yet
  std::vector<double> converted;  // and that price
  std::size_t shown = 0;          // the levels the view shows
  double best = 0.0;              // the best price the view shows, when it shows any
  double best_size = 0.0;         // and the size shown there
};

// One subscription to a symbol's book: every `every`-th message, the top `depth` levels are
// copied into the buffers and `handler` is called with one BookView of views on them, its
// fields rewritten in place. Once the handler keeps a reference to the view, a new view on new
// buffers takes its place, so a kept BookView never changes.
struct BookSubscriber {
  BookSubscriber(std::size_t levels, std::size_t period, py::object call)
      : depth(levels), every(period), handler(std::move(call)) {}

  std::size_t depth;
  std::size_t every;
  std::size_t count = 0;
  py::object handler;
  std::vector<BookSide> sides;  // bids, asks: made with the view
  py::object view;              // what handler is given; none before the first call
};

// One side's fields of a BookView.
struct SideFields {
  const BookField& prices;
  const BookField& sizes;
  const BookField& best;
  const BookField& best_size;
};

// Points one side's `prices` and `sizes` fields of `view` at the first n values of the side's
// buffers, and its `best` and `best_size` fields at the best price and its size (None for no
// level), where they show something else.
void show_side(PyObject* view, BookSide& side, std::size_t n, const SideFields& fields) {
  if (n != side.shown) {
    fields.prices.set(view, side.prices.head(n));
    fields.sizes.set(view, side.sizes.head(n));
  }
  if (n == 0) {
    if (side.shown != 0) {
      fields.best.set(view, Py_NewRef(Py_None));
      fields.best_size.set(view, Py_NewRef(Py_None));
    }
  } else {
    if (side.shown == 0 || side.prices.data()[0] != side.best) {
      side.best = side.prices.data()[0];
      fields.best.set(view, PyFloat_FromDouble(side.best));
    }
    if (side.shown == 0 || side.sizes.data()[0] != side.best_size) {
      side.best_size = side.sizes.data()[0];
      fields.best_size.set(view, PyFloat_FromDouble(side.best_size));
    }
  }
  side.shown = n;
}

// Refreshes the subscriber's view with `book` and calls its handler with it.
void hand_book(BookSubscriber& sub, const DepthBook& book, const py::str& symbol,
               const BookViewType& type) {
  if (sub.view && Py_REFCNT(sub.view.ptr()) > 1) sub.view = py::object();  // kept: leave it be
  auto& sides = sub.sides;
  if (!sub.view) {
    sides.clear();
    sides.emplace_back(sub.depth);
    sides.emplace_back(sub.depth);
  }
  BookSide& bid = sides[0];
  BookSide& ask = sides[1];
  const std::size_t bids = bid.copy(book, OrderSide::kBuy);
  const std::size_t asks = ask.copy(book, OrderSide::kSell);
  if (!sub.view) {
    auto own = [](PyObject* ref) { return py::reinterpret_steal<py::object>(ref); };
    sub.view = type.make(symbol, book.ts_ns, book.update_id, own(bid.prices.head(bids)),
                         own(bid.sizes.head(bids)), own(ask.prices.head(asks)),
                         own(ask.sizes.head(asks)));
    bid.shown = bids;
    ask.shown = asks;
    if (bids != 0) {
      bid.best = bid.prices.data()[0];
      bid.best_size = bid.sizes.data()[0];
    }
    if (asks != 0) {
      ask.best = ask.prices.data()[0];
      ask.best_size = ask.sizes.data()[0];
    }
  } else {
    PyObject* view = sub.view.ptr();
    type.ts_ns.set(view, PyLong_FromLongLong(book.ts_ns));
    type.update_id.set(view, PyLong_FromUnsignedLongLong(book.update_id));
    show_side(view, bid, bids,
              {type.bid_prices, type.bid_sizes, type.best_bid, type.best_bid_size});
    show_side(view, ask, asks,
              {type.ask_prices, type.ask_sizes, type.best_ask, type.best_ask_size});
  }
  PyObject* result = PyObject_CallOneArg(sub.handler.ptr(), sub.view.ptr());
  if (result == nullptr) throw py::error_already_set();
  Py_DECREF(result);
}

// Handlers of one symbol's trades or quotes, and the record object they are all handed.
struct TickSubscribers {
  py::object view;
  std::vector<py::object> handlers;
  py::str symbol;
};

class PyTickBacktest {
 public:
  PyTickBacktest(const BacktestConfig& settings, std::int64_t latency_ns,
                 std::int64_t equity_interval_ns, const BookFillSettings& book)
      : core_(tick_config(settings, latency_ns, equity_interval_ns, book)) {}

  std::uint32_t add_trades(const std::string& symbol, const I64& ts, const F64& price,
                           const F64& size, const std::optional<I8>& aggressor) {
    const auto n = static_cast<std::size_t>(ts.size());
    require_length("price", price, n);
    require_length("size", size, n);
    if (aggressor && (aggressor->ndim() != 1 || static_cast<std::size_t>(aggressor->size()) != n)) {
      throw py::value_error("aggressor must be one-dimensional with " + std::to_string(n) +
                            " values like ts");
    }
    const std::uint32_t id = core_.add_trades(symbol, ts.data(), price.data(), size.data(), n,
                                              aggressor ? aggressor->data() : nullptr);
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

  std::uint32_t add_depth(const std::string& symbol, const I64& ts, const U8& is_bid,
                          const F64& price, const F64& size, const I64& update_id,
                          const U8& snapshot) {
    const auto n = static_cast<std::size_t>(ts.size());
    require_length("price", price, n);
    require_length("size", size, n);
    if (is_bid.ndim() != 1 || static_cast<std::size_t>(is_bid.size()) != n ||
        update_id.ndim() != 1 || static_cast<std::size_t>(update_id.size()) != n ||
        snapshot.ndim() != 1 || static_cast<std::size_t>(snapshot.size()) != n) {
      throw py::value_error("is_bid, update_id and snapshot must be one-dimensional with " +
                            std::to_string(n) + " values like ts");
    }
    const std::uint32_t id =
        core_.add_depth(symbol, ts.data(), is_bid.data(), price.data(), size.data(),
                        update_id.data(), snapshot.data(), n);
    grow(id);
    return id;
  }

  void subscribe_book(const std::string& symbol, std::size_t depth, std::size_t every,
                      py::object handler) {
    if (depth == 0) throw py::value_error("depth must be >= 1, got 0");
    if (every == 0) throw py::value_error("every must be >= 1, got 0");
    core_.subscribe_book(symbol);
    books_[*core_.symbol_id(symbol)].emplace_back(depth, every, std::move(handler));
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
    const BookViewType book_view(py::module_::import("alphaforge.records").attr("BookView"));
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
        },
        [&](std::uint32_t symbol, const DepthBook& book) {
          for (BookSubscriber& sub : books_[symbol]) {
            if (++sub.count < sub.every) continue;
            sub.count = 0;
            hand_book(sub, book, trades_[symbol].symbol, book_view);
          }
        });
  }

  TickBacktest& core() { return core_; }
  const TickBacktest& core() const { return core_; }

 private:
  void grow(std::uint32_t id) {
    while (trades_.size() <= id) {
      const py::str symbol(core_.symbols()[trades_.size()]);
      trades_.push_back({new_trade_view(symbol), {}, symbol});
      quotes_.push_back({new_quote_view(symbol), {}, symbol});
      books_.emplace_back();
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
  std::vector<std::vector<BookSubscriber>> books_;
};

}  // namespace

void register_tick_backtest(py::module_& m) {
  py::class_<PyTickBacktest> cls(m, "TickBacktest",
                                 "The native trade and quote replay behind BacktestEngine.");
  cls.def(py::init([](const BacktestConfig& settings, std::int64_t latency_ns,
                       std::int64_t equity_interval_ns, std::int64_t response_latency_ns,
                       std::int64_t feed_latency_ns, const std::string& queue_model,
                       double queue_n, std::optional<I64> latency_ts,
                       std::optional<I64> latency_entry_ns,
                       std::optional<I64> latency_response_ns) {
            return std::make_unique<PyTickBacktest>(
                settings, latency_ns, equity_interval_ns,
                BookFillSettings{response_latency_ns, feed_latency_ns, queue_model, queue_n,
                                 std::move(latency_ts), std::move(latency_entry_ns),
                                 std::move(latency_response_ns)});
          }),
          py::arg("settings"), py::arg("latency_ns"), py::arg("equity_interval_ns"),
          py::kw_only(), py::arg("response_latency_ns") = 0, py::arg("feed_latency_ns") = 0,
          py::arg("queue_model") = "risk_averse", py::arg("queue_n") = 3.0,
          py::arg("latency_ts") = py::none(), py::arg("latency_entry_ns") = py::none(),
          py::arg("latency_response_ns") = py::none())
      .def("add_trades", &PyTickBacktest::add_trades, py::arg("symbol"), py::arg("ts"),
           py::arg("price"), py::arg("size"), py::arg("aggressor") = py::none(),
           "Add one symbol's trades as columns; aggressor: each taker's side (0, 1 buyer, "
           "2 seller).")
      .def("add_quotes", &PyTickBacktest::add_quotes, py::arg("symbol"), py::arg("ts"),
           py::arg("bid"), py::arg("ask"), py::arg("bid_size"), py::arg("ask_size"),
           "Add one symbol's best bid and ask as columns.")
      .def("add_depth", &PyTickBacktest::add_depth, py::arg("symbol"), py::arg("ts"),
           py::arg("is_bid"), py::arg("price"), py::arg("size"), py::arg("update_id"),
           py::arg("snapshot"),
           "Add one symbol's L2 depth rows (a checked chain); each message updates its book.")
      .def("subscribe_book", &PyTickBacktest::subscribe_book, py::arg("symbol"),
           py::arg("depth"), py::arg("every"), py::arg("handler"),
           "Call handler(BookView) with the top depth levels after every every-th message.")
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
