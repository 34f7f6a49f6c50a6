#include "alphaforge/order_latency.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace alphaforge {
namespace {

void require_non_negative(const char* field, std::int64_t value, std::size_t row) {
  if (value < 0) {
    throw std::invalid_argument(std::string(field) + "[" + std::to_string(row) +
                                "] must be >= 0 ns, got " + std::to_string(value));
  }
}

}  // namespace

OrderLatency::OrderLatency(std::int64_t entry_ns, std::int64_t response_ns)
    : entry_{entry_ns}, response_{response_ns} {
  require_non_negative("entry latency", entry_ns, 0);
  require_non_negative("response latency", response_ns, 0);
}

OrderLatency::OrderLatency(const std::int64_t* ts, const std::int64_t* entry_ns,
                           const std::int64_t* response_ns, std::size_t n) {
  if (n == 0) throw std::invalid_argument("an order latency series needs at least one row");
  for (std::size_t i = 0; i < n; ++i) {
    require_non_negative("entry latency", entry_ns[i], i);
    require_non_negative("response latency", response_ns[i], i);
    if (i > 0 && ts[i] <= ts[i - 1]) {
      throw std::invalid_argument("ts[" + std::to_string(i) + "] = " + std::to_string(ts[i]) +
                                  " must be after ts[" + std::to_string(i - 1) + "] = " +
                                  std::to_string(ts[i - 1]));
    }
  }
  ts_.assign(ts, ts + n);
  entry_.assign(entry_ns, entry_ns + n);
  response_.assign(response_ns, response_ns + n);
}

std::int64_t OrderLatency::at(const std::vector<std::int64_t>& values,
                              std::int64_t ts_ns) const noexcept {
  if (ts_.empty()) return values.front();
  if (ts_ns <= ts_.front()) return values.front();
  if (ts_ns >= ts_.back()) return values.back();
  const auto hi = static_cast<std::size_t>(
      std::upper_bound(ts_.begin(), ts_.end(), ts_ns) - ts_.begin());
  const std::size_t lo = hi - 1;
  const double t = static_cast<double>(ts_ns - ts_[lo]) / static_cast<double>(ts_[hi] - ts_[lo]);
  const double v = static_cast<double>(values[lo]) +
                   t * static_cast<double>(values[hi] - values[lo]);
  return static_cast<std::int64_t>(std::llround(v));
}

}  // namespace alphaforge
