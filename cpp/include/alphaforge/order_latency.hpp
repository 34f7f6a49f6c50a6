#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace alphaforge {

// The time an order (or a cancel) takes to reach the exchange (entry) and the exchange's
// answer takes to come back (response): constant, or interpolated linearly in time from a
// recorded series, as hftbacktest's IntpOrderLatency does. Before the first row of a series the
// first row's values hold, after the last row the last row's.
class OrderLatency {
 public:
  // std::invalid_argument for a negative latency.
  OrderLatency(std::int64_t entry_ns, std::int64_t response_ns);
  // Rows of (timestamp, entry, response), timestamps strictly increasing, latencies >= 0;
  // std::invalid_argument naming the field and row otherwise, or for no rows.
  OrderLatency(const std::int64_t* ts, const std::int64_t* entry_ns,
               const std::int64_t* response_ns, std::size_t n);

  std::int64_t entry(std::int64_t ts_ns) const noexcept { return at(entry_, ts_ns); }
  std::int64_t response(std::int64_t ts_ns) const noexcept { return at(response_, ts_ns); }

 private:
  std::int64_t at(const std::vector<std::int64_t>& values, std::int64_t ts_ns) const noexcept;

  std::vector<std::int64_t> ts_;  // empty for a constant latency
  std::vector<std::int64_t> entry_;
  std::vector<std::int64_t> response_;
};

}  // namespace alphaforge
