#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>

// Argument checks shared by the indicators; every failure is a std::invalid_argument that names
// the argument (and the row, for columns) and the value it got.
namespace alphaforge::indicators::detail {

struct NamedColumn {
  const char* name;
  std::span<const double> values;
};

// The shortest text that reads back as `value` ("0.1", "nan", "-inf").
std::string format_number(double value);

std::size_t checked_period(std::size_t period, const char* name = "period");
void require_finite(double value, const char* name);
void require_bar(double high, double low, double close);
void require_volume(double volume);

// Checks equal lengths and returns the first row where no column is NaN; every value from that
// row on must be finite.
std::size_t first_complete_row(std::initializer_list<NamedColumn> columns);
// From row `begin` on: high >= low, and volume >= 0.
void require_bars_from(std::span<const double> high, std::span<const double> low,
                       std::size_t begin);
void require_volumes_from(std::span<const double> volume, std::size_t begin);
void require_output(std::span<double> out, std::size_t rows, const char* name);

}  // namespace alphaforge::indicators::detail
