#pragma once

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
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

// Checks equal lengths and returns the first row where no column is NaN. The vectorised loops
// check each later row as they read it, with the functions below.
std::size_t first_complete_row(std::initializer_list<NamedColumn> columns);
void require_output(std::span<double> out, std::size_t rows, const char* name);

[[noreturn]] void bad_value(const char* name, std::size_t row, double value);
[[noreturn]] void bad_bar(std::size_t row, double high, double low);
[[noreturn]] void bad_volume(std::size_t row, double volume);

// The loops check each row as they read it: most are bound by a dependency chain, which leaves
// room for a compare. NaN fails every compare, so one covers both NaN and infinities.
inline void check_value(const char* name, std::size_t row, double value) {
  if (!(std::fabs(value) <= std::numeric_limits<double>::max())) [[unlikely]] {
    bad_value(name, row, value);
  }
}

// The sum is >= 0 exactly when all three are finite and high >= low (x - x is NaN for an
// infinite x): one compare for a bar; the slow path, taken once, finds which check failed.
inline void check_bar(std::size_t row, double high, double low, double close) {
  const double probe = (high - low) + (high - high) + (low - low) + (close - close);
  if (!(probe >= 0.0)) [[unlikely]] {
    check_value("high", row, high);
    check_value("low", row, low);
    check_value("close", row, close);
    bad_bar(row, high, low);
  }
}

inline void check_volume(std::size_t row, double volume) {
  if (!(volume + (volume - volume) >= 0.0)) [[unlikely]] {
    check_value("volume", row, volume);
    bad_volume(row, volume);
  }
}

}  // namespace alphaforge::indicators::detail
