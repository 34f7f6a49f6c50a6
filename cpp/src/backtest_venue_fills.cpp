#include <algorithm>
#include <cmath>
#include <string>

#include "alphaforge/backtest_ledger.hpp"

namespace alphaforge {

void BacktestLedger::settle_venue(std::uint32_t symbol, const VenueEvents& events,
                                  const FillHandler& on_fill, const OrderHandler& on_order) {
  const std::size_t first_fill = fills_.size();
  std::vector<std::uint64_t> touched;
  const auto touch = [&touched](std::uint64_t id) {
    if (std::find(touched.begin(), touched.end(), id) == touched.end()) touched.push_back(id);
  };
  for (const VenueFill& f : events.fills) {
    const Order& o = engine_.order(f.id);
    // An OCO sibling filled before it in the same moment: it was canceled then.
    if (!o.is_open()) continue;
    const Instrument& inst = engine_.instrument_of(o.symbol);
    const Lots lots =
        std::min<Lots>(std::llround(f.qty / inst.lot_size()), o.quantity - o.filled);
    if (lots <= 0) continue;
    const std::size_t first = engine_.fills().size();
    engine_.apply_simulated_fill(f.id, inst.ticks_to_price(f.price), f.liquidity, lots);
    record_fills(first);
    touch(f.id);
    if (orders_[f.id - 1].oco_group != 0) end_group(f.id);
  }
  for (const VenueExpiry& e : events.expiries) {
    if (!engine_.order(e.id).is_open()) continue;
    engine_.apply_status(e.id, OrderStatus::kExpired, std::string(e.reason));
    touch(e.id);
    if (orders_[e.id - 1].oco_group != 0) end_group(e.id);
  }
  // With them, the OCO siblings the fills above canceled.
  finish_settlement(symbol, touched, first_fill, on_fill, on_order);
}

}  // namespace alphaforge
