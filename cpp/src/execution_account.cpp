// The account side of the ExecutionEngine: buying power at submit and at fill, reservations of
// open orders, reduce-only orders, spot balances and margin calls.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "alphaforge/execution_engine.hpp"
#include "execution_market.hpp"

namespace alphaforge {

void AccountConfig::validate() const {
  if (!std::isfinite(leverage) || leverage < 1.0) {
    throw std::invalid_argument("leverage must be a finite number >= 1, got " +
                                to_decimal(leverage));
  }
  if (!std::isfinite(maintenance_margin) || maintenance_margin < 0.0 ||
      maintenance_margin >= 1.0) {
    throw std::invalid_argument("maintenance_margin must be a fraction in [0, 1), got " +
                                to_decimal(maintenance_margin));
  }
  if (type != AccountType::kMargin && (leverage != 1.0 || maintenance_margin != 0.0)) {
    throw std::invalid_argument("leverage and maintenance_margin apply to margin accounts, not " +
                                std::string(to_string(type)) + " accounts");
  }
  if (currency.empty()) throw std::invalid_argument("currency must not be empty");
  for (const auto& [name, amount] : balances) {
    if (name.empty()) throw std::invalid_argument("a balance needs an asset name");
    if (!std::isfinite(amount) || amount < 0.0) {
      throw std::invalid_argument("balance of " + name + " must be finite and >= 0, got " +
                                  to_decimal(amount));
    }
  }
  if (type != AccountType::kSpot && !balances.empty()) {
    throw std::invalid_argument("balances per asset are for spot accounts; a " +
                                std::string(to_string(type)) + " account has one cash balance");
  }
}

std::string_view to_string(AccountType type) noexcept {
  switch (type) {
    case AccountType::kCash:
      return "cash";
    case AccountType::kSpot:
      return "spot";
    case AccountType::kMargin:
      return "margin";
    case AccountType::kUnlimited:
      return "unlimited";
  }
  return "?";
}

const FeeSchedule& ExecutionEngine::fees_for(const Market& m) const noexcept {
  return m.instrument.fees() ? *m.instrument.fees() : fees_;
}

Lots ExecutionEngine::closing_lots(Lots position, OrderSide side, Lots lots) noexcept {
  const Lots opposite_held = side == OrderSide::kBuy ? -position : position;
  return std::clamp<Lots>(opposite_held, 0, lots);
}

AssetBalance& ExecutionEngine::asset(const std::string& name) {
  return balances_.try_emplace(name).first->second;
}

double ExecutionEngine::asset_value(std::string_view name) const {
  if (name == account_.currency) return 1.0;
  for (const auto& m : markets_) {
    const Instrument& inst = m->instrument;
    if (inst.base() == name && inst.quote() == account_.currency) {
      if (const auto mark = mark_price(m->index)) return *mark;
    }
  }
  return 0.0;  // an asset without a market in the account's currency adds nothing to equity
}

double ExecutionEngine::margin_used() const {
  if (account_.type != AccountType::kMargin) return 0.0;
  double gross = 0.0;
  for (const auto& m : markets_) {
    const auto mark = mark_price(m->index);
    gross += std::abs(m->net.value(mark ? *mark : m->net.avg_price()));
  }
  return gross / account_.leverage;
}

double ExecutionEngine::equity() const {
  if (account_.type == AccountType::kSpot) {
    double total = 0.0;
    for (const auto& [name, balance] : balances_) total += balance.total * asset_value(name);
    return total;
  }
  double total = cash_;
  for (const auto& m : markets_) {
    const auto mark = mark_price(m->index);
    total += m->net.value(mark ? *mark : m->net.avg_price());
  }
  return total;
}

double ExecutionEngine::reservation(const Market& m, const Order& o) const {
  if (!o.is_open() || account_.type == AccountType::kUnlimited) return 0.0;
  const Lots leaves = o.quantity - o.filled;
  const double notional = m.instrument.notional(o.reference_price, leaves);
  const double fee = fees_for(m).taker_rate * notional;
  switch (account_.type) {
    case AccountType::kCash:
      // The order's cash flow if it fills: a buy spends, a sell (short or not) brings cash.
      return (o.side == OrderSide::kBuy ? -notional : notional) - fee;
    case AccountType::kMargin:
      return notional / account_.leverage + fee;
    case AccountType::kSpot:
      return o.side == OrderSide::kBuy ? notional + fee : m.instrument.lots_to_qty(leaves);
    case AccountType::kUnlimited:
      break;
  }
  return 0.0;
}

std::optional<std::string> ExecutionEngine::reduce_only_refusal(const Market& m,
                                                                const Order& o) const {
  if (!o.reduce_only) return std::nullopt;
  const auto it = positions_.find((std::uint64_t{o.strategy} << 32) | m.index);
  const Lots held = it == positions_.end() ? 0 : it->second.qty();
  // Open reduce-only orders of the strategy on the same side already claim part of it.
  Lots claimed = 0;
  for (const std::uint64_t id : open_ids_) {
    const Order& other = orders_[id - 1];
    if (other.id != o.id && other.reduce_only && other.strategy == o.strategy &&
        other.symbol == o.symbol && other.side == o.side) {
      claimed += other.leaves();
    }
  }
  const Lots reducible = closing_lots(held, o.side, std::numeric_limits<Lots>::max()) - claimed;
  if (o.quantity <= reducible) return std::nullopt;
  const Instrument& inst = m.instrument;
  return "reduce_only " + std::string(to_string(o.side)) + " of " +
         to_decimal(inst.lots_to_qty(o.quantity)) + " would grow or flip the position of " +
         to_decimal(inst.lots_to_qty(held)) + " (open reduce-only orders claim " +
         to_decimal(inst.lots_to_qty(claimed)) + ")";
}

std::optional<std::string> ExecutionEngine::account_refusal(const Market& m, const Order& o,
                                                            Ticks reference) const {
  if (account_.type == AccountType::kUnlimited) return std::nullopt;
  const Instrument& inst = m.instrument;
  const double notional = inst.notional(reference, o.quantity);
  const double fee = fees_for(m).taker_rate * notional;
  if (account_.type == AccountType::kSpot) {
    if (inst.base().empty() || inst.quote().empty()) {
      return "a spot account needs the base and quote assets of " + inst.symbol() +
             " (add_instrument(..., base=..., quote=...))";
    }
    const bool buy = o.side == OrderSide::kBuy;
    const std::string& name = buy ? inst.quote() : inst.base();
    const double need = buy ? notional + fee : inst.lots_to_qty(o.quantity);
    const auto it = balances_.find(name);
    const double free = it == balances_.end() ? 0.0 : it->second.free();
    if (need > free) {
      return "insufficient balance: the order needs " + to_decimal(need) + " " + name +
             ", free balance is " + to_decimal(free);
    }
    return std::nullopt;
  }
  const Lots projected = m.net.qty() + m.open_buy - m.open_sell;
  const Lots opening = o.quantity - closing_lots(projected, o.side, o.quantity);
  if (account_.type == AccountType::kCash) {
    if (opening > 0 && o.side == OrderSide::kSell && !account_.allow_short) {
      return "short selling is not allowed: the sell of " + to_decimal(inst.lots_to_qty(o.quantity)) +
             " exceeds the position of " + to_decimal(inst.lots_to_qty(std::max<Lots>(projected, 0)));
    }
    // As backtrader's broker when an order is sent: the cash after the whole order fills
    // (and after the open orders before it) must not be negative, closing or not.
    const double flow = (o.side == OrderSide::kBuy ? -notional : notional) - fee;
    const double power = cash_ + reserved_total_;
    if (power + flow < 0.0) {
      return "insufficient cash: the order needs " + to_decimal(notional + fee) +
             ", buying power is " + to_decimal(power);
    }
    return std::nullopt;
  }
  // Margin accounts: only the part that opens or grows a position needs margin, judged against
  // the position as it will be once the open orders fill.
  if (opening == 0) return std::nullopt;
  const double margin = inst.notional(reference, opening) / account_.leverage + fee;
  const double available = equity() - margin_used() - reserved_total_;
  if (margin > available) {
    return "insufficient margin: the order needs " + to_decimal(margin) + ", available margin is " +
           to_decimal(available);
  }
  return std::nullopt;
}

Lots ExecutionEngine::account_allows(const Market& m, const Order& o, Ticks price, Lots lots,
                                     Liquidity liquidity, std::string& reason) const {
  const Instrument& inst = m.instrument;
  if (o.reduce_only) {
    const auto it = positions_.find((std::uint64_t{o.strategy} << 32) | m.index);
    const Lots held = it == positions_.end() ? 0 : it->second.qty();
    const Lots reducible = closing_lots(held, o.side, lots);
    if (reducible < lots) {
      reason = "reduce_only: the position of " + to_decimal(inst.lots_to_qty(held)) +
               " is smaller than the order when it fills";
      lots = reducible;
    }
  }
  if (lots == 0 || account_.type == AccountType::kUnlimited) return lots;
  const double notional = inst.notional(price, lots);
  const double rate = liquidity == Liquidity::kMaker ? fees_for(m).maker_rate
                                                     : fees_for(m).taker_rate;
  const double fee = rate * notional;
  if (account_.type == AccountType::kSpot) {
    const bool buy = o.side == OrderSide::kBuy;
    const std::string& name = buy ? inst.quote() : inst.base();
    const auto it = balances_.find(name);
    const double held = it == balances_.end() ? 0.0 : it->second.total;
    const double need = buy ? notional + fee : inst.lots_to_qty(lots);
    if (need > held + 1e-9 * std::max(1.0, need)) {
      reason = "insufficient balance when it fills: needs " + to_decimal(need) + " " + name +
               ", holds " + to_decimal(held);
      return 0;
    }
    return lots;
  }
  const Lots closing = closing_lots(m.net.qty(), o.side, lots);
  if (closing == lots) return lots;
  const Lots opening = lots - closing;
  if (account_.type == AccountType::kCash) {
    if (o.side == OrderSide::kSell && !account_.allow_short) {
      reason = "short selling is not allowed: the position is smaller than the sell when it fills";
      return closing;
    }
    const double flow = (o.side == OrderSide::kBuy ? -notional : notional) - fee;
    if (cash_ + flow < 0.0) {
      reason = "insufficient cash when it fills: needs " + to_decimal(notional + fee) +
               ", cash is " + to_decimal(cash_);
      return closing;
    }
    return lots;
  }
  // The order's own reservation is released by this fill.
  const double own = reserved_[o.id - 1];
  const double margin = inst.notional(price, opening) / account_.leverage + fee;
  const double available = equity() - margin_used() - (reserved_total_ - own);
  if (margin > available) {
    reason = "insufficient margin when it fills: needs " + to_decimal(margin) + ", available " +
             to_decimal(available);
    return closing;
  }
  return lots;
}

void ExecutionEngine::book_cash(const Market& m, OrderSide side, Lots qty, double price,
                                double fee) {
  const Instrument& inst = m.instrument;
  const double notional = price * inst.lots_to_qty(qty) * inst.multiplier();
  if (account_.type != AccountType::kSpot) {
    cash_ += (side == OrderSide::kBuy ? -notional : notional) - fee;
    return;
  }
  AssetBalance& base = asset(inst.base());
  AssetBalance& quote = asset(inst.quote());
  if (side == OrderSide::kBuy) {
    quote.total -= notional + fee;
    base.total += inst.lots_to_qty(qty);
  } else {
    base.total -= inst.lots_to_qty(qty);
    quote.total += notional - fee;
  }
}

void ExecutionEngine::clip_reduce_only(Market& m, std::uint32_t strategy) {
  const auto it = positions_.find((std::uint64_t{strategy} << 32) | m.index);
  const Lots held = it == positions_.end() ? 0 : it->second.qty();
  const std::vector<std::uint64_t> open = open_ids_;
  for (const std::uint64_t id : open) {
    Order& o = orders_[id - 1];
    if (!o.reduce_only || o.strategy != strategy || o.symbol != m.index) continue;
    const Lots reducible = closing_lots(held, o.side, o.leaves());
    if (reducible == o.leaves()) continue;
    if (!o.external) {
      if (!m.book.cancel(id)) m.stops.remove(id);
    }
    if (reducible == 0 || !o.external) {
      update(o, [&] {
        o.reject_reason = "reduce_only: the position it could reduce is gone";
        o.expire(now_ns());
      });
      ++stats_.orders_expired;
    } else {
      update(o, [&] { o.quantity = o.filled + reducible; });
    }
  }
}

std::vector<std::pair<std::string, AssetBalance>> ExecutionEngine::balances() const {
  std::vector<std::pair<std::string, AssetBalance>> out(balances_.begin(), balances_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

void ExecutionEngine::set_balance(const std::string& name, double total, double locked) {
  if (!std::isfinite(total) || !std::isfinite(locked) || locked < 0.0 || locked > total + 1e-12) {
    throw std::invalid_argument("balance of " + name + " needs 0 <= locked <= total, got total " +
                                to_decimal(total) + " and locked " + to_decimal(locked));
  }
  // The venue's locked amount includes what the engine's own open orders lock; keep at least
  // that much locked, so that their fills release what they reserved and no more.
  double own = 0.0;
  for (const std::uint64_t id : open_ids_) {
    const Order& o = orders_[id - 1];
    const Instrument& inst = markets_[o.symbol]->instrument;
    if ((o.side == OrderSide::kBuy ? inst.quote() : inst.base()) == name) own += reserved_[id - 1];
  }
  AssetBalance& b = asset(name);
  b.total = total;
  b.locked = std::max(locked, own);
  if (name == account_.currency) cash_ = total;
}

std::vector<std::uint64_t> ExecutionEngine::liquidate_if_margin_call() {
  std::vector<std::uint64_t> ids;
  if (account_.type != AccountType::kMargin || account_.maintenance_margin == 0.0) return ids;
  const double gross = margin_used() * account_.leverage;
  if (gross == 0.0 || equity() >= account_.maintenance_margin * gross) return ids;
  ++stats_.margin_calls;
  cancel_all();
  for (const PositionEntry& entry : positions()) {
    const Position& p = *entry.position;
    const auto mark = mark_price(entry.symbol);
    if (p.qty() == 0 || !mark) continue;
    const Instrument& inst = markets_[entry.symbol]->instrument;
    OrderRequest close;
    close.symbol = inst.symbol();
    close.strategy_id = strategies_[entry.strategy];
    close.side = p.qty() > 0 ? OrderSide::kSell : OrderSide::kBuy;
    close.quantity = inst.lots_to_qty(p.qty() > 0 ? p.qty() : -p.qty());
    close.client_order_id =
        "margin-call-" + std::to_string(stats_.margin_calls) + "-" + std::to_string(ids.size());
    close.reduce_only = true;
    SubmitMode mode;
    mode.fill = ExternalFill{inst.nearest_ticks(*mark, "mark price"), Liquidity::kTaker};
    mode.forced = true;
    ids.push_back(submit_order(close, mode));
  }
  return ids;
}

}  // namespace alphaforge
