#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace alphaforge::bindings {

// Python's name for the type of `value`, for error messages.
inline std::string type_name(pybind11::handle value) {
  return pybind11::str(pybind11::type::handle_of(value).attr("__name__"));
}

// An int argument that must be >= `minimum`; TypeError or ValueError naming `field` otherwise.
inline std::size_t count_argument(pybind11::handle value, const char* field,
                                  std::size_t minimum = 0) {
  if (PyBool_Check(value.ptr()) || !PyLong_Check(value.ptr())) {
    throw pybind11::type_error(std::string(field) + " must be an int, got " + type_name(value));
  }
  const long long number = PyLong_AsLongLong(value.ptr());
  if (number == -1 && PyErr_Occurred()) throw pybind11::error_already_set();
  if (number < 0 || static_cast<unsigned long long>(number) < minimum) {
    throw pybind11::value_error(std::string(field) + " must be at least " +
                                std::to_string(minimum) + ", got " + std::to_string(number));
  }
  return static_cast<std::size_t>(number);
}

}  // namespace alphaforge::bindings
