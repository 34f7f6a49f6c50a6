#include "alphaforge/backtest_ledger.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace alphaforge {

BacktestLedger::BacktestLedger(const BacktestConfig& config)
    : config_(config), engine_(config.engine) {
  config_.validate();
}

std::uint32_t BacktestLedger::add_symbol(const std::string& symbol) {
  symbols_.push_back(symbol);
  pending_.resize(symbols_.size());
  return static_cast<std::uint32_t>(symbols_.size() - 1);
}

void BacktestLedger::check_slippage(const std::string& symbol, double lowest_price,
                                    std::size_t row) const {
  if (config_.slippage_price == 0.0) return;
  const Instrument grid = engine_.trading_grid(symbol);
  try {
    grid.price_to_ticks(config_.slippage_price, "slippage_price");
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + " of " + symbol);
  }
  if (lowest_price - config_.slippage_price <= 0.0) {
    throw std::invalid_argument("slippage_price " + to_decimal(config_.slippage_price) +
                                " would push a sell of " + symbol + " at " +
                                to_decimal(lowest_price) + " (row " + std::to_string(row) +
                                ") to zero or below");
  }
}

std::uint64_t BacktestLedger::accept(const OrderRequest& request, std::uint32_t symbol,
                                     bool covered) {
  const std::uint64_t id = engine_.submit_external(request, true, covered);
  const Order& o = engine_.order(id);
  const Instrument& inst = engine_.instrument_of(o.symbol);
  BacktestOrder pending;
  pending.id = id;
  pending.symbol = symbol;
  pending.side = o.side;
  pending.type = o.type;
  pending.tif = o.tif;
  if (o.price != 0) pending.price = inst.ticks_to_price(o.price);
  if (o.stop_price != 0) pending.stop_price = inst.ticks_to_price(o.stop_price);
  pending.ts_ns = pending.created_ns = now_;
  orders_.push_back(pending);
  if (o.is_open()) pending_[symbol].push_back(id);
  // Accepted, or refused by a risk limit or the account: told after the handler that sent it,
  // as a venue's acknowledgement reaches a live strategy.
  notices_.push_back(order_record(id));
  return id;
}

bool BacktestLedger::cancel(std::uint64_t id) {
  if (id == 0 || id > orders_.size()) {
    throw std::invalid_argument("unknown order id " + std::to_string(id));
  }
  if (!engine_.order(id).is_open()) return false;
  engine_.apply_status(id, OrderStatus::kCanceled);
  auto& pending = pending_[orders_[id - 1].symbol];
  pending.erase(std::find(pending.begin(), pending.end(), id));
  notices_.push_back(order_record(id));
  if (orders_[id - 1].oco_group != 0) cancel_siblings(id);
  if (brackets_.count(id) != 0) place_children(id);
  return true;
}

double BacktestLedger::position(std::string_view symbol, std::string_view strategy) const {
  const Position* p = engine_.position(symbol, strategy);
  return p == nullptr ? 0.0 : p->quantity();
}

OrderRecord BacktestLedger::order_record(std::uint64_t id) const {
  const Order& o = engine_.order(id);
  const Instrument& inst = engine_.instrument_of(o.symbol);
  const BacktestOrder& b = orders_[id - 1];
  return OrderRecord{id,
                     b.created_ns,
                     b.symbol,
                     o.side,
                     o.type,
                     o.tif,
                     inst.lots_to_qty(o.quantity),
                     b.price,
                     b.stop_price,
                     o.status,
                     inst.lots_to_qty(o.filled),
                     o.avg_fill_ticks() * inst.tick_size(),
                     engine_.strategy_name(o.strategy),
                     o.reject_reason,
                     o.reduce_only};
}

std::vector<std::uint64_t> BacktestLedger::open_order_ids(std::string_view strategy) const {
  std::vector<std::uint64_t> ids;
  for (const Order* o : engine_.open_orders()) {
    if (strategy.empty() || engine_.strategy_name(o->strategy) == strategy) ids.push_back(o->id);
  }
  return ids;
}

double BacktestLedger::slipped(const BacktestOrder& o, double price) const {
  if (o.type != OrderType::kMarket && o.type != OrderType::kStop) return price;
  const bool buy = o.side == OrderSide::kBuy;
  double p = price + (buy ? config_.slippage_price : -config_.slippage_price);
  if (config_.slippage_bps > 0.0) {
    const Instrument grid = engine_.trading_grid(symbols_[o.symbol]);
    const double moved = p * (1.0 + (buy ? 1.0 : -1.0) * config_.slippage_bps / 10'000.0);
    // Rounded to the tick against the order: up for a buy, down for a sell.
    p = grid.ticks_to_price(grid.passive_ticks(moved, buy ? OrderSide::kSell : OrderSide::kBuy));
  }
  return p;
}

void BacktestLedger::book(BacktestOrder& o, double price, Liquidity liquidity) {
  const std::size_t first = engine_.fills().size();
  engine_.apply_simulated_fill(o.id, slipped(o, price), liquidity);
  record_fills(first);
}

void BacktestLedger::record_fills(std::size_t first_engine_fill) {
  const auto& fills = engine_.fills();
  for (std::size_t i = first_engine_fill; i < fills.size(); ++i) {
    const Fill& f = fills[i];
    const Instrument& inst = engine_.instrument_of(f.symbol);
    fills_.push_back(BacktestFill{now_, replay_symbol(f.symbol), f.side, inst.lots_to_qty(f.qty),
                                  inst.ticks_to_price(f.price), f.fee, f.order_id,
                                  engine_.strategy_name(f.strategy), f.liquidity, f.trade_id});
  }
}

std::uint32_t BacktestLedger::replay_symbol(std::uint32_t engine_symbol) const {
  const std::string& name = engine_.symbol_name(engine_symbol);
  for (std::uint32_t i = 0; i < symbols_.size(); ++i) {
    if (symbols_[i] == name) return i;
  }
  throw std::logic_error("the engine traded " + name + ", which the replay does not know");
}

void BacktestLedger::mark_trade(std::uint32_t symbol, double price, const FillHandler& on_fill,
                                const OrderHandler& on_order) {
  engine_.update_price(symbols_[symbol], price);
  if (engine_.order_count() > orders_.size()) adopt_engine_orders(on_fill, on_order);
}

void BacktestLedger::mark_quote(std::uint32_t symbol, double bid, double ask,
                                const FillHandler& on_fill, const OrderHandler& on_order) {
  engine_.update_quote(symbols_[symbol], bid, ask);
  if (engine_.order_count() > orders_.size()) adopt_engine_orders(on_fill, on_order);
}

void BacktestLedger::adopt_engine_orders(const FillHandler& on_fill,
                                         const OrderHandler& on_order) {
  // A margin call cancels every open order and closes the positions with orders of its own,
  // each filled at once.
  std::vector<std::uint64_t> ids;
  for (auto& pending : pending_) {
    ids.insert(ids.end(), pending.begin(), pending.end());
    pending.clear();
  }
  const std::uint64_t first_new = orders_.size() + 1;
  for (std::uint64_t id = first_new; id <= engine_.order_count(); ++id) {
    const Order& o = engine_.order(id);
    BacktestOrder adopted{};
    adopted.id = id;
    adopted.symbol = replay_symbol(o.symbol);
    adopted.side = o.side;
    adopted.type = o.type;
    adopted.ts_ns = adopted.created_ns = now_;
    orders_.push_back(adopted);
    ids.push_back(id);
  }
  const auto& fills = engine_.fills();
  std::size_t first_engine_fill = fills.size();
  while (first_engine_fill > 0 && fills[first_engine_fill - 1].order_id >= first_new) {
    --first_engine_fill;
  }
  const std::size_t first_fill = fills_.size();
  record_fills(first_engine_fill);
  deliver(ids, first_fill, on_fill, on_order);
}

void BacktestLedger::finish_settlement(std::uint32_t symbol,
                                       std::vector<std::uint64_t>& delivered,
                                       std::size_t first_fill, const FillHandler& on_fill,
                                       const OrderHandler& on_order) {
  std::vector<std::uint64_t>& pending = pending_[symbol];
  std::size_t kept = 0;
  for (const std::uint64_t id : pending) {
    if (engine_.order(id).is_open()) {
      pending[kept++] = id;
    } else if (std::find(delivered.begin(), delivered.end(), id) == delivered.end()) {
      delivered.push_back(id);
    }
  }
  pending.resize(kept);
  if (delivered.empty()) return;
  // Handlers may submit, and so settle again: hand them a list of their own.
  const std::vector<std::uint64_t> ids = std::exchange(delivered, {});
  if (!brackets_.empty()) {
    for (const std::uint64_t id : ids) {
      if (brackets_.count(id) != 0 && !engine_.order(id).is_open()) place_children(id);
    }
  }
  deliver(ids, first_fill, on_fill, on_order);
}

void BacktestLedger::deliver(const std::vector<std::uint64_t>& ids, std::size_t first_fill,
                             const FillHandler& on_fill, const OrderHandler& on_order) {
  // Handlers may submit, which fills nothing now but may grow orders_: hold ids, not refs.
  const std::size_t last_fill = fills_.size();
  for (const std::uint64_t id : ids) {
    if (on_order) on_order(order_record(id));
    if (!on_fill) continue;
    for (std::size_t i = first_fill; i < last_fill; ++i) {
      if (fills_[i].order_id == id) on_fill(fills_[i]);
    }
  }
}

void BacktestLedger::record_equity(std::int64_t ts) {
  equity_.push_back(EquityPoint{ts, engine_.cash(), engine_.equity()});
}

}  // namespace alphaforge
