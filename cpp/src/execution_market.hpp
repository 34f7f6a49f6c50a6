#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <utility>

#include "alphaforge/execution_engine.hpp"

namespace alphaforge {

// The open_slot_ of an order that is not open.
inline constexpr std::uint32_t kNotOpen = UINT32_MAX;

// One symbol's venue inside the ExecutionEngine: the resting and pending orders, the last
// prices of the market, and the account's net position.
struct ExecutionEngine::Market {
  Market(Instrument inst, std::uint32_t i)
      : instrument(std::move(inst)),
        net(instrument.lot_size(), instrument.multiplier()),
        index(i) {}

  Instrument instrument;
  OrderBook book;
  StopBook stops;
  Position net;  // the account's position over all strategies
  std::optional<Ticks> last;
  std::optional<Ticks> bid;
  std::optional<Ticks> ask;
  Lots open_buy = 0;  // unfilled lots of open orders, for the position limit
  Lots open_sell = 0;
  std::uint32_t index;
  std::unordered_set<std::uint64_t> venue_trades;  // trade ids of the external fills booked
};

// Every change of an order goes through here: it keeps the open lots, the reservations and
// the list of open orders in step with the order's status, then queues the update.
template <typename Change>
void ExecutionEngine::update(Order& o, Change&& change) {
  Market& m = *markets_[o.symbol];
  const bool was_open = o.is_open();
  const Lots before = was_open ? o.leaves() : 0;
  change();
  const bool now_open = o.is_open();
  const Lots after = now_open ? o.leaves() : 0;
  (o.side == OrderSide::kBuy ? m.open_buy : m.open_sell) += after - before;
  double& reserved = reserved_[o.id - 1];
  const double reserve = reservation(m, o);
  if (reserve != reserved) {
    if (account_.type == AccountType::kSpot) {
      const Instrument& inst = m.instrument;
      asset(o.side == OrderSide::kBuy ? inst.quote() : inst.base()).locked += reserve - reserved;
    } else {
      reserved_total_ += reserve - reserved;
    }
    reserved = reserve;
  }
  if (was_open != now_open) {
    const std::size_t slot = o.id - 1;
    if (now_open) {
      open_slot_[slot] = static_cast<std::uint32_t>(open_ids_.size());
      open_ids_.push_back(o.id);
    } else {
      const std::uint32_t at = open_slot_[slot];
      open_ids_[at] = open_ids_.back();
      open_slot_[open_ids_[at] - 1] = at;
      open_ids_.pop_back();
      open_slot_[slot] = kNotOpen;
      // Sums of reservations drift by rounding; with nothing open they are exactly zero.
      if (open_ids_.empty() && account_.type != AccountType::kSpot) reserved_total_ = 0.0;
    }
  }
  emit_order(o);
}

}  // namespace alphaforge
