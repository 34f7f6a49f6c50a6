#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "alphaforge/indicators.hpp"
#include "arguments.hpp"
#include "data_records.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

namespace ind = alphaforge::indicators;
using Array = py::array_t<double>;

// Any integer (numpy's too, not bool) >= 1; TypeError or ValueError naming the argument.
std::size_t period_argument(py::handle value, const char* name) {
  if (PyBool_Check(value.ptr()) || !PyIndex_Check(value.ptr())) {
    throw py::type_error(std::string(name) + " must be an int, got " + type_name(value));
  }
  const auto number = py::reinterpret_steal<py::object>(PyNumber_Index(value.ptr()));
  if (!number) throw py::error_already_set();
  const long long n = PyLong_AsLongLong(number.ptr());
  if (n == -1 && PyErr_Occurred()) throw py::error_already_set();
  if (n < 1) {
    throw py::value_error(std::string(name) + " must be at least 1, got " + std::to_string(n));
  }
  return static_cast<std::size_t>(n);
}

std::span<const double> view(const Array& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

Array new_like(const Array& input) { return Array(input.size()); }

std::span<double> target(Array& a) {
  return {a.mutable_data(), static_cast<std::size_t>(a.size())};
}

double attribute(py::handle bar, const char* name) { return bar.attr(name).cast<double>(); }

std::string repr_float(double v) { return py::repr(py::float_(v)); }

// Arrays in, arrays out; the loop runs without the GIL.
template <typename Compute>
Array series(py::handle values, Compute compute) {
  const Array x = column<double>(values, "values");
  Array out = new_like(x);
  {
    py::gil_scoped_release release;
    compute(view(x), target(out));
  }
  return out;
}

template <typename Compute>
Array bars(py::handle high, py::handle low, py::handle close, Compute compute) {
  const Array h = column<double>(high, "high");
  const Array l = column<double>(low, "low");
  const Array c = column<double>(close, "close");
  Array out = new_like(h);
  {
    py::gil_scoped_release release;
    compute(view(h), view(l), view(c), target(out));
  }
  return out;
}

// The members every streaming indicator shares.
template <typename Indicator, typename Class>
void common(Class& cls) {
  cls.def_property_readonly("ready", &Indicator::ready,
                            "Whether the warm-up is over and value holds a number.")
      .def_property_readonly("lookback", &Indicator::lookback,
                             "Updates before the first value: it comes with update lookback + 1.")
      .def("reset", &Indicator::reset, "Forget every update, as a new object.");
}

// `default_period` 0: the period must be given.
template <typename Indicator>
void single_period_class(py::module_& m, const char* name, const char* doc,
                         std::size_t default_period = 0) {
  py::class_<Indicator> cls(m, name, doc);
  const auto make = [](py::handle period) {
    return Indicator(period_argument(period, "period"));
  };
  if (default_period == 0) {
    cls.def(py::init(make), py::arg("period"));
  } else {
    cls.def(py::init(make), py::arg("period") = default_period);
  }
  cls.def("update", &Indicator::update, py::arg("value"),
          "Add one value (finite) and return the new value.")
      .def_property_readonly("value", &Indicator::value, "The latest value; NaN until ready.")
      .def_property_readonly("period", &Indicator::period)
      .def("__repr__", [name](const Indicator& i) {
        return std::string(name) + "(" + std::to_string(i.period()) +
               ", value=" + repr_float(i.value()) + ")";
      });
  common<Indicator>(cls);
}

using BatchFunction = void (*)(ind::Column, std::size_t, ind::Output);

void single_period_function(py::module_& m, const char* name, BatchFunction fn,
                            const char* doc) {
  m.def(
      name,
      [fn](py::handle values, py::handle period) {
        const std::size_t p = period_argument(period, "period");
        return series(values, [&](ind::Column x, ind::Output out) { fn(x, p, out); });
      },
      py::arg("values"), py::arg("period"), doc);
}

void register_series(py::module_& m) {
  single_period_class<ind::Sma>(m, "SMA", "Simple moving average (TA-Lib SMA).");
  single_period_class<ind::Ema>(
      m, "EMA", "Exponential moving average, k = 2 / (period + 1), seeded by the SMA (TA-Lib EMA).");
  single_period_class<ind::Wma>(m, "WMA", "Linearly weighted moving average (TA-Lib WMA).");
  single_period_class<ind::Rsi>(m, "RSI", "Wilder's relative strength index (TA-Lib RSI).", 14);
  single_period_class<ind::RollingStd>(
      m, "RollingStd", "Population standard deviation of the last period values (TA-Lib STDDEV).");
  single_period_class<ind::ZScore>(
      m, "ZScore", "(value - SMA) / population standard deviation; 0 on a flat window.");

  single_period_function(m, "sma", &ind::sma, "Simple moving average of values.");
  single_period_function(m, "ema", &ind::ema, "Exponential moving average of values.");
  single_period_function(m, "wma", &ind::wma, "Weighted moving average of values.");
  single_period_function(m, "rolling_std", &ind::rolling_std,
                                          "Rolling population standard deviation of values.");
  single_period_function(m, "zscore", &ind::zscore, "Rolling z-score of values.");
  m.def(
      "rsi",
      [](py::handle values, py::handle period) {
        const std::size_t p = period_argument(period, "period");
        return series(values, [&](ind::Column x, ind::Output out) { ind::rsi(x, p, out); });
      },
      py::arg("values"), py::arg("period") = 14, "Wilder's RSI of values.");

  py::class_<ind::Macd> macd(m, "MACD", "MACD line, signal and histogram (TA-Lib MACD).");
  macd.def(py::init([](py::handle fast, py::handle slow, py::handle signal) {
             return ind::Macd(period_argument(fast, "fast"), period_argument(slow, "slow"),
                              period_argument(signal, "signal"));
           }),
           py::arg("fast") = 12, py::arg("slow") = 26, py::arg("signal") = 9)
      .def(
          "update",
          [](ind::Macd& i, double value) {
            const auto v = i.update(value);
            return py::make_tuple(v.macd, v.signal, v.hist);
          },
          py::arg("value"), "Add one value; return (macd, signal, hist).")
      .def_property_readonly("value",
                             [](const ind::Macd& i) {
                               const auto& v = i.value();
                               return py::make_tuple(v.macd, v.signal, v.hist);
                             })
      .def_property_readonly("macd", [](const ind::Macd& i) { return i.value().macd; })
      .def_property_readonly("signal", [](const ind::Macd& i) { return i.value().signal; })
      .def_property_readonly("hist", [](const ind::Macd& i) { return i.value().hist; })
      .def_property_readonly("fast", &ind::Macd::fast_period)
      .def_property_readonly("slow", &ind::Macd::slow_period)
      .def_property_readonly("signal_period", &ind::Macd::signal_period)
      .def("__repr__", [](const ind::Macd& i) {
        return "MACD(" + std::to_string(i.fast_period()) + ", " + std::to_string(i.slow_period()) +
               ", " + std::to_string(i.signal_period()) + ", macd=" + repr_float(i.value().macd) +
               ")";
      });
  common<ind::Macd>(macd);
  m.def(
      "macd",
      [](py::handle values, py::handle fast, py::handle slow, py::handle signal) {
        const std::size_t f = period_argument(fast, "fast");
        const std::size_t s = period_argument(slow, "slow");
        const std::size_t g = period_argument(signal, "signal");
        const Array x = column<double>(values, "values");
        Array line = new_like(x), sig = new_like(x), hist = new_like(x);
        {
          py::gil_scoped_release release;
          ind::macd(view(x), f, s, g, target(line), target(sig), target(hist));
        }
        return py::make_tuple(line, sig, hist);
      },
      py::arg("values"), py::arg("fast") = 12, py::arg("slow") = 26, py::arg("signal") = 9,
      "(macd, signal, hist) arrays of values.");

  py::class_<ind::Bollinger> bb(m, "Bollinger", "Bollinger bands: SMA +- num_std population std.");
  bb.def(py::init([](py::handle period, double num_std) {
           return ind::Bollinger(period_argument(period, "period"), num_std);
         }),
         py::arg("period") = 20, py::arg("num_std") = 2.0)
      .def(
          "update",
          [](ind::Bollinger& i, double value) {
            const auto v = i.update(value);
            return py::make_tuple(v.upper, v.middle, v.lower);
          },
          py::arg("value"), "Add one value; return (upper, middle, lower).")
      .def_property_readonly("value",
                             [](const ind::Bollinger& i) {
                               const auto& v = i.value();
                               return py::make_tuple(v.upper, v.middle, v.lower);
                             })
      .def_property_readonly("upper", [](const ind::Bollinger& i) { return i.value().upper; })
      .def_property_readonly("middle", [](const ind::Bollinger& i) { return i.value().middle; })
      .def_property_readonly("lower", [](const ind::Bollinger& i) { return i.value().lower; })
      .def_property_readonly("period", &ind::Bollinger::period)
      .def_property_readonly("num_std", &ind::Bollinger::num_std)
      .def("__repr__", [](const ind::Bollinger& i) {
        return "Bollinger(" + std::to_string(i.period()) + ", " + repr_float(i.num_std()) +
               ", middle=" + repr_float(i.value().middle) + ")";
      });
  common<ind::Bollinger>(bb);
  m.def(
      "bollinger",
      [](py::handle values, py::handle period, double num_std) {
        const std::size_t p = period_argument(period, "period");
        const Array x = column<double>(values, "values");
        Array upper = new_like(x), middle = new_like(x), lower = new_like(x);
        {
          py::gil_scoped_release release;
          ind::bollinger(view(x), p, num_std, target(upper), target(middle), target(lower));
        }
        return py::make_tuple(upper, middle, lower);
      },
      py::arg("values"), py::arg("period") = 20, py::arg("num_std") = 2.0,
      "(upper, middle, lower) arrays of values.");
}

// ATR and ADX: one period, update(high, low, close) or update(bar).
template <typename Indicator>
void hlc_class(py::module_& m, const char* name, const char* doc) {
  py::class_<Indicator> cls(m, name, doc);
  cls.def(py::init([](py::handle period) { return Indicator(period_argument(period, "period")); }),
          py::arg("period") = 14)
      .def("update", &Indicator::update, py::arg("high"), py::arg("low"), py::arg("close"),
           "Add one bar and return the new value.")
      .def(
          "update",
          [](Indicator& i, py::handle bar) {
            return i.update(attribute(bar, "high"), attribute(bar, "low"),
                            attribute(bar, "close"));
          },
          py::arg("bar"), "Add a bar object with high, low and close attributes.")
      .def_property_readonly("value", &Indicator::value, "The latest value; NaN until ready.")
      .def_property_readonly("period", &Indicator::period)
      .def("__repr__", [name](const Indicator& i) {
        return std::string(name) + "(" + std::to_string(i.period()) +
               ", value=" + repr_float(i.value()) + ")";
      });
  common<Indicator>(cls);
}

void register_bars(py::module_& m) {
  hlc_class<ind::Atr>(m, "ATR", "Wilder's average true range (TA-Lib ATR).");
  hlc_class<ind::Adx>(m, "ADX", "Wilder's average directional index (TA-Lib ADX).");
  m.def(
      "atr",
      [](py::handle high, py::handle low, py::handle close, py::handle period) {
        const std::size_t p = period_argument(period, "period");
        return bars(high, low, close, [&](auto h, auto l, auto c, auto out) {
          ind::atr(h, l, c, p, out);
        });
      },
      py::arg("high"), py::arg("low"), py::arg("close"), py::arg("period") = 14,
      "Average true range of bars.");
  m.def(
      "adx",
      [](py::handle high, py::handle low, py::handle close, py::handle period) {
        const std::size_t p = period_argument(period, "period");
        return bars(high, low, close, [&](auto h, auto l, auto c, auto out) {
          ind::adx(h, l, c, p, out);
        });
      },
      py::arg("high"), py::arg("low"), py::arg("close"), py::arg("period") = 14,
      "Average directional index of bars.");

  py::class_<ind::Stochastic> st(m, "Stochastic",
                                 "Slow stochastic %K and %D with SMA smoothing (TA-Lib STOCH).");
  st.def(py::init([](py::handle fastk, py::handle slowk, py::handle slowd) {
           return ind::Stochastic(period_argument(fastk, "fastk"), period_argument(slowk, "slowk"),
                                  period_argument(slowd, "slowd"));
         }),
         py::arg("fastk") = 5, py::arg("slowk") = 3, py::arg("slowd") = 3)
      .def(
          "update",
          [](ind::Stochastic& i, double high, double low, double close) {
            const auto v = i.update(high, low, close);
            return py::make_tuple(v.k, v.d);
          },
          py::arg("high"), py::arg("low"), py::arg("close"), "Add one bar; return (k, d).")
      .def(
          "update",
          [](ind::Stochastic& i, py::handle bar) {
            const auto v =
                i.update(attribute(bar, "high"), attribute(bar, "low"), attribute(bar, "close"));
            return py::make_tuple(v.k, v.d);
          },
          py::arg("bar"), "Add a bar object with high, low and close attributes.")
      .def_property_readonly("value",
                             [](const ind::Stochastic& i) {
                               return py::make_tuple(i.value().k, i.value().d);
                             })
      .def_property_readonly("k", [](const ind::Stochastic& i) { return i.value().k; })
      .def_property_readonly("d", [](const ind::Stochastic& i) { return i.value().d; })
      .def_property_readonly("fastk", &ind::Stochastic::fastk_period)
      .def_property_readonly("slowk", &ind::Stochastic::slowk_period)
      .def_property_readonly("slowd", &ind::Stochastic::slowd_period)
      .def("__repr__", [](const ind::Stochastic& i) {
        return "Stochastic(" + std::to_string(i.fastk_period()) + ", " +
               std::to_string(i.slowk_period()) + ", " + std::to_string(i.slowd_period()) +
               ", k=" + repr_float(i.value().k) + ")";
      });
  common<ind::Stochastic>(st);
  m.def(
      "stochastic",
      [](py::handle high, py::handle low, py::handle close, py::handle fastk, py::handle slowk,
         py::handle slowd) {
        const std::size_t fk = period_argument(fastk, "fastk");
        const std::size_t sk = period_argument(slowk, "slowk");
        const std::size_t sd = period_argument(slowd, "slowd");
        const Array h = column<double>(high, "high");
        const Array l = column<double>(low, "low");
        const Array c = column<double>(close, "close");
        Array k = new_like(h), d = new_like(h);
        {
          py::gil_scoped_release release;
          ind::stochastic(view(h), view(l), view(c), fk, sk, sd, target(k), target(d));
        }
        return py::make_tuple(k, d);
      },
      py::arg("high"), py::arg("low"), py::arg("close"), py::arg("fastk") = 5,
      py::arg("slowk") = 3, py::arg("slowd") = 3, "(k, d) arrays of bars.");

  py::class_<ind::Obv> obv(m, "OBV", "On-balance volume (TA-Lib OBV).");
  obv.def(py::init<>())
      .def("update", &ind::Obv::update, py::arg("close"), py::arg("volume"),
           "Add one bar's close and volume and return the new value.")
      .def(
          "update",
          [](ind::Obv& i, py::handle bar) {
            return i.update(attribute(bar, "close"), attribute(bar, "volume"));
          },
          py::arg("bar"), "Add a bar object with close and volume attributes.")
      .def_property_readonly("value", &ind::Obv::value, "The latest value; NaN until ready.")
      .def("__repr__",
           [](const ind::Obv& i) { return "OBV(value=" + repr_float(i.value()) + ")"; });
  common<ind::Obv>(obv);
  m.def(
      "obv",
      [](py::handle close, py::handle volume) {
        const Array c = column<double>(close, "close");
        const Array v = column<double>(volume, "volume");
        Array out = new_like(c);
        {
          py::gil_scoped_release release;
          ind::obv(view(c), view(v), target(out));
        }
        return out;
      },
      py::arg("close"), py::arg("volume"), "On-balance volume of bars.");

  py::class_<ind::Vwap> vwap(m, "VWAP",
                             "Volume-weighted typical price, since the start or over a period.");
  vwap.def(py::init([](py::handle period) {
             return ind::Vwap(period.is_none() ? 0 : period_argument(period, "period"));
           }),
           py::arg("period") = py::none())
      .def("update", &ind::Vwap::update, py::arg("high"), py::arg("low"), py::arg("close"),
           py::arg("volume"), "Add one bar and return the new value.")
      .def(
          "update",
          [](ind::Vwap& i, py::handle bar) {
            return i.update(attribute(bar, "high"), attribute(bar, "low"),
                            attribute(bar, "close"), attribute(bar, "volume"));
          },
          py::arg("bar"), "Add a bar object with high, low, close and volume attributes.")
      .def_property_readonly("value", &ind::Vwap::value,
                             "The latest value; NaN until ready or while the volume is 0.")
      .def_property_readonly("period",
                             [](const ind::Vwap& i) -> py::object {
                               if (i.period() == 0) return py::none();
                               return py::int_(i.period());
                             })
      .def("__repr__", [](const ind::Vwap& i) {
        const std::string period = i.period() == 0 ? "None" : std::to_string(i.period());
        return "VWAP(" + period + ", value=" + repr_float(i.value()) + ")";
      });
  common<ind::Vwap>(vwap);
  m.def(
      "vwap",
      [](py::handle high, py::handle low, py::handle close, py::handle volume, py::handle period,
         py::handle session) {
        const std::size_t p = period.is_none() ? 0 : period_argument(period, "period");
        const Array h = column<double>(high, "high");
        const Array l = column<double>(low, "low");
        const Array c = column<double>(close, "close");
        const Array v = column<double>(volume, "volume");
        py::array_t<std::int64_t> labels;
        if (!session.is_none()) labels = column<std::int64_t>(session, "session");
        const std::span<const std::int64_t> s(
            session.is_none() ? nullptr : labels.data(),
            session.is_none() ? 0 : static_cast<std::size_t>(labels.size()));
        Array out = new_like(h);
        {
          py::gil_scoped_release release;
          ind::vwap(view(h), view(l), view(c), view(v), p, s, target(out));
        }
        return out;
      },
      py::arg("high"), py::arg("low"), py::arg("close"), py::arg("volume"),
      py::arg("period") = py::none(), py::arg("session") = py::none(),
      "VWAP of bars: cumulative, or over `period` bars; restarted where `session` changes.");
}

}  // namespace

void register_indicators(py::module_& m) {
  register_series(m);
  register_bars(m);
}

}  // namespace alphaforge::bindings
