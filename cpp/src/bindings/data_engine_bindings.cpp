#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alphaforge/data_engine.hpp"
#include "arguments.hpp"
#include "data_engine_handle.hpp"
#include "data_records.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

// How long a blocked call waits with the GIL released before it checks for Ctrl-C.
constexpr auto kSignalCheckInterval = std::chrono::milliseconds(20);

std::int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double number_argument(py::handle value, const char* field) {
  const double out = PyFloat_AsDouble(value.ptr());
  if (out == -1.0 && PyErr_Occurred()) {
    PyErr_Clear();
    throw py::type_error(std::string(field) + " must be a number, got " + type_name(value));
  }
  return out;
}

std::int64_t timestamp_argument(py::handle value) {
  if (value.is_none()) return wall_clock_ns();
  if (PyBool_Check(value.ptr()) || !PyLong_Check(value.ptr())) {
    throw py::type_error("ts_ns must be an int (nanoseconds since the epoch) or None, got " +
                         type_name(value));
  }
  const long long ts = PyLong_AsLongLong(value.ptr());
  if (ts == -1 && PyErr_Occurred()) throw py::error_already_set();
  return ts;
}

Overflow parse_overflow(const std::string& name) {
  if (name == "block") return Overflow::kBlock;
  if (name == "drop") return Overflow::kDrop;
  throw py::value_error("overflow must be 'block' or 'drop', got '" + name + "'");
}

// Optional int8/int64 side columns of a trade batch; empty when None.
template <typename T>
py::array_t<T> optional_column(py::handle values, const char* name, std::size_t rows) {
  if (values.is_none()) return py::array_t<T>();
  py::array array = py::module_::import("numpy").attr("asarray")(values);
  const char kind = array.dtype().kind();
  if (kind != 'i' && kind != 'u') {
    throw py::type_error(std::string(name) + " must hold integers, got dtype " +
                         std::string(py::str(array.dtype())));
  }
  auto out = py::module_::import("numpy")
                 .attr("ascontiguousarray")(array, py::dtype::of<T>())
                 .template cast<py::array_t<T>>();
  if (out.ndim() != 1) throw py::value_error(std::string(name) + " must be one-dimensional");
  require_length(out, rows, name);
  return out;
}

struct TradeColumns {
  py::array_t<std::int64_t> ts;
  py::array_t<double> price;
  py::array_t<double> size;
  py::array_t<std::int8_t> aggressor;
  py::array_t<std::int64_t> trade_id;
  std::size_t rows;

  TradeColumns(py::handle ts_ns, py::handle price_values, py::handle size_values,
               py::handle aggressor_values, py::handle trade_ids)
      : ts(column<std::int64_t>(ts_ns, "ts_ns")),
        price(column<double>(price_values, "price")),
        size(column<double>(size_values, "size")),
        rows(static_cast<std::size_t>(ts.size())) {
    require_length(price, rows, "price");
    require_length(size, rows, "size");
    aggressor = optional_column<std::int8_t>(aggressor_values, "aggressor", rows);
    trade_id = optional_column<std::int64_t>(trade_ids, "trade_id", rows);
    if (rows == 0) throw py::value_error("empty data: ts_ns has no rows");
  }
  const std::int8_t* aggressor_data() const {
    return aggressor.size() ? aggressor.data() : nullptr;
  }
  const std::int64_t* trade_id_data() const { return trade_id.size() ? trade_id.data() : nullptr; }
};

// The columns of a quote batch, checked for length and emptiness once for every entry point.
struct QuoteColumns {
  py::array_t<std::int64_t> ts;
  py::array_t<double> bid;
  py::array_t<double> ask;
  py::array_t<double> bid_size;
  py::array_t<double> ask_size;
  std::size_t rows;

  QuoteColumns(py::handle ts_ns, py::handle bids, py::handle asks, py::handle bid_sizes,
               py::handle ask_sizes)
      : ts(column<std::int64_t>(ts_ns, "ts_ns")),
        bid(column<double>(bids, "bid")),
        ask(column<double>(asks, "ask")),
        bid_size(column<double>(bid_sizes, "bid_size")),
        ask_size(column<double>(ask_sizes, "ask_size")),
        rows(static_cast<std::size_t>(ts.size())) {
    require_length(bid, rows, "bid");
    require_length(ask, rows, "ask");
    require_length(bid_size, rows, "bid_size");
    require_length(ask_size, rows, "ask_size");
    if (rows == 0) throw py::value_error("empty data: ts_ns has no rows");
  }
  void validate() const {
    raise_violation(
        check_quotes(ts.data(), bid.data(), ask.data(), bid_size.data(), ask_size.data(), rows));
  }
};

// Marks the engine busy for one call: a handler that calls back into the engine, or a second
// Python thread slipping in while a handler runs, gets an error instead of corrupting state.
class BusyGuard {
 public:
  explicit BusyGuard(bool& busy) : busy_(busy) {
    if (busy_) {
      throw std::logic_error(
          "DataEngine is already processing (a call from inside a handler, or from another "
          "thread while a handler runs); handlers must not feed the engine they listen to");
    }
    busy_ = true;
  }
  ~BusyGuard() { busy_ = false; }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  bool& busy_;
};

// Calls a Python handler from whichever thread ingests: the caller's (GIL held) or the
// engine thread (GIL taken for the call).
template <typename Record>
struct PythonHandler {
  py::function function;

  void operator()(Record record) const {
    const PyGILState_STATE state = PyGILState_Ensure();
    try {
      function(std::move(record));
    } catch (...) {
      PyGILState_Release(state);
      throw;
    }
    PyGILState_Release(state);
  }
};

class PyPublisher;

class PyDataEngine {
 public:
  explicit PyDataEngine(const DataEngineConfig& config)
      : engine_(std::make_unique<DataEngine>(config)) {
    // The engine thread keeps one Python thread state for its whole life, so each handler
    // call only takes the GIL instead of creating and destroying a thread state.
    auto attached = std::make_shared<std::pair<PyGILState_STATE, PyThreadState*>>();
    engine_->set_thread_hooks(
        [attached] {
          attached->first = PyGILState_Ensure();
          attached->second = PyEval_SaveThread();
        },
        [attached] {
          PyEval_RestoreThread(attached->second);
          PyGILState_Release(attached->first);
        });
  }

  ~PyDataEngine() {
    if (engine_->running()) {
      py::gil_scoped_release release;
      try {
        engine_->stop();
      } catch (...) {
        // Nowhere to report a handler's error from a destructor.
      }
    }
  }

  PyDataEngine(const PyDataEngine&) = delete;
  PyDataEngine& operator=(const PyDataEngine&) = delete;

  DataEngine& engine() { return *engine_; }

  // The id of `symbol`. A new symbol is registered only once `valid()` has accepted the data,
  // so rejected input leaves no symbol behind.
  template <typename Validate>
  std::uint32_t symbol_id(py::handle symbol, Validate&& valid) {
    if (symbol.ptr() == cached_symbol_.ptr()) return cached_id_;
    if (!PyUnicode_Check(symbol.ptr())) {
      throw py::type_error("symbol must be a str, got " + type_name(symbol));
    }
    Py_ssize_t length = 0;
    const char* text = PyUnicode_AsUTF8AndSize(symbol.ptr(), &length);
    if (text == nullptr) throw py::error_already_set();
    const std::string_view name(text, static_cast<std::size_t>(length));
    std::optional<std::uint32_t> id = engine_->find_symbol(name);
    if (!id) {
      valid();
      id = engine_->intern(name);
    }
    cached_symbol_ = py::reinterpret_borrow<py::object>(symbol);
    cached_id_ = *id;
    return *id;
  }

  std::uint32_t symbol_id(py::handle symbol) {
    return symbol_id(symbol, [] {});
  }

  py::str symbol_str(std::uint32_t id) { return py::str(engine_->symbol_name(id)); }

  void process_trade(py::handle symbol, py::handle price, py::handle size, py::handle ts_ns) {
    BusyGuard busy(busy_);
    TradeTick t{};
    t.price = number_argument(price, "price");
    t.size = number_argument(size, "size");
    t.ts_ns = timestamp_argument(ts_ns);
    t.symbol_id = symbol_id(
        symbol, [&] { raise_violation(check_trades(&t.ts_ns, &t.price, &t.size, 1)); });
    direct([&] { engine_->process_trade(t); });
  }

  void process_quote(py::handle symbol, py::handle bid, py::handle ask, py::handle bid_size,
                     py::handle ask_size, py::handle ts_ns) {
    BusyGuard busy(busy_);
    QuoteTick q{};
    q.bid = number_argument(bid, "bid");
    q.ask = number_argument(ask, "ask");
    q.bid_size = number_argument(bid_size, "bid_size");
    q.ask_size = number_argument(ask_size, "ask_size");
    q.ts_ns = timestamp_argument(ts_ns);
    q.symbol_id = symbol_id(symbol, [&] {
      raise_violation(check_quotes(&q.ts_ns, &q.bid, &q.ask, &q.bid_size, &q.ask_size, 1));
    });
    direct([&] { engine_->process_quote(q); });
  }

  std::size_t process_trades(py::handle symbol, py::handle ts_ns, py::handle price,
                             py::handle size, py::handle aggressor, py::handle trade_id) {
    BusyGuard busy(busy_);
    const TradeColumns c(ts_ns, price, size, aggressor, trade_id);
    const std::uint32_t id = symbol_id(symbol, [&] {
      raise_violation(check_trades(c.ts.data(), c.price.data(), c.size.data(), c.rows));
    });
    direct([&] {
      engine_->process_trades(id, c.ts.data(), c.price.data(), c.size.data(), c.aggressor_data(),
                              c.trade_id_data(), c.rows);
    });
    return c.rows;
  }

  std::size_t process_quotes(py::handle symbol, py::handle ts_ns, py::handle bid, py::handle ask,
                             py::handle bid_size, py::handle ask_size) {
    BusyGuard busy(busy_);
    const QuoteColumns q(ts_ns, bid, ask, bid_size, ask_size);
    const std::uint32_t id = symbol_id(symbol, [&] { q.validate(); });
    direct([&] {
      engine_->process_quotes(id, q.ts.data(), q.bid.data(), q.ask.data(), q.bid_size.data(),
                              q.ask_size.data(), q.rows);
    });
    return q.rows;
  }

  void flush() {
    BusyGuard busy(busy_);
    engine_->flush();
  }

  std::uint64_t subscribe_bars(py::handle symbol, const BarSpec& spec, py::function handler,
                               bool fill_gaps) {
    BusyGuard busy(busy_);
    const std::uint32_t id = symbol_id(symbol);
    return engine_->subscribe_bars(
        engine_->symbol_name(id), spec,
        [h = PythonHandler<PyBar>{std::move(handler)}, name = symbol_str(id), spec](const Bar& b) {
          h(PyBar{name, spec, b});
        },
        fill_gaps);
  }

  std::uint64_t subscribe_trades(py::handle symbol, py::function handler) {
    BusyGuard busy(busy_);
    const std::uint32_t id = symbol_id(symbol);
    return engine_->subscribe_trades(
        engine_->symbol_name(id),
        [h = PythonHandler<PyTrade>{std::move(handler)}, name = symbol_str(id)](
            const TradeTick& t) { h(PyTrade{name, t}); });
  }

  std::uint64_t subscribe_quotes(py::handle symbol, py::function handler) {
    BusyGuard busy(busy_);
    const std::uint32_t id = symbol_id(symbol);
    return engine_->subscribe_quotes(
        engine_->symbol_name(id),
        [h = PythonHandler<PyQuote>{std::move(handler)}, name = symbol_str(id)](
            const QuoteTick& q) { h(PyQuote{name, q}); });
  }

  bool unsubscribe(std::uint64_t id) {
    BusyGuard busy(busy_);
    return engine_->unsubscribe(id);
  }

  void add_replay_feed(const std::string& path, const std::vector<std::string>& symbols) {
    if (symbols.empty()) throw py::value_error("symbols must name at least one symbol");
    std::vector<std::uint32_t> ids;
    for (const auto& s : symbols) ids.push_back(engine_->intern(s));
    engine_->add_feed(std::make_unique<FileReplayFeed>(path, std::move(ids)));
  }

  void start() { engine_->start(); }

  void stop() {
    py::gil_scoped_release release;
    engine_->stop();
  }

  bool wait_until_drained(py::handle timeout) {
    double seconds = -1.0;
    if (!timeout.is_none()) {
      seconds = number_argument(timeout, "timeout");
      if (!(seconds >= 0.0) || std::isinf(seconds)) {
        throw py::value_error("timeout must be a finite number of seconds >= 0 or None, got " +
                              std::to_string(seconds));
      }
    }
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
      std::chrono::nanoseconds slice = kSignalCheckInterval;
      if (seconds >= 0.0) {
        const std::chrono::duration<double> left =
            std::chrono::duration<double>(seconds) - (std::chrono::steady_clock::now() - start);
        slice = std::min(slice, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::max(left, std::chrono::duration<double>(0))));
      }
      bool drained = false;
      {
        py::gil_scoped_release release;
        drained = engine_->wait_until_drained(slice);
      }
      if (drained) return true;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (seconds >= 0.0 &&
          std::chrono::steady_clock::now() - start >= std::chrono::duration<double>(seconds)) {
        return false;
      }
    }
  }

  py::object last_trade(const std::string& symbol) {
    const auto id = engine_->find_symbol(symbol);
    if (!id) return py::none();
    const auto t = engine_->last_trade(*id);
    if (!t) return py::none();
    return py::cast(PyTrade{symbol_str(*id), TradeTick{t->ts_ns, t->price, t->size, 0, *id, 0}});
  }

  py::object last_price(const std::string& symbol) {
    const auto t = engine_->last_trade(std::string_view(symbol));
    return t ? py::object(py::float_(t->price)) : py::object(py::none());
  }

  py::object best_quote(const std::string& symbol) {
    const auto id = engine_->find_symbol(symbol);
    if (!id) return py::none();
    const auto q = engine_->best_quote(*id);
    if (!q) return py::none();
    return py::cast(PyQuote{symbol_str(*id),
                            QuoteTick{q->ts_ns, q->bid, q->ask, q->bid_size, q->ask_size, *id}});
  }

  std::vector<std::string> symbols() const {
    std::vector<std::string> out;
    for (std::uint32_t i = 0; i < engine_->symbol_count(); ++i) {
      out.push_back(engine_->symbol_name(i));
    }
    return out;
  }

 private:
  // A direct call while the engine thread runs only checks and queues the data, and may wait
  // for room in the ring: the GIL is released so that the engine thread's handlers can run.
  template <typename Call>
  void direct(Call&& call) {
    if (engine_->running() && !engine_->on_engine_thread()) {
      py::gil_scoped_release release;
      call();
    } else {
      call();
    }
  }

  std::unique_ptr<DataEngine> engine_;
  py::object cached_symbol_;
  std::uint32_t cached_id_ = 0;
  bool busy_ = false;
};

// Lets any Python thread feed a running engine through a shared lock-free ring.
class PyPublisher {
 public:
  PyPublisher(PyDataEngine& owner, MarketChannel& channel) : owner_(owner), channel_(channel) {}

  std::size_t publish_trades(py::handle symbol, py::handle ts_ns, py::handle price,
                             py::handle size, py::handle aggressor, py::handle trade_id) {
    const TradeColumns c(ts_ns, price, size, aggressor, trade_id);
    raise_violation(check_trades(c.ts.data(), c.price.data(), c.size.data(), c.rows));
    const std::uint32_t id = owner_.engine().intern(symbol_text(symbol));
    std::vector<MarketEvent> events(c.rows);
    for (std::size_t i = 0; i < c.rows; ++i) {
      events[i] = MarketEvent::of(TradeTick{c.ts.data()[i], c.price.data()[i], c.size.data()[i],
                                            c.trade_id.size() ? c.trade_id.data()[i] : 0, id,
                                            c.aggressor.size() ? c.aggressor.data()[i]
                                                               : std::int8_t{0}});
    }
    return publish(events);
  }

  std::size_t publish_quotes(py::handle symbol, py::handle ts_ns, py::handle bid, py::handle ask,
                             py::handle bid_size, py::handle ask_size) {
    const QuoteColumns q(ts_ns, bid, ask, bid_size, ask_size);
    q.validate();
    const std::uint32_t id = owner_.engine().intern(symbol_text(symbol));
    std::vector<MarketEvent> events(q.rows);
    for (std::size_t i = 0; i < q.rows; ++i) {
      events[i] = MarketEvent::of(QuoteTick{q.ts.data()[i], q.bid.data()[i], q.ask.data()[i],
                                            q.bid_size.data()[i], q.ask_size.data()[i], id});
    }
    return publish(events);
  }

  std::uint64_t published() const { return channel_.published(); }
  std::uint64_t dropped() const { return channel_.dropped(); }

 private:
  static std::string symbol_text(py::handle symbol) {
    if (!PyUnicode_Check(symbol.ptr())) {
      throw py::type_error("symbol must be a str, got " + type_name(symbol));
    }
    return symbol.cast<std::string>();
  }

  // The channel's overflow policy, waiting with the GIL released and checking for Ctrl-C.
  std::size_t publish(const std::vector<MarketEvent>& events) {
    std::size_t done = 0;
    for (;;) {
      {
        py::gil_scoped_release release;
        done += channel_.try_publish(events.data() + done, events.size() - done);
        if (channel_.overflow() == Overflow::kBlock) {
          Backoff backoff;
          const auto until = std::chrono::steady_clock::now() + kSignalCheckInterval;
          while (done < events.size() && !channel_.closed() &&
                 std::chrono::steady_clock::now() < until) {
            const std::size_t placed =
                channel_.try_publish(events.data() + done, events.size() - done);
            done += placed;
            if (placed == 0) backoff.pause();
          }
        }
      }
      if (done == events.size() || channel_.overflow() == Overflow::kDrop || channel_.closed()) {
        break;
      }
      if (PyErr_CheckSignals() != 0) {
        channel_.count_dropped(events.size() - done);
        throw py::error_already_set();
      }
    }
    channel_.count_dropped(events.size() - done);
    return done;
  }

  PyDataEngine& owner_;
  MarketChannel& channel_;
};

}  // namespace

DataEngine& data_engine_of(py::handle engine) {
  if (!py::isinstance<PyDataEngine>(engine)) {
    throw py::type_error("data_engine must be an alphaforge.data.DataEngine, got " +
                         type_name(engine));
  }
  return engine.cast<PyDataEngine&>().engine();
}

void register_data_engine(py::module_& m) {
  py::class_<DataEngineConfig>(m, "DataEngineConfig", "Settings of a DataEngine.")
      .def(py::init([](bool enable_statistics, py::handle ring_capacity, py::handle drain_batch,
                       py::handle max_symbols, const std::string& overflow) {
             DataEngineConfig c;
             c.enable_statistics = enable_statistics;
             c.ring_capacity = count_argument(ring_capacity, "ring_capacity", 1);
             c.drain_batch = count_argument(drain_batch, "drain_batch", 1);
             c.max_symbols = count_argument(max_symbols, "max_symbols", 1);
             c.overflow = parse_overflow(overflow);
             c.validate();
             return c;
           }),
           py::kw_only(), py::arg("enable_statistics") = true, py::arg("ring_capacity") = 65536,
           py::arg("drain_batch") = 4096, py::arg("max_symbols") = 65536,
           py::arg("overflow") = "block")
      .def_readonly("enable_statistics", &DataEngineConfig::enable_statistics)
      .def_readonly("ring_capacity", &DataEngineConfig::ring_capacity)
      .def_readonly("drain_batch", &DataEngineConfig::drain_batch)
      .def_readonly("max_symbols", &DataEngineConfig::max_symbols)
      .def_property_readonly("overflow",
                             [](const DataEngineConfig& c) {
                               return c.overflow == Overflow::kDrop ? "drop" : "block";
                             })
      .def("__repr__", [](const DataEngineConfig& c) {
        return "DataEngineConfig(enable_statistics=" +
               std::string(c.enable_statistics ? "True" : "False") +
               ", ring_capacity=" + std::to_string(c.ring_capacity) +
               ", drain_batch=" + std::to_string(c.drain_batch) +
               ", max_symbols=" + std::to_string(c.max_symbols) + ", overflow='" +
               (c.overflow == Overflow::kDrop ? "drop" : "block") + "')";
      });

  py::class_<DataEngineStatistics>(m, "DataEngineStatistics", "Counters of a DataEngine.")
      .def_readonly("ticks_processed", &DataEngineStatistics::ticks_processed)
      .def_readonly("quotes_processed", &DataEngineStatistics::quotes_processed)
      .def_readonly("bars_emitted", &DataEngineStatistics::bars_emitted)
      .def_readonly("ticks_per_second", &DataEngineStatistics::ticks_per_second)
      .def_readonly("queue_high_water", &DataEngineStatistics::queue_high_water)
      .def_readonly("dropped", &DataEngineStatistics::dropped)
      .def_readonly("rejected", &DataEngineStatistics::rejected)
      .def_readonly("handler_errors", &DataEngineStatistics::handler_errors)
      .def("to_dict",
           [](const DataEngineStatistics& s) {
             py::dict d;
             d["ticks_processed"] = s.ticks_processed;
             d["quotes_processed"] = s.quotes_processed;
             d["bars_emitted"] = s.bars_emitted;
             d["ticks_per_second"] = s.ticks_per_second;
             d["queue_high_water"] = s.queue_high_water;
             d["dropped"] = s.dropped;
             d["rejected"] = s.rejected;
             d["handler_errors"] = s.handler_errors;
             return d;
           },
           "The counters as a dict.")
      .def("__repr__", [](const DataEngineStatistics& s) {
        return "DataEngineStatistics(ticks_processed=" + std::to_string(s.ticks_processed) +
               ", quotes_processed=" + std::to_string(s.quotes_processed) +
               ", bars_emitted=" + std::to_string(s.bars_emitted) +
               ", ticks_per_second=" + std::to_string(s.ticks_per_second) +
               ", queue_high_water=" + std::to_string(s.queue_high_water) +
               ", dropped=" + std::to_string(s.dropped) + ", rejected=" +
               std::to_string(s.rejected) + ", handler_errors=" + std::to_string(s.handler_errors) +
               ")";
      });

  py::class_<PyPublisher>(m, "Publisher",
                          "A shared lock-free ring into a DataEngine, usable from any thread.")
      .def("publish_trades", &PyPublisher::publish_trades, py::arg("symbol"), py::arg("ts_ns"),
           py::arg("price"), py::arg("size"), py::arg("aggressor") = py::none(),
           py::arg("trade_id") = py::none(),
           "Validate a batch of trades and queue it; returns how many entered the ring.")
      .def("publish_quotes", &PyPublisher::publish_quotes, py::arg("symbol"), py::arg("ts_ns"),
           py::arg("bid"), py::arg("ask"), py::arg("bid_size"), py::arg("ask_size"),
           "Validate a batch of quotes and queue it; returns how many entered the ring.")
      .def_property_readonly("published", &PyPublisher::published)
      .def_property_readonly("dropped", &PyPublisher::dropped);

  py::class_<PyDataEngine>(m, "DataEngine",
                           "Ingests trades and quotes, keeps last prices, builds bars, calls "
                           "subscribers; optionally drains producer rings on its own thread.")
      .def(py::init([](std::optional<DataEngineConfig> config) {
             return std::make_unique<PyDataEngine>(config.value_or(DataEngineConfig{}));
           }),
           py::arg("config") = py::none())
      .def("process_trade", &PyDataEngine::process_trade, py::arg("symbol"), py::arg("price"),
           py::arg("size"), py::arg("ts_ns") = py::none(),
           "Apply one trade (last price, bars, subscribers) before returning.")
      .def("process_quote", &PyDataEngine::process_quote, py::arg("symbol"), py::arg("bid"),
           py::arg("ask"), py::arg("bid_size"), py::arg("ask_size"), py::arg("ts_ns") = py::none(),
           "Apply one quote (best bid and ask, subscribers) before returning.")
      .def("process_trades", &PyDataEngine::process_trades, py::arg("symbol"), py::arg("ts_ns"),
           py::arg("price"), py::arg("size"), py::arg("aggressor") = py::none(),
           py::arg("trade_id") = py::none(),
           "Apply a numpy batch of one symbol's trades; all or nothing on bad input.")
      .def("process_quotes", &PyDataEngine::process_quotes, py::arg("symbol"), py::arg("ts_ns"),
           py::arg("bid"), py::arg("ask"), py::arg("bid_size"), py::arg("ask_size"),
           "Apply a numpy batch of one symbol's quotes; all or nothing on bad input.")
      .def("flush", &PyDataEngine::flush, "Emit every open bar as it stands.")
      .def("subscribe_bars", &PyDataEngine::subscribe_bars, py::arg("symbol"), py::arg("spec"),
           py::arg("handler"), py::arg("fill_gaps") = false,
           "Call handler(bar) for each bar of `spec` built from the symbol's trades.")
      .def("subscribe_trades", &PyDataEngine::subscribe_trades, py::arg("symbol"),
           py::arg("handler"), "Call handler(trade) for each trade of the symbol.")
      .def("subscribe_quotes", &PyDataEngine::subscribe_quotes, py::arg("symbol"),
           py::arg("handler"), "Call handler(quote) for each quote of the symbol.")
      .def("unsubscribe", &PyDataEngine::unsubscribe, py::arg("subscription_id"),
           "Remove a subscription; False if the id is unknown.")
      .def("add_replay_feed", &PyDataEngine::add_replay_feed, py::arg("path"), py::arg("symbols"),
           "Replay a file of TRADE_TICK_DTYPE records on a C++ producer thread from start().")
      .def(
          "publisher",
          [](PyDataEngine& self) {
            return PyPublisher(self, self.engine().open_channel(true));
          },
          py::keep_alive<0, 1>(), "A new shared ring into the engine for Python threads.")
      .def("start", &PyDataEngine::start, "Start the engine thread and the replay feeds.")
      .def("stop", &PyDataEngine::stop,
           "Stop feeds, process what is queued, flush bars, join; re-raise a handler's error.")
      .def_property_readonly("running", [](PyDataEngine& self) { return self.engine().running(); })
      .def("wait_until_drained", &PyDataEngine::wait_until_drained,
           py::arg("timeout") = py::none(),
           "Wait until every feed is done and every ring is processed; False on timeout.")
      .def("last_trade", &PyDataEngine::last_trade, py::arg("symbol"),
           "The symbol's last trade, or None.")
      .def("last_price", &PyDataEngine::last_price, py::arg("symbol"),
           "The symbol's last trade price, or None.")
      .def("best_quote", &PyDataEngine::best_quote, py::arg("symbol"),
           "The symbol's last quote, or None.")
      .def("symbols", &PyDataEngine::symbols, "Every symbol the engine has seen, in id order.")
      .def(
          "statistics", [](PyDataEngine& self) { return self.engine().statistics(); },
          "Counters since the engine was created.")
      .def_property_readonly("config",
                             [](PyDataEngine& self) { return self.engine().config(); });
}

}  // namespace alphaforge::bindings
