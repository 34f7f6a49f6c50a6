#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alphaforge/backtest_records.hpp"
#include "alphaforge/book_venue.hpp"
#include "alphaforge/execution_engine.hpp"

namespace alphaforge {

// What the bar and the tick replays share: the ExecutionEngine that checks and tracks every
// order (risk limits, buying power, lifecycle) and keeps cash, positions and fees, used in its
// external-venue mode with the replay's fill model as the venue; the orders the model holds
// until it settles them, pending per symbol in submission order; the fills; and the equity
// curve.
class BacktestLedger {
 public:
  using FillHandler = std::function<void(const BacktestFill&)>;
  using OrderHandler = std::function<void(const OrderRecord&)>;

  explicit BacktestLedger(const BacktestConfig& config);

  // False when the order is no longer open; std::invalid_argument for an unknown id. The other
  // orders of its OCO group are canceled with it; a bracket's entry takes its children along.
  bool cancel(std::uint64_t id);
  // A new limit price, total quantity or stop price of an open order, under the same id;
  // std::invalid_argument naming the field when the order is not open or a value is refused
  // (the order stays as it was). A smaller quantity keeps the order's place among the pending
  // orders; a new price, a new stop or a larger quantity sends it to the back, as an order
  // that reaches the market anew. Returns whether it did.
  bool modify(std::uint64_t id, std::optional<double> price, std::optional<double> quantity,
              std::optional<double> stop_price);

  // The stop-loss and take-profit orders of the bracket entered by `entry`: 0 until the entry
  // has filled (and for good when it ended unfilled).
  struct BracketChildren {
    std::uint64_t stop_loss = 0;
    std::uint64_t take_profit = 0;
  };
  BracketChildren bracket_children(std::uint64_t entry) const;
  double position(std::string_view symbol, std::string_view strategy) const;

  std::int64_t now_ns() const noexcept { return now_; }
  std::size_t order_count() const noexcept { return orders_.size(); }
  OrderRecord order_record(std::uint64_t id) const;
  // Ids of the open orders of `strategy` (of every strategy when empty), oldest first.
  std::vector<std::uint64_t> open_order_ids(std::string_view strategy) const;
  const std::vector<BacktestFill>& fills() const noexcept { return fills_; }
  const std::vector<EquityPoint>& equity() const noexcept { return equity_; }
  const ExecutionEngine& engine() const noexcept { return engine_; }
  const std::vector<std::string>& symbols() const noexcept { return symbols_; }

 protected:
  // Sends the order to the engine, which checks it against the risk limits and the account;
  // accepted, it is pending for `symbol` (the replay's index). Returns the engine's id.
  // `covered`: an OCO order whose group already holds what it would spend (an open member of
  // the same side for at least its quantity): only one of them can fill, so it is not checked
  // against the account or the risk limits again.
  std::uint64_t accept(const OrderRequest& request, std::uint32_t symbol, bool covered = false);
  // accept() with contingent terms; `reference` is the price a trailing stop starts from (the
  // replay's last price of the symbol). std::invalid_argument naming the field for a refused
  // term, before anything is sent.
  std::uint64_t accept_contingent(OrderRequest request, std::uint32_t symbol,
                                  const Contingency& terms, std::optional<double> reference);
  // A bracket: `entry` (market or limit); once it fills, a STOP at `stop_loss` and a LIMIT at
  // `take_profit` for the filled quantity on the other side, one OCO group (which keeps the
  // position from flipping), placed in that order, as backtrader's brackets. std::invalid_argument naming the field when the prices are off the
  // grid or not on the right sides (a buy: stop_loss < limit < take_profit).
  std::uint64_t accept_bracket(const OrderRequest& entry, std::uint32_t symbol, double stop_loss,
                               double take_profit);
  // Moves the trailing stops of `symbol` that `eligible` says have reached the market to the
  // reference price of their side (buys: `buy_reference`).
  template <typename Eligible>
  void trail_stops(std::uint32_t symbol, double buy_reference, double sell_reference,
                   Eligible&& eligible);

  // Offers each pending order of `symbol` to `decide`, which returns what the fill model makes
  // of it. Fills get the slippage (market and stop orders) and go through the engine, whose
  // account may let only part of them happen; then on_order and on_fill see every order
  // settled, in submission order; they may submit and cancel.
  template <typename Decide>
  void settle_pending(std::uint32_t symbol, Decide&& decide, const FillHandler& on_fill,
                      const OrderHandler& on_order);

  // Books what a book venue did to the orders of `symbol`: each fill for its part (the account
  // may let less happen, as in settle_pending; no slippage: the levels' prices are the cost),
  // each expiry. Then, as settle_pending: a fill or an end closes the order's OCO group, an
  // ended bracket entry gets its children, and the handlers see every order touched, in the
  // order it was first touched.
  void settle_venue(std::uint32_t symbol, const VenueEvents& events, const FillHandler& on_fill,
                    const OrderHandler& on_order);

  // Marks `symbol` at a trade price or a quote; a margin call they cause is settled here.
  void mark_trade(std::uint32_t symbol, double price, const FillHandler& on_fill,
                  const OrderHandler& on_order);
  void mark_quote(std::uint32_t symbol, double bid, double ask, const FillHandler& on_fill,
                  const OrderHandler& on_order);
  // Hands out what happened outside a settlement: orders accepted or refused when they were
  // sent, and orders canceled.
  // Each record is as the order was when it happened: it may have filled since.
  void deliver_notices(const OrderHandler& on_order) {
    if (notices_.empty()) return;
    for (const OrderRecord& record : std::exchange(notices_, {})) {
      if (on_order) on_order(record);
    }
  }

  // A bracket's child, placed by the ledger itself when its entry filled: a replay that routes
  // orders to a venue of its own sends it there.
  virtual void child_placed(std::uint64_t id) { static_cast<void>(id); }
  ~BacktestLedger() = default;

  void record_equity(std::int64_t ts);
  // std::invalid_argument when the slippage is not a whole number of ticks of `symbol`'s grid,
  // or would push `lowest_price` (the lowest price of its data, at `row`) to zero or below.
  void check_slippage(const std::string& symbol, double lowest_price, std::size_t row) const;
  std::uint32_t add_symbol(const std::string& symbol);

  BacktestConfig config_;
  ExecutionEngine engine_;
  std::vector<std::string> symbols_;  // by the replay's symbol index
  std::vector<BacktestOrder> orders_;  // id - 1, as the engine numbers them
  std::vector<std::vector<std::uint64_t>> pending_;  // by symbol
  std::vector<BacktestFill> fills_;
  std::vector<EquityPoint> equity_;
  std::int64_t now_ = 0;

 private:
  // Books the fill model's fill of order `id` at `price` through the engine.
  void book(BacktestOrder& order, double price, Liquidity liquidity);
  // Copies the engine's fills from `first_engine_fill` on into the replay's fills.
  void record_fills(std::size_t first_engine_fill);
  double slipped(const BacktestOrder& order, double price) const;
  // Adopts orders the engine made itself (a margin call's closes) and notifies them.
  void adopt_engine_orders(const FillHandler& on_fill, const OrderHandler& on_order);
  void deliver(const std::vector<std::uint64_t>& ids, std::size_t first_fill,
               const FillHandler& on_fill, const OrderHandler& on_order);
  // Ends a settlement of `symbol`: the orders no longer open leave its pending list and join
  // `delivered` (after the orders already there, each once); the bracket entries among them
  // get their children; then the handlers see every delivered order, and the fills from
  // `first_fill` on. `delivered` is left empty.
  void finish_settlement(std::uint32_t symbol, std::vector<std::uint64_t>& delivered,
                         std::size_t first_fill, const FillHandler& on_fill,
                         const OrderHandler& on_order);
  std::uint32_t replay_symbol(std::uint32_t engine_symbol) const;

  // An order that filled or ended: the others of its OCO group are canceled (the caller
  // settles them); a bracket entry that ended has its children placed, or is forgotten.
  void end_group(std::uint64_t id);
  void place_children(std::uint64_t entry);
  // Cancels the open OCO siblings of `id` at once, outside a settlement, with notices.
  void cancel_siblings(std::uint64_t id);
  void drop_pending(std::uint64_t id);
  // Whether open orders of OCO group `group` on `side` cover `quantity` lots.
  bool group_covers(std::uint64_t group, OrderSide side, Lots quantity) const;

  struct BracketState {
    double stop_loss;
    double take_profit;
    BracketChildren children;
  };

  std::vector<std::uint64_t> settled_;
  std::vector<OrderRecord> notices_;
  std::unordered_map<std::uint64_t, BracketState> brackets_;  // by entry id
  std::unordered_map<std::uint64_t, std::vector<std::uint64_t>> groups_;  // OCO members
  std::size_t trailing_ = 0;  // trailing stops ever sent: none, no pass over the pending
};

template <typename Decide>
void BacktestLedger::settle_pending(std::uint32_t symbol, Decide&& decide,
                                    const FillHandler& on_fill, const OrderHandler& on_order) {
  std::vector<std::uint64_t>& pending = pending_[symbol];
  const std::size_t first_fill = fills_.size();
  settled_.clear();
  for (const std::uint64_t id : pending) {
    // A fill before this one may have ended it (a reduce-only order left with nothing to
    // reduce, an OCO sibling); it is settled with the rest.
    if (!engine_.order(id).is_open()) continue;
    BacktestOrder& o = orders_[id - 1];
    if (o.expire_ns != 0 && now_ >= o.expire_ns) {
      engine_.apply_status(id, OrderStatus::kExpired, "expire_time reached (GTD)");
      if (o.oco_group != 0) end_group(id);
      continue;
    }
    const FillDecision decision = decide(o);
    if (decision.kind == FillDecision::Kind::kFill) {
      book(o, decision.price, decision.liquidity);
    } else if (decision.kind == FillDecision::Kind::kExpire) {
      engine_.apply_status(id, OrderStatus::kExpired, std::string(decision.reason));
    } else {
      continue;
    }
    // Before the next order is offered: an OCO sibling the same bar reaches does not fill.
    if (o.oco_group != 0) end_group(id);
  }
  finish_settlement(symbol, settled_, first_fill, on_fill, on_order);
}

template <typename Eligible>
void BacktestLedger::trail_stops(std::uint32_t symbol, double buy_reference,
                                 double sell_reference, Eligible&& eligible) {
  if (trailing_ == 0) return;
  for (const std::uint64_t id : pending_[symbol]) {
    BacktestOrder& o = orders_[id - 1];
    if (!o.trails() || o.triggered || !eligible(o)) continue;
    o.stop_price = trailed_stop(o, o.side == OrderSide::kBuy ? buy_reference : sell_reference);
  }
}

}  // namespace alphaforge
