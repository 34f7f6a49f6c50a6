#include "alphaforge/backtest_ledger.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace alphaforge {

BacktestLedger::BacktestLedger(const BacktestConfig& config)
    : config_(config), engine_(config.engine) {
  if (!std::isfinite(config.slippage_ticks) || config.slippage_ticks < 0.0) {
    throw std::invalid_argument("slippage must be a finite number of ticks >= 0, got " +
                                to_decimal(config.slippage_ticks));
  }
}

BacktestOrder& BacktestLedger::accept(const OrderRequest& request, std::uint32_t symbol) {
  orders_.push_back(accept_backtest_order(request, engine_, orders_.size() + 1, symbol, now_));
  if (pending_.size() <= symbol) pending_.resize(symbol + 1);
  pending_[symbol].push_back(orders_.back().id);
  return orders_.back();
}

bool BacktestLedger::cancel(std::uint64_t id) {
  if (id == 0 || id > orders_.size()) {
    throw std::invalid_argument("unknown order id " + std::to_string(id));
  }
  BacktestOrder& o = orders_[id - 1];
  if (is_terminal(o.status)) return false;
  o.status = OrderStatus::kCanceled;
  auto& pending = pending_[o.symbol];
  pending.erase(std::find(pending.begin(), pending.end(), id));
  return true;
}

double BacktestLedger::position(std::string_view symbol, std::string_view strategy) const {
  const Position* p = engine_.position(symbol, strategy);
  return p == nullptr ? 0.0 : p->quantity();
}

void BacktestLedger::book(std::uint64_t id, const std::string& name, FillAt fill) {
  BacktestOrder& o = orders_[id - 1];
  if (o.type == OrderType::kMarket || o.type == OrderType::kStop) {
    const double slip = config_.slippage_ticks * engine_.trading_grid(name).tick_size();
    fill.price += o.side == OrderSide::kBuy ? slip : -slip;
  }
  if (book_backtest_fill(engine_, name, o, fill.price, fill.liquidity)) {
    fills_.push_back(BacktestFill{now_, o.symbol, o.side, o.quantity, fill.price,
                                  engine_.fills().back().fee, o.id, o.strategy, fill.liquidity});
  }
  settled_.push_back(id);
}

void BacktestLedger::notify(std::size_t first_fill, const FillHandler& on_fill,
                            const OrderHandler& on_order) {
  // Handlers may submit, which settles nothing now but may grow orders_: hold ids, not refs.
  const std::vector<std::uint64_t> settled = std::exchange(settled_, {});
  std::size_t fill_index = first_fill;
  for (const std::uint64_t id : settled) {
    if (on_order) on_order(orders_[id - 1]);
    if (orders_[id - 1].status == OrderStatus::kFilled && on_fill) on_fill(fills_[fill_index++]);
  }
}

void BacktestLedger::record_equity(std::int64_t ts) {
  const AccountState account = engine_.account();
  equity_.push_back(EquityPoint{ts, account.cash, account.equity});
}

}  // namespace alphaforge
