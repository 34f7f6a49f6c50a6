#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
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

namespace detail {

// Sign bit set when the double with these bits is not a finite number > 0. Positive finite
// doubles are exactly the bit patterns 1 .. kMaxFinite, so with v = bits - 1 both v and
// (kMaxFinite - 1 - v) stay non-negative for them and one of the two goes negative otherwise.
inline std::uint64_t not_positive_finite(double value) noexcept {
  constexpr std::uint64_t kLimit = 0x7FEFFFFFFFFFFFFEull;
  const std::uint64_t v = std::bit_cast<std::uint64_t>(value) - 1;
  return v | (kLimit - v);
}

}  // namespace detail

// A pre-check in integer arithmetic that the compiler vectorises (floating-point comparisons
// with NaN in play it will not): clean data, the common case, is never searched row by row.
// It may report trouble where there is none (timestamps beyond +/-2^62 ns), never the reverse.
// Built twice where the toolchain allows: AVX2 doubles the lanes, picked at load time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
__attribute__((target_clones("avx2", "default")))
#endif
inline bool trades_look_clean(const std::int64_t* ts, const double* price, const double* size,
                              std::size_t count) noexcept {
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto t = static_cast<std::uint64_t>(ts[i]);
    // The top two bits of t differ beyond +/-2^62, where a difference could overflow.
    bad |= detail::not_positive_finite(price[i]) | detail::not_positive_finite(size[i]) |
           (t ^ (t << 1));
  }
  for (std::size_t i = 1; i < count; ++i) {
    bad |= static_cast<std::uint64_t>(ts[i]) - static_cast<std::uint64_t>(ts[i - 1]);
  }
  return (bad >> 63) == 0;
}

// Prices finite and > 0; sizes finite and > 0 (a trade of nothing did not happen).
inline std::optional<Violation> check_trades(const std::int64_t* ts, const double* price,
                                             const double* size, std::size_t count) {
  if (trades_look_clean(ts, price, size, count)) return std::nullopt;
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
