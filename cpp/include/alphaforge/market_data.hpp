#pragma once

#include <cstdint>

#include "alphaforge/trade_tick.hpp"

namespace alphaforge {

// Top of book at one instant. Plain data, matched field for field by QUOTE_TICK_DTYPE.
struct QuoteTick {
  std::int64_t ts_ns;  // exchange time, nanoseconds since the Unix epoch (UTC)
  double bid;
  double ask;
  double bid_size;
  double ask_size;
  std::uint32_t symbol_id;  // index into the engine's symbol table
};

enum class MarketEventKind : std::uint8_t { kTrade = 0, kQuote = 1 };

// What a producer thread hands to the engine: one trade or one quote, trivially copyable so the
// rings move batches of them with memcpy.
struct MarketEvent {
  MarketEventKind kind;
  union {
    TradeTick trade;
    QuoteTick quote;
  };

  static MarketEvent of(const TradeTick& t) noexcept {
    MarketEvent e{};
    e.kind = MarketEventKind::kTrade;
    e.trade = t;
    return e;
  }
  static MarketEvent of(const QuoteTick& q) noexcept {
    MarketEvent e{};
    e.kind = MarketEventKind::kQuote;
    e.quote = q;
    return e;
  }
};

}  // namespace alphaforge
