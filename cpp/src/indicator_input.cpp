#include "indicator_input.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

namespace alphaforge::indicators::detail {
namespace {

std::string row_name(const char* name, std::size_t row) {
  return std::string(name) + "[" + std::to_string(row) + "]";
}

}  // namespace

std::string format_number(double value) {
  std::array<char, 32> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  return std::string(text.data(), result.ptr);
}

std::size_t checked_period(std::size_t period, const char* name) {
  if (period < 1) throw std::invalid_argument(std::string(name) + " must be at least 1, got 0");
  return period;
}

void require_finite(double value, const char* name) {
  if (!std::isfinite(value)) {
    throw std::invalid_argument(std::string(name) + " must be finite, got " +
                                format_number(value));
  }
}

void require_bar(double high, double low, double close) {
  require_finite(high, "high");
  require_finite(low, "low");
  require_finite(close, "close");
  if (high < low) {
    throw std::invalid_argument("high " + format_number(high) + " is below low " +
                                format_number(low));
  }
}

void require_volume(double volume) {
  require_finite(volume, "volume");
  if (volume < 0.0) {
    throw std::invalid_argument("volume must be >= 0, got " + format_number(volume));
  }
}

std::size_t first_complete_row(std::initializer_list<NamedColumn> columns) {
  const NamedColumn& first = *columns.begin();
  const std::size_t rows = first.values.size();
  for (const NamedColumn& c : columns) {
    if (c.values.size() != rows) {
      throw std::invalid_argument(std::string(c.name) + " has " +
                                  std::to_string(c.values.size()) + " rows, " + first.name +
                                  " has " + std::to_string(rows));
    }
  }
  const auto any_nan = [&](std::size_t row) {
    return std::any_of(columns.begin(), columns.end(),
                       [row](const NamedColumn& c) { return std::isnan(c.values[row]); });
  };
  std::size_t begin = 0;
  while (begin < rows && any_nan(begin)) ++begin;
  return begin;
}

void require_output(std::span<double> out, std::size_t rows, const char* name) {
  if (out.size() != rows) {
    throw std::invalid_argument(std::string(name) + " has " + std::to_string(out.size()) +
                                " rows, the input has " + std::to_string(rows));
  }
}

void bad_value(const char* name, std::size_t row, double value) {
  if (std::isnan(value)) {
    throw std::invalid_argument(row_name(name, row) +
                                " is nan: only leading rows (an upstream warm-up) may be NaN");
  }
  throw std::invalid_argument(row_name(name, row) + " must be finite, got " +
                              format_number(value));
}

void bad_bar(std::size_t row, double high, double low) {
  throw std::invalid_argument(row_name("high", row) + " = " + format_number(high) + " is below " +
                              row_name("low", row) + " = " + format_number(low));
}

void bad_volume(std::size_t row, double volume) {
  throw std::invalid_argument(row_name("volume", row) + " must be >= 0, got " +
                              format_number(volume));
}

}  // namespace alphaforge::indicators::detail
