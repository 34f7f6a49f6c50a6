// The contingent orders of the bar and tick replays: expiry (GTD), trailing stops, OCO groups,
// brackets, and modify.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "alphaforge/backtest_ledger.hpp"

namespace alphaforge {
namespace {

bool is_buy(const OrderRequest& r) { return r.side == OrderSide::kBuy; }

std::string id_text(std::uint64_t id) { return std::to_string(id); }

void check_trail(const Contingency& terms) {
  const bool amount = terms.trail_amount != 0.0;
  const bool percent = terms.trail_percent != 0.0;
  if (amount && percent) {
    throw std::invalid_argument("give trail_amount or trail_percent, not both");
  }
  if (amount && !(std::isfinite(terms.trail_amount) && terms.trail_amount > 0.0)) {
    throw std::invalid_argument("trail_amount must be a finite price distance > 0, got " +
                                to_decimal(terms.trail_amount));
  }
  if (percent && !(std::isfinite(terms.trail_percent) && terms.trail_percent > 0.0 &&
                   terms.trail_percent < 1.0)) {
    throw std::invalid_argument("trail_percent must be a fraction in (0, 1), got " +
                                to_decimal(terms.trail_percent));
  }
}

}  // namespace

double trailed_stop(const BacktestOrder& o, double reference) noexcept {
  const double distance = o.trail_amount > 0.0 ? o.trail_amount : reference * o.trail_percent;
  if (o.side == OrderSide::kBuy) {
    const double stop = reference + distance;
    return o.stop_price && *o.stop_price <= stop ? *o.stop_price : stop;
  }
  const double stop = reference - distance;
  return o.stop_price && *o.stop_price >= stop ? *o.stop_price : stop;
}

std::uint64_t BacktestLedger::accept_contingent(OrderRequest request, std::uint32_t symbol,
                                                const Contingency& terms,
                                                std::optional<double> reference) {
  if (request.tif == TimeInForce::kGtd && terms.expire_ns == 0) {
    throw std::invalid_argument("time_in_force GTD needs an expire_time");
  }
  if (!terms.any()) return accept(request, symbol);
  if (terms.expire_ns != 0 && terms.expire_ns <= now_) {
    throw std::invalid_argument("expire_time " + std::to_string(terms.expire_ns) +
                                " ns must be after the current time " + std::to_string(now_) +
                                " ns");
  }
  if (terms.expire_ns != 0 && request.tif != TimeInForce::kGtc &&
      request.tif != TimeInForce::kGtd && request.tif != TimeInForce::kPostOnly) {
    throw std::invalid_argument("expire_time is for orders that rest, not " +
                                std::string(to_string(request.tif)) + " ones");
  }
  check_trail(terms);
  BacktestOrder trail{};
  const bool trails = terms.trail_amount != 0.0 || terms.trail_percent != 0.0;
  if (trails) {
    if (request.type != OrderType::kStop || request.stop_price) {
      throw std::invalid_argument(
          "a trailing stop is a STOP order without stop_price: its stop follows the market");
    }
    if (!reference) {
      throw std::invalid_argument("a trailing stop of " + request.symbol +
                                  " starts from its last price, and none is known yet");
    }
    trail.side = request.side;
    trail.trail_amount = terms.trail_amount;
    trail.trail_percent = terms.trail_percent;
    const double stop = trailed_stop(trail, *reference);
    if (!(stop > 0.0)) {
      throw std::invalid_argument("trailing stop of " + request.symbol + " would start at " +
                                  to_decimal(stop) + " from the last price " +
                                  to_decimal(*reference) + ": the trail is too wide");
    }
    trail.stop_price = stop;
    // The engine holds the stop on the grid, away from the market; the replay triggers on
    // the exact value.
    const Instrument grid = engine_.trading_grid(request.symbol);
    request.stop_price = grid.ticks_to_price(grid.passive_ticks(stop, opposite(request.side)));
  }
  std::uint64_t group = 0;
  if (terms.oco != 0) {
    if (terms.oco > orders_.size()) {
      throw std::invalid_argument("oco: order " + id_text(terms.oco) + " is unknown");
    }
    const Order& other = engine_.order(terms.oco);
    if (!other.is_open()) {
      throw std::invalid_argument("oco: order " + id_text(terms.oco) + " is " +
                                  std::string(to_string(other.status)) +
                                  "; an OCO group joins open orders");
    }
    if (orders_[terms.oco - 1].symbol != symbol) {
      throw std::invalid_argument("oco: order " + id_text(terms.oco) + " is of " +
                                  symbols_[orders_[terms.oco - 1].symbol] + ", not " +
                                  request.symbol);
    }
    group = orders_[terms.oco - 1].oco_group != 0 ? orders_[terms.oco - 1].oco_group : terms.oco;
  }
  bool covered = false;
  if (group != 0) {
    const Instrument grid = engine_.trading_grid(request.symbol);
    covered = group_covers(group, request.side, grid.qty_to_lots(request.quantity, "qty"));
  }
  const std::uint64_t id = accept(request, symbol, covered);
  BacktestOrder& o = orders_[id - 1];
  o.expire_ns = terms.expire_ns;
  if (trails) {
    o.trail_amount = trail.trail_amount;
    o.trail_percent = trail.trail_percent;
    o.stop_price = trail.stop_price;
    ++trailing_;
  }
  if (group != 0 && engine_.order(id).is_open()) {
    std::vector<std::uint64_t>& members = groups_[group];
    if (members.empty()) {
      members.push_back(group);
      orders_[group - 1].oco_group = group;
    }
    members.push_back(id);
    o.oco_group = group;
  }
  return id;
}

std::uint64_t BacktestLedger::accept_bracket(const OrderRequest& entry, std::uint32_t symbol,
                                             double stop_loss, double take_profit) {
  if (entry.type != OrderType::kMarket && entry.type != OrderType::kLimit) {
    throw std::invalid_argument("a bracket enters with a MARKET or LIMIT order, not " +
                                std::string(to_string(entry.type)));
  }
  const Instrument grid = engine_.trading_grid(entry.symbol);
  grid.price_to_ticks(stop_loss, "stop_loss");
  grid.price_to_ticks(take_profit, "take_profit");
  const bool buy = is_buy(entry);
  const double low = buy ? stop_loss : take_profit;
  const double high = buy ? take_profit : stop_loss;
  const char* low_name = buy ? "stop_loss" : "take_profit";
  const char* high_name = buy ? "take_profit" : "stop_loss";
  if (!(low < high)) {
    throw std::invalid_argument(std::string("a ") + (buy ? "buy" : "sell") + " bracket needs " +
                                low_name + " below " + high_name + ", got " + low_name + "=" +
                                to_decimal(low) + " " + high_name + "=" + to_decimal(high));
  }
  if (entry.price && !(low < *entry.price && *entry.price < high)) {
    throw std::invalid_argument("the entry limit " + to_decimal(*entry.price) +
                                " must lie between " + low_name + "=" + to_decimal(low) +
                                " and " + high_name + "=" + to_decimal(high));
  }
  const std::uint64_t id = accept(entry, symbol);
  if (engine_.order(id).is_open()) brackets_.emplace(id, BracketState{stop_loss, take_profit, {}});
  return id;
}

BacktestLedger::BracketChildren BacktestLedger::bracket_children(std::uint64_t entry) const {
  const auto it = brackets_.find(entry);
  return it == brackets_.end() ? BracketChildren{} : it->second.children;
}

void BacktestLedger::place_children(std::uint64_t entry) {
  BracketState& bracket = brackets_.at(entry);
  if (bracket.children.stop_loss != 0) return;
  const Order& e = engine_.order(entry);
  if (e.filled == 0) {
    brackets_.erase(entry);  // ended unfilled: nothing to protect
    return;
  }
  const Instrument& inst = engine_.instrument_of(e.symbol);
  OrderRequest child;
  child.symbol = engine_.symbol_name(e.symbol);
  child.strategy_id = engine_.strategy_name(e.strategy);
  child.side = opposite(e.side);
  child.quantity = inst.lots_to_qty(e.filled);
  child.type = OrderType::kStop;
  child.stop_price = bracket.stop_loss;
  const std::uint32_t symbol = orders_[entry - 1].symbol;
  const double take_profit = bracket.take_profit;
  const std::uint64_t stop_id = accept(child, symbol);
  child.type = OrderType::kLimit;
  child.stop_price.reset();
  child.price = take_profit;
  // The two legs sell (or buy back) the same position and only one can fill: the second is
  // covered by the first.
  const std::uint64_t limit_id = accept(child, symbol, engine_.order(stop_id).is_open());
  // accept() may have grown the tables: look the bracket up again.
  brackets_.at(entry).children = BracketChildren{stop_id, limit_id};
  child_placed(stop_id);
  child_placed(limit_id);
  const bool stop_open = engine_.order(stop_id).is_open();
  const bool limit_open = engine_.order(limit_id).is_open();
  if (stop_open && limit_open) {
    orders_[stop_id - 1].oco_group = stop_id;
    orders_[limit_id - 1].oco_group = stop_id;
    groups_[stop_id] = {stop_id, limit_id};
  } else if (stop_open || limit_open) {
    // One leg refused (a risk limit): the other alone would not be a bracket.
    const std::uint64_t left = stop_open ? stop_id : limit_id;
    engine_.apply_status(left, OrderStatus::kCanceled, "its bracket sibling was refused");
    drop_pending(left);
    notices_.push_back(order_record(left));
  }
}

void BacktestLedger::end_group(std::uint64_t id) {
  const std::uint64_t group = orders_[id - 1].oco_group;
  const auto it = groups_.find(group);
  if (it == groups_.end()) return;
  const std::vector<std::uint64_t> members = std::move(it->second);
  groups_.erase(it);
  for (const std::uint64_t other : members) {
    orders_[other - 1].oco_group = 0;
    if (other != id && engine_.order(other).is_open()) {
      engine_.apply_status(other, OrderStatus::kCanceled, "OCO: order " + id_text(id) +
                                                              " filled or ended");
    }
  }
}

bool BacktestLedger::group_covers(std::uint64_t group, OrderSide side, Lots quantity) const {
  const auto it = groups_.find(group);
  // A group of one is its first order alone, not yet in groups_.
  const std::vector<std::uint64_t> alone{group};
  for (const std::uint64_t id : it == groups_.end() ? alone : it->second) {
    const Order& o = engine_.order(id);
    if (o.is_open() && o.side == side && o.leaves() >= quantity) return true;
  }
  return false;
}

void BacktestLedger::drop_pending(std::uint64_t id) {
  auto& pending = pending_[orders_[id - 1].symbol];
  const auto it = std::find(pending.begin(), pending.end(), id);
  if (it != pending.end()) pending.erase(it);
}

void BacktestLedger::cancel_siblings(std::uint64_t id) {
  const std::uint64_t group = orders_[id - 1].oco_group;
  if (group == 0) return;
  const std::vector<std::uint64_t> members = groups_[group];
  end_group(id);
  for (const std::uint64_t other : members) {
    if (other == id || engine_.order(other).status != OrderStatus::kCanceled) continue;
    drop_pending(other);
    notices_.push_back(order_record(other));
  }
}

bool BacktestLedger::modify(std::uint64_t id, std::optional<double> price,
                            std::optional<double> quantity, std::optional<double> stop_price) {
  if (id == 0 || id > orders_.size()) {
    throw std::invalid_argument("order_id " + id_text(id) + " is unknown");
  }
  BacktestOrder& b = orders_[id - 1];
  if (stop_price && b.triggered) {
    throw std::invalid_argument("stop_price: the stop of order " + id_text(id) +
                                " has already fired");
  }
  const Lots before = engine_.order(id).quantity;
  engine_.modify(id, price, quantity, stop_price);
  const Order& o = engine_.order(id);
  const Instrument& inst = engine_.instrument_of(o.symbol);
  if (price) b.price = inst.ticks_to_price(o.price);
  if (stop_price) b.stop_price = inst.ticks_to_price(o.stop_price);
  const bool anew = price || stop_price || o.quantity > before;
  if (anew) {
    // A new arrival: it may take again, and waits for the market's next bar or event.
    b.resting = false;
    b.ts_ns = now_;
    drop_pending(id);
    pending_[b.symbol].push_back(id);
  }
  notices_.push_back(order_record(id));
  return anew;
}

}  // namespace alphaforge
