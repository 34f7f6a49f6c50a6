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
  // The earliest bad row across the columns, so the message points at the first problem.
  std::size_t bad_row = rows;
  const NamedColumn* bad = nullptr;
  for (const NamedColumn& c : columns) {
    const auto from = c.values.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto it = std::find_if(from, c.values.end(), [](double v) { return !std::isfinite(v); });
    const auto row = static_cast<std::size_t>(it - c.values.begin());
    if (row < bad_row) {
      bad_row = row;
      bad = &c;
    }
  }
  if (bad != nullptr) {
    const double v = bad->values[bad_row];
    if (std::isnan(v)) {
      throw std::invalid_argument(row_name(bad->name, bad_row) +
                                  " is nan: only leading rows (an upstream warm-up) may be NaN");
    }
    throw std::invalid_argument(row_name(bad->name, bad_row) + " must be finite, got " +
                                format_number(v));
  }
  return begin;
}

void require_bars_from(std::span<const double> high, std::span<const double> low,
                       std::size_t begin) {
  for (std::size_t i = begin; i < high.size(); ++i) {
    if (high[i] < low[i]) {
      throw std::invalid_argument(row_name("high", i) + " = " + format_number(high[i]) +
                                  " is below " + row_name("low", i) + " = " +
                                  format_number(low[i]));
    }
  }
}

void require_volumes_from(std::span<const double> volume, std::size_t begin) {
  for (std::size_t i = begin; i < volume.size(); ++i) {
    if (volume[i] < 0.0) {
      throw std::invalid_argument(row_name("volume", i) + " must be >= 0, got " +
                                  format_number(volume[i]));
    }
  }
}

void require_output(std::span<double> out, std::size_t rows, const char* name) {
  if (out.size() != rows) {
    throw std::invalid_argument(std::string(name) + " has " + std::to_string(out.size()) +
                                " rows, the input has " + std::to_string(rows));
  }
}

}  // namespace alphaforge::indicators::detail
