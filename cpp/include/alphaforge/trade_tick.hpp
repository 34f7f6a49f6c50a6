#pragma once

#include <cstdint>

namespace alphaforge {

enum class AggressorSide : std::int8_t { kNone = 0, kBuyer = 1, kSeller = 2 };

// One trade print as it crosses threads and the Python boundary: plain data, fixed layout,
// matched field for field by a numpy structured dtype.
struct TradeTick {
  std::int64_t ts_ns;        // exchange time, nanoseconds since the Unix epoch (UTC)
  double price;
  double size;
  std::int64_t trade_id;
  std::uint32_t symbol_id;   // index into the engine's symbol table
  std::int8_t aggressor;     // an AggressorSide value; a plain byte keeps the numpy dtype simple
};

}  // namespace alphaforge
