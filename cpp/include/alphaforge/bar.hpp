#pragma once

#include <cstdint>

namespace alphaforge {

// One OHLCV bar, matched field for field by BAR_DTYPE.
// Time bars cover [ts_open_ns, ts_close_ns): both are bucket boundaries. Tick and volume bars
// carry the timestamps of their first and last trade.
struct Bar {
  std::int64_t ts_open_ns;
  std::int64_t ts_close_ns;
  double open;
  double high;
  double low;
  double close;
  double volume;
  std::int64_t trade_count;
  std::uint32_t symbol_id;
};

}  // namespace alphaforge
