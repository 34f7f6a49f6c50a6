#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "alphaforge/execution_engine.hpp"

namespace alphaforge {

// A pending order of a backtest as its fill model sees it. The ExecutionEngine holds the order
// itself (status, fills, the account's reservations) under the same id; this is what the
// model adds: where the order is on its way to the market.
struct BacktestOrder {
  std::uint64_t id;
  std::uint32_t symbol;  // the replay's symbol index
  OrderSide side;
  OrderType type;
  TimeInForce tif = TimeInForce::kGtc;
  std::optional<double> price;
  std::optional<double> stop_price;
  std::int64_t ts_ns;       // when it last arrived: sent, or re-priced by a modify
  std::int64_t created_ns;  // when it was sent: the time its records carry
  bool triggered = false;  // a stop whose trigger has fired
  bool resting = false;    // a limit that reached the market and did not take: a maker now
  // Tick replays: the first event the order may fill on (by sequence number, and by time once
  // the latency has passed).
  std::uint64_t first_seq = 0;
  std::int64_t active_ns = 0;
  bool at_venue = false;  // on a symbol with depth: it has reached the book venue
  std::uint32_t sends = 0;  // on a symbol with depth: times it was sent (once, plus modifies)
  // Contingent terms (see Contingency): 0 when the order has none.
  std::int64_t expire_ns = 0;
  double trail_amount = 0.0;
  double trail_percent = 0.0;
  std::uint64_t oco_group = 0;  // the id of the group's first order

  bool trails() const noexcept { return trail_amount > 0.0 || trail_percent > 0.0; }
};

// What an order adds to its type and time in force: an expiry (GTD), a trailing stop, an OCO
// group. A trailing stop is a STOP order whose stop follows the market at `trail_amount` (a
// price distance) or `trail_percent` (a fraction of the price) and never moves back: a sell's
// stop rises with the price, a buy's falls.
struct Contingency {
  std::int64_t expire_ns = 0;  // expires at the first event of its symbol at or after this
  double trail_amount = 0.0;
  double trail_percent = 0.0;
  std::uint64_t oco = 0;  // an open order of the same symbol whose OCO group this one joins

  bool any() const noexcept {
    return expire_ns != 0 || trail_amount != 0.0 || trail_percent != 0.0 || oco != 0;
  }
};

// A trailing stop's stop after the market moved to `reference`, as backtrader's StopTrail
// computes it: reference minus (sell) or plus (buy) the distance, kept when it would move the
// stop away from the market; unrounded, so triggers compare as backtrader's do.
double trailed_stop(const BacktestOrder& order, double reference) noexcept;

// What a fill model makes of a pending order at one bar or event: nothing yet, a whole fill at
// a price with the liquidity it took or made, or expiry by its time in force.
struct FillDecision {
  enum class Kind : std::uint8_t { kWait, kFill, kExpire };
  Kind kind = Kind::kWait;
  double price = 0.0;
  Liquidity liquidity = Liquidity::kTaker;
  std::string_view reason;  // kExpire: a static text

  static FillDecision wait() noexcept { return {}; }
  static FillDecision fill(double price, Liquidity liquidity) noexcept {
    return {Kind::kFill, price, liquidity, {}};
  }
  static FillDecision expire(std::string_view reason) noexcept {
    return {Kind::kExpire, 0.0, Liquidity::kTaker, reason};
  }
};

struct BacktestFill {
  std::int64_t ts_ns;
  std::uint32_t symbol;
  OrderSide side;
  double qty;
  double price;
  double fee;
  std::uint64_t order_id;
  std::string strategy;
  Liquidity liquidity;
  std::uint64_t trade_id;
};

struct EquityPoint {
  std::int64_t ts_ns;
  double cash;
  double equity;
};

// An order as a backtest reports it, in the replay's terms (its symbol index, doubles).
struct OrderRecord {
  std::uint64_t id;
  std::int64_t ts_ns;
  std::uint32_t symbol;
  OrderSide side;
  OrderType type;
  TimeInForce tif;
  double quantity;
  std::optional<double> price;
  std::optional<double> stop_price;
  OrderStatus status;
  double filled;
  double avg_fill_price;  // 0 before the first fill
  std::string strategy;
  std::string reject_reason;
  bool reduce_only;
};

struct BacktestConfig {
  EngineConfig engine;
  // Market and stop fills move against the order by this price distance (a whole number of
  // ticks of every instrument) plus this many basis points of the price, the latter rounded
  // to the tick against the order.
  double slippage_price = 0.0;
  double slippage_bps = 0.0;

  // std::invalid_argument naming the field for a negative or non-finite slippage, or
  // slippage_bps of 10,000 or more (a sell would fill at zero).
  void validate() const;
};

// When a limit order reaches the market (`marketable`: it would take there): the reason it
// expires, as an IOC or FOK that cannot take or a POST_ONLY that would; nothing when it may
// take or rest.
std::optional<std::string_view> expiry_on_arrival(TimeInForce tif, bool marketable) noexcept;

}  // namespace alphaforge
