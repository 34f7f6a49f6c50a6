#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

namespace alphaforge {

// The first bad value of a batch: which column, which row, what it holds and what was expected.
struct Violation {
  std::string field;
  std::size_t row;
  std::string value;
  std::string rule;

  [[nodiscard]] std::string message() const {
    return field + "[" + std::to_string(row) + "] = " + value + ": " + rule;
  }
};

namespace detail {

inline std::string format_number(double value) {
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

inline bool positive_price(double p) noexcept { return std::isfinite(p) && p > 0.0; }
inline bool valid_size(double s) noexcept { return std::isfinite(s) && s >= 0.0; }

}  // namespace detail

// Timestamps must never go back; equal timestamps are allowed (several prints in one ns).
inline std::optional<Violation> check_sorted(const std::int64_t* ts, std::size_t count,
                                             const char* field = "ts_ns") {
  for (std::size_t i = 1; i < count; ++i) {
    if (ts[i] < ts[i - 1]) {
      return Violation{field, i, std::to_string(ts[i]),
                       "earlier than row " + std::to_string(i - 1) + " (" +
                           std::to_string(ts[i - 1]) + "); timestamps must not decrease"};
    }
  }
  return std::nullopt;
}

// Prices finite and > 0; sizes finite and > 0 (a trade of nothing did not happen).
inline std::optional<Violation> check_trades(const std::int64_t* ts, const double* price,
                                             const double* size, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!detail::positive_price(price[i])) {
      return Violation{"price", i, detail::format_number(price[i]), "must be a finite number > 0"};
    }
    if (!(std::isfinite(size[i]) && size[i] > 0.0)) {
      return Violation{"size", i, detail::format_number(size[i]), "must be a finite number > 0"};
    }
  }
  return check_sorted(ts, count);
}

// Bid and ask finite and > 0 with bid <= ask; sizes finite and >= 0 (an empty side is legal).
inline std::optional<Violation> check_quotes(const std::int64_t* ts, const double* bid,
                                             const double* ask, const double* bid_size,
                                             const double* ask_size, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (!detail::positive_price(bid[i])) {
      return Violation{"bid", i, detail::format_number(bid[i]), "must be a finite number > 0"};
    }
    if (!detail::positive_price(ask[i])) {
      return Violation{"ask", i, detail::format_number(ask[i]), "must be a finite number > 0"};
    }
    if (bid[i] > ask[i]) {
      return Violation{"bid", i, detail::format_number(bid[i]),
                       "above the ask " + detail::format_number(ask[i]) + " (crossed quote)"};
    }
    if (!detail::valid_size(bid_size[i])) {
      return Violation{"bid_size", i, detail::format_number(bid_size[i]),
                       "must be a finite number >= 0"};
    }
    if (!detail::valid_size(ask_size[i])) {
      return Violation{"ask_size", i, detail::format_number(ask_size[i]),
                       "must be a finite number >= 0"};
    }
  }
  return check_sorted(ts, count);
}

}  // namespace alphaforge
