#pragma once

#include <optional>

#include "alphaforge/backtest_records.hpp"

namespace alphaforge {

// The market as one replayed event leaves it: the event itself (a trade print, or a change of
// the best quote) and the best quote in force, once the symbol has had one.
struct TickMarket {
  bool is_trade;
  double trade_price;  // the print, when is_trade
  bool has_quote;
  double bid;
  double ask;
};

// What `order` does at this event. A taker pays the best opposite quote, or the
// trade price while the symbol has no quote. A market order takes at once. A stop fires when
// the event reaches its stop (a print at or through it; for a quote, the side the stop would
// take); it then takes at once, or becomes a limit. A limit that would take when it reaches
// the market takes at the better market price; otherwise it rests, and then fills whole at its
// own price as maker once the market trades through it (a print strictly beyond the limit, or
// an opposite quote at or beyond it). On arrival an IOC or FOK limit that cannot take, or a
// POST_ONLY one that would, expires instead (see expiry_on_arrival). Updates order.triggered
// and order.resting.
FillDecision tick_fill(BacktestOrder& order, const TickMarket& market);

// Whether the event reaches the stop of `order`: a print at or through it, or for a quote the
// price on the side the stop would take (the ask for a buy).
bool stop_reached(const BacktestOrder& order, const TickMarket& market);

}  // namespace alphaforge
