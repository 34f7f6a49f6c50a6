#include <pybind11/numpy.h>
#include <pybind11/operators.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "alphaforge/batch_aggregate.hpp"
#include "arguments.hpp"
#include "data_records.hpp"
#include "market_dtypes.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

std::string number(double value) {
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

std::string repr_of(const py::str& symbol) { return std::string(py::repr(symbol)); }

void require(bool ok, const std::string& field, double value, const char* rule) {
  if (!ok) throw py::value_error(field + " = " + number(value) + ": " + rule);
}

const char* kind_name(BarKind kind) {
  switch (kind) {
    case BarKind::kTick:
      return "tick";
    case BarKind::kVolume:
      return "volume";
    case BarKind::kTime:
      break;
  }
  return "time";
}

py::array_t<Bar> bars_to_array(const std::vector<Bar>& bars) {
  py::array_t<Bar> out(static_cast<py::ssize_t>(bars.size()));
  if (!bars.empty()) std::copy(bars.begin(), bars.end(), out.mutable_data());
  return out;
}

void define_bar_spec(py::module_& m) {
  py::class_<BarSpec>(m, "BarSpec",
                      "How trades are cut into bars: time ('1s', '1min', '5min', '1h', '1d'), "
                      "tick count ('100tick') or volume ('2.5volume').")
      .def(py::init([](const std::string& text) { return BarSpec::parse(text); }), py::arg("spec"))
      .def_static("time_ns", &BarSpec::time, py::arg("step_ns"),
                  "Time bars of step_ns nanoseconds, aligned to the Unix epoch.")
      .def_static("ticks", &BarSpec::ticks, py::arg("count"), "A bar every `count` trades.")
      .def_static("volume", &BarSpec::volume, py::arg("threshold"),
                  "A bar each time traded volume reaches `threshold`.")
      .def_property_readonly("kind", [](const BarSpec& s) { return kind_name(s.kind()); })
      .def_property_readonly("step_ns", [](const BarSpec& s) -> py::object {
        return s.kind() == BarKind::kTime ? py::int_(s.step_ns()) : py::object(py::none());
      })
      .def_property_readonly("tick_count", [](const BarSpec& s) -> py::object {
        return s.kind() == BarKind::kTick ? py::int_(s.tick_count()) : py::object(py::none());
      })
      .def_property_readonly("volume_threshold", [](const BarSpec& s) -> py::object {
        return s.kind() == BarKind::kVolume ? py::float_(s.volume_threshold())
                                            : py::object(py::none());
      })
      .def(py::self == py::self)
      .def("__hash__", [](const BarSpec& s) { return py::hash(py::str(s.to_string())); })
      .def("__str__", &BarSpec::to_string)
      .def("__repr__", [](const BarSpec& s) { return "BarSpec('" + s.to_string() + "')"; });
  py::implicitly_convertible<py::str, BarSpec>();
}

void define_records(py::module_& m) {
  py::enum_<AggressorSide>(m, "AggressorSide", "Which side crossed the spread to trade.")
      .value("NONE", AggressorSide::kNone)
      .value("BUYER", AggressorSide::kBuyer)
      .value("SELLER", AggressorSide::kSeller);

  py::class_<PyTrade>(m, "TradeTick", "One trade print.")
      .def(py::init([](py::str symbol, double price, double size, std::int64_t ts_ns,
                       AggressorSide aggressor, std::int64_t trade_id) {
             constexpr const char* kPositive = "must be a finite number > 0";
             require(std::isfinite(price) && price > 0, "price", price, kPositive);
             require(std::isfinite(size) && size > 0, "size", size, kPositive);
             return PyTrade{std::move(symbol),
                            TradeTick{ts_ns, price, size, trade_id, 0,
                                      static_cast<std::int8_t>(aggressor)}};
           }),
           py::arg("symbol"), py::arg("price"), py::arg("size"), py::arg("ts_ns"),
           py::arg("aggressor") = AggressorSide::kNone, py::arg("trade_id") = 0)
      .def_readonly("symbol", &PyTrade::symbol)
      .def_property_readonly("price", [](const PyTrade& t) { return t.tick.price; })
      .def_property_readonly("size", [](const PyTrade& t) { return t.tick.size; })
      .def_property_readonly("ts_ns", [](const PyTrade& t) { return t.tick.ts_ns; })
      .def_property_readonly("trade_id", [](const PyTrade& t) { return t.tick.trade_id; })
      .def_property_readonly("aggressor",
                             [](const PyTrade& t) {
                               return static_cast<AggressorSide>(t.tick.aggressor);
                             })
      .def("__eq__",
           [](const PyTrade& a, const PyTrade& b) {
             return a.symbol.equal(b.symbol) && a.tick.ts_ns == b.tick.ts_ns &&
                    a.tick.price == b.tick.price && a.tick.size == b.tick.size &&
                    a.tick.trade_id == b.tick.trade_id && a.tick.aggressor == b.tick.aggressor;
           })
      .def("__repr__", [](const PyTrade& t) {
        return "TradeTick(symbol=" + repr_of(t.symbol) + ", price=" + number(t.tick.price) +
               ", size=" + number(t.tick.size) + ", ts_ns=" + std::to_string(t.tick.ts_ns) +
               ", trade_id=" + std::to_string(t.tick.trade_id) + ")";
      });

  py::class_<PyQuote>(m, "QuoteTick", "Best bid and ask at one instant.")
      .def(py::init([](py::str symbol, double bid, double ask, double bid_size, double ask_size,
                       std::int64_t ts_ns) {
             const std::int64_t ts[] = {ts_ns};
             raise_violation(check_quotes(ts, &bid, &ask, &bid_size, &ask_size, 1));
             return PyQuote{std::move(symbol), QuoteTick{ts_ns, bid, ask, bid_size, ask_size, 0}};
           }),
           py::arg("symbol"), py::arg("bid"), py::arg("ask"), py::arg("bid_size"),
           py::arg("ask_size"), py::arg("ts_ns"))
      .def_readonly("symbol", &PyQuote::symbol)
      .def_property_readonly("bid", [](const PyQuote& q) { return q.tick.bid; })
      .def_property_readonly("ask", [](const PyQuote& q) { return q.tick.ask; })
      .def_property_readonly("bid_size", [](const PyQuote& q) { return q.tick.bid_size; })
      .def_property_readonly("ask_size", [](const PyQuote& q) { return q.tick.ask_size; })
      .def_property_readonly("ts_ns", [](const PyQuote& q) { return q.tick.ts_ns; })
      .def_property_readonly("mid", [](const PyQuote& q) { return (q.tick.bid + q.tick.ask) / 2; })
      .def("__repr__", [](const PyQuote& q) {
        return "QuoteTick(symbol=" + repr_of(q.symbol) + ", bid=" + number(q.tick.bid) +
               ", ask=" + number(q.tick.ask) + ", bid_size=" + number(q.tick.bid_size) +
               ", ask_size=" + number(q.tick.ask_size) + ", ts_ns=" + std::to_string(q.tick.ts_ns) +
               ")";
      });

  py::class_<PyBar>(m, "Bar", "One OHLCV bar; time bars cover [ts_open_ns, ts_close_ns).")
      .def(py::init([](py::str symbol, BarSpec spec, std::int64_t ts_open_ns,
                       std::int64_t ts_close_ns, double open, double high, double low,
                       double close, double volume, std::int64_t trade_count) {
             for (const auto& [field, value] : {std::pair{"open", open}, std::pair{"high", high},
                                                std::pair{"low", low}, std::pair{"close", close}}) {
               require(std::isfinite(value) && value > 0, field, value,
                       "must be a finite number > 0");
             }
             require(high >= std::max({open, close, low}), "high", high,
                     "must be at least open, close and low");
             require(low <= std::min(open, close), "low", low, "must be at most open and close");
             require(std::isfinite(volume) && volume >= 0, "volume", volume,
                     "must be a finite number >= 0");
             if (trade_count < 0) {
               throw py::value_error("trade_count = " + std::to_string(trade_count) +
                                     ": must be >= 0");
             }
             if (ts_close_ns < ts_open_ns) {
               throw py::value_error("ts_close_ns = " + std::to_string(ts_close_ns) +
                                     ": earlier than ts_open_ns " + std::to_string(ts_open_ns));
             }
             return PyBar{std::move(symbol), spec,
                          Bar{ts_open_ns, ts_close_ns, open, high, low, close, volume,
                              trade_count, 0}};
           }),
           py::arg("symbol"), py::arg("spec"), py::arg("ts_open_ns"), py::arg("ts_close_ns"),
           py::arg("open"), py::arg("high"), py::arg("low"), py::arg("close"), py::arg("volume"),
           py::arg("trade_count") = 0)
      .def_readonly("symbol", &PyBar::symbol)
      .def_readonly("spec", &PyBar::spec)
      .def_property_readonly("ts_open_ns", [](const PyBar& b) { return b.bar.ts_open_ns; })
      .def_property_readonly("ts_close_ns", [](const PyBar& b) { return b.bar.ts_close_ns; })
      .def_property_readonly("open", [](const PyBar& b) { return b.bar.open; })
      .def_property_readonly("high", [](const PyBar& b) { return b.bar.high; })
      .def_property_readonly("low", [](const PyBar& b) { return b.bar.low; })
      .def_property_readonly("close", [](const PyBar& b) { return b.bar.close; })
      .def_property_readonly("volume", [](const PyBar& b) { return b.bar.volume; })
      .def_property_readonly("trade_count", [](const PyBar& b) { return b.bar.trade_count; })
      .def("__repr__", [](const PyBar& b) {
        return "Bar(symbol=" + repr_of(b.symbol) + ", spec='" + b.spec.to_string() +
               "', ts_open_ns=" + std::to_string(b.bar.ts_open_ns) +
               ", ts_close_ns=" + std::to_string(b.bar.ts_close_ns) + ", open=" +
               number(b.bar.open) + ", high=" + number(b.bar.high) + ", low=" + number(b.bar.low) +
               ", close=" + number(b.bar.close) + ", volume=" + number(b.bar.volume) +
               ", trade_count=" + std::to_string(b.bar.trade_count) + ")";
      });
}

}  // namespace

void register_data(py::module_& m) {
  register_market_dtypes();
  m.attr("TRADE_TICK_DTYPE") = py::dtype::of<TradeTick>();
  m.attr("QUOTE_TICK_DTYPE") = py::dtype::of<QuoteTick>();
  m.attr("BAR_DTYPE") = py::dtype::of<Bar>();
  define_bar_spec(m);
  define_records(m);

  m.def(
      "aggregate_bars_array",
      [](py::handle ts_ns, py::handle price, py::handle size, BarSpec spec, bool fill_gaps) {
        const auto ts = column<std::int64_t>(ts_ns, "ts_ns");
        const auto p = column<double>(price, "price");
        const auto s = column<double>(size, "size");
        const auto n = static_cast<std::size_t>(ts.size());
        require_length(p, n, "price");
        require_length(s, n, "size");
        if (n == 0) throw py::value_error("empty data: ts_ns has no rows");
        std::vector<Bar> bars;
        std::optional<Violation> violation;
        {
          py::gil_scoped_release release;
          violation =
              aggregate_bars_checked(ts.data(), p.data(), s.data(), n, spec, fill_gaps, bars);
        }
        raise_violation(violation);
        return bars_to_array(bars);
      },
      py::arg("ts_ns"), py::arg("price"), py::arg("size"), py::arg("spec"),
      py::arg("fill_gaps") = false,
      "Bars of one symbol's sorted trades as a BAR_DTYPE array, the last bar flushed.");

  m.def(
      "check_trades",
      [](py::handle ts_ns, py::handle price, py::handle size) {
        const auto ts = column<std::int64_t>(ts_ns, "ts_ns");
        const auto p = column<double>(price, "price");
        const auto s = column<double>(size, "size");
        const auto n = static_cast<std::size_t>(ts.size());
        require_length(p, n, "price");
        require_length(s, n, "size");
        raise_violation(check_trades(ts.data(), p.data(), s.data(), n));
      },
      py::arg("ts_ns"), py::arg("price"), py::arg("size"),
      "Raise ValueError naming the first bad row: unsorted time, price <= 0, size <= 0, NaN.");

  m.def(
      "check_quotes",
      [](py::handle ts_ns, py::handle bid, py::handle ask, py::handle bid_size,
         py::handle ask_size) {
        const auto ts = column<std::int64_t>(ts_ns, "ts_ns");
        const auto b = column<double>(bid, "bid");
        const auto a = column<double>(ask, "ask");
        const auto bs = column<double>(bid_size, "bid_size");
        const auto as = column<double>(ask_size, "ask_size");
        const auto n = static_cast<std::size_t>(ts.size());
        require_length(b, n, "bid");
        require_length(a, n, "ask");
        require_length(bs, n, "bid_size");
        require_length(as, n, "ask_size");
        raise_violation(check_quotes(ts.data(), b.data(), a.data(), bs.data(), as.data(), n));
      },
      py::arg("ts_ns"), py::arg("bid"), py::arg("ask"), py::arg("bid_size"), py::arg("ask_size"),
      "Raise ValueError naming the first bad row: unsorted time, bad prices or sizes, crossed.");

  register_data_engine(m);
}

}  // namespace alphaforge::bindings
