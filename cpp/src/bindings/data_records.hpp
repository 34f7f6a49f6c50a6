#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "alphaforge/bar.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/market_data.hpp"
#include "alphaforge/market_data_validation.hpp"
#include "arguments.hpp"

namespace alphaforge::bindings {

// The Python face of the records: the C++ record plus the symbol as a shared Python string.
struct PyTrade {
  pybind11::str symbol;
  TradeTick tick;
};
struct PyQuote {
  pybind11::str symbol;
  QuoteTick tick;
};
struct PyBar {
  pybind11::str symbol;
  BarSpec spec;
  Bar bar;
};

// A 1-D column as a contiguous array of T, converted from any compatible numpy dtype.
// Timestamps take integers or datetime64 (read as nanoseconds since the epoch, UTC); prices and
// sizes take floats or integers. TypeError/ValueError name the column.
template <typename T>
pybind11::array_t<T> column(pybind11::handle values, const char* name) {
  namespace py = pybind11;
  const py::module_ np = py::module_::import("numpy");
  py::array array;
  try {
    array = np.attr("asarray")(values);
  } catch (const py::error_already_set&) {
    throw py::type_error(std::string(name) + " must be a numpy array, got " + type_name(values));
  }
  if (array.ndim() != 1) {
    throw py::value_error(std::string(name) + " must be one-dimensional, got ndim=" +
                          std::to_string(array.ndim()));
  }
  // An empty list arrives as float64; its dtype says nothing, and emptiness is reported later.
  const char kind = array.size() == 0 ? 'i' : array.dtype().kind();
  if constexpr (std::is_same_v<T, std::int64_t>) {
    if (kind == 'M') {
      array = array.attr("astype")("datetime64[ns]").attr("view")("int64");
    } else if (kind != 'i' && kind != 'u') {
      throw py::type_error(std::string(name) +
                           " must hold int64 nanoseconds since the epoch or datetime64, got dtype " +
                           std::string(py::str(array.dtype())));
    }
  } else {
    if (kind != 'f' && kind != 'i' && kind != 'u') {
      throw py::type_error(std::string(name) + " must hold numbers, got dtype " +
                           std::string(py::str(array.dtype())));
    }
  }
  return np.attr("ascontiguousarray")(array, py::dtype::of<T>()).template cast<py::array_t<T>>();
}

inline void require_length(const pybind11::array& array, std::size_t expected, const char* name) {
  if (static_cast<std::size_t>(array.size()) != expected) {
    throw pybind11::value_error(std::string(name) + " has " + std::to_string(array.size()) +
                                " rows, ts_ns has " + std::to_string(expected));
  }
}

inline void raise_violation(const std::optional<Violation>& v) {
  if (v) throw pybind11::value_error(v->message());
}

void register_data_engine(pybind11::module_& m);

}  // namespace alphaforge::bindings
