#include "alphaforge/tick_fill_model.hpp"

namespace alphaforge {
namespace {

double taker_price(OrderSide side, const TickMarket& m) {
  if (!m.has_quote) return m.trade_price;
  return side == OrderSide::kBuy ? m.ask : m.bid;
}

FillDecision limit_fill(BacktestOrder& o, const TickMarket& m) {
  const bool buy = o.side == OrderSide::kBuy;
  const double limit = *o.price;
  if (!o.resting) {
    const double market = taker_price(o.side, m);
    const bool marketable = buy ? market <= limit : market >= limit;
    if (const auto reason = expiry_on_arrival(o.tif, marketable)) {
      return FillDecision::expire(*reason);
    }
    if (marketable) return FillDecision::fill(market, Liquidity::kTaker);
    o.resting = true;
    return FillDecision::wait();
  }
  const bool through = m.is_trade ? (buy ? m.trade_price < limit : m.trade_price > limit)
                                  : (buy ? m.ask <= limit : m.bid >= limit);
  if (through) return FillDecision::fill(limit, Liquidity::kMaker);
  return FillDecision::wait();
}

}  // namespace

bool stop_reached(const BacktestOrder& o, const TickMarket& m) {
  const bool buy = o.side == OrderSide::kBuy;
  const double reference = m.is_trade ? m.trade_price : buy ? m.ask : m.bid;
  return buy ? reference >= *o.stop_price : reference <= *o.stop_price;
}

FillDecision tick_fill(BacktestOrder& o, const TickMarket& m) {
  // A quote event on a symbol without quotes cannot happen; a trade always has a price.
  switch (o.type) {
    case OrderType::kMarket:
      return FillDecision::fill(taker_price(o.side, m), Liquidity::kTaker);
    case OrderType::kLimit:
      return limit_fill(o, m);
    case OrderType::kStop:
    case OrderType::kStopLimit:
      if (!o.triggered) {
        if (!stop_reached(o, m)) return FillDecision::wait();
        o.triggered = true;
      }
      if (o.type == OrderType::kStop) {
        return FillDecision::fill(taker_price(o.side, m), Liquidity::kTaker);
      }
      return limit_fill(o, m);
  }
  return FillDecision::wait();
}

}  // namespace alphaforge
