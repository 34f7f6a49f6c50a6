#include "alphaforge/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace alphaforge {
namespace {

std::optional<double> limit_price(OrderSide side, double open, const BacktestBar& bar,
                                  double limit) {
  if (side == OrderSide::kBuy) {
    if (open <= limit) return open;
    if (bar.low <= limit) return limit;
  } else {
    if (open >= limit) return open;
    if (bar.high >= limit) return limit;
  }
  return std::nullopt;
}

void check_positive(double value, const std::string& field, std::size_t row) {
  if (!std::isfinite(value) || value <= 0.0) {
    throw std::invalid_argument(field + " at row " + std::to_string(row) +
                                " must be a positive finite number, got " + to_decimal(value));
  }
}

// A limit order's fill from `start` (the open, or a stop's trigger price) on: the first bar
// that sees it is where it reaches the market, and where its time in force may expire it.
std::optional<double> limit_fill(BacktestOrder& o, double start, const BacktestBar& bar) {
  const double limit = *o.price;
  if (!o.resting) {
    const bool marketable = o.side == OrderSide::kBuy ? start <= limit : start >= limit;
    if (expire_on_arrival(o, marketable)) return std::nullopt;
    o.resting = true;
  }
  return limit_price(o.side, start, bar, limit);
}

}  // namespace

std::optional<double> fill_price(BacktestOrder& o, const BacktestBar& bar) {
  const bool buy = o.side == OrderSide::kBuy;
  switch (o.type) {
    case OrderType::kMarket:
      return bar.open;
    case OrderType::kLimit:
      return limit_fill(o, bar.open, bar);
    case OrderType::kStop:
    case OrderType::kStopLimit: {
      const double stop = *o.stop_price;
      // The price the order starts from once triggered: the open when the bar opens through
      // the stop, else the stop itself, reached during the bar.
      double start = bar.open;
      if (!o.triggered) {
        const bool at_open = buy ? bar.open >= stop : bar.open <= stop;
        const bool inside = buy ? bar.high >= stop : bar.low <= stop;
        if (!at_open && !inside) return std::nullopt;
        o.triggered = true;
        if (!at_open) start = stop;
      }
      if (o.type == OrderType::kStop) return start;
      return limit_fill(o, start, bar);
    }
  }
  return std::nullopt;
}

BarBacktest::BarBacktest(BacktestConfig config) : BacktestLedger(config) {}

void BarBacktest::add_instrument(const Instrument& instrument) {
  if (symbol_id(instrument.symbol())) {
    throw std::invalid_argument("add the instrument of " + instrument.symbol() +
                                " before its bars");
  }
  engine_.add_instrument(instrument);
}

std::optional<std::uint32_t> BarBacktest::symbol_id(std::string_view symbol) const {
  for (std::uint32_t i = 0; i < symbols_.size(); ++i) {
    if (symbols_[i] == symbol) return i;
  }
  return std::nullopt;
}

std::size_t BarBacktest::bar_count() const noexcept {
  std::size_t n = 0;
  for (const Series& s : series_) n += s.ts.size();
  return n;
}

std::uint32_t BarBacktest::add_bars(const std::string& symbol, const std::int64_t* ts,
                                    const double* open, const double* high, const double* low,
                                    const double* close, const double* volume, std::size_t n) {
  if (ran_) throw std::invalid_argument("bars cannot be added after run()");
  if (symbol.empty()) throw std::invalid_argument("symbol must not be empty");
  if (symbol_id(symbol)) throw std::invalid_argument("bars of " + symbol + " were already added");
  if (n == 0) throw std::invalid_argument("bars of " + symbol + " are empty");
  const Instrument grid = engine_.trading_grid(symbol);
  const Instrument* inst = &grid;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && ts[i] <= ts[i - 1]) {
      throw std::invalid_argument("timestamps of " + symbol + " must be strictly increasing: row " +
                                  std::to_string(i) + " (" + std::to_string(ts[i]) +
                                  ") follows " + std::to_string(ts[i - 1]));
    }
    check_positive(open[i], "open", i);
    check_positive(high[i], "high", i);
    check_positive(low[i], "low", i);
    check_positive(close[i], "close", i);
    if (!std::isfinite(volume[i]) || volume[i] < 0.0) {
      throw std::invalid_argument("volume at row " + std::to_string(i) +
                                  " must be finite and >= 0, got " + to_decimal(volume[i]));
    }
    if (high[i] < std::max({open[i], close[i], low[i]}) || low[i] > std::min(open[i], close[i])) {
      throw std::invalid_argument("bar at row " + std::to_string(i) + " of " + symbol +
                                  " has high " + to_decimal(high[i]) + " and low " +
                                  to_decimal(low[i]) + " that do not contain open " +
                                  to_decimal(open[i]) + " and close " + to_decimal(close[i]));
    }
    for (const double p : {open[i], high[i], low[i], close[i]}) inst->price_to_ticks(p, "price");
  }
  Series s;
  s.ts.assign(ts, ts + n);
  s.open.assign(open, open + n);
  s.high.assign(high, high + n);
  s.low.assign(low, low + n);
  s.close.assign(close, close + n);
  s.volume.assign(volume, volume + n);
  series_.push_back(std::move(s));
  symbols_.push_back(symbol);
  pending_.resize(symbols_.size());
  return static_cast<std::uint32_t>(symbols_.size() - 1);
}

std::uint64_t BarBacktest::submit(const OrderRequest& r) {
  const auto sym = symbol_id(r.symbol);
  if (!sym) throw std::invalid_argument("unknown symbol " + r.symbol + ": add its bars first");
  return accept(r, *sym).id;
}

void BarBacktest::fill_pending(const BacktestBar& bar, const FillHandler& on_fill,
                               const OrderHandler& on_order) {
  const std::string& symbol = symbols_[bar.symbol];
  const auto decide = [&](BacktestOrder& o) -> std::optional<FillAt> {
    // An order sent at this very timestamp (from a fill handler) waits for the next bar.
    if (o.ts_ns >= bar.ts_ns) return std::nullopt;
    const std::optional<double> price = fill_price(o, bar);
    if (!price) return std::nullopt;
    // A limit filled at its own price rested on the book; anything else took liquidity.
    const bool maker = o.price && *price == *o.price;
    return FillAt{*price, maker ? Liquidity::kMaker : Liquidity::kTaker};
  };
  settle_pending(bar.symbol, symbol, decide, on_fill, on_order);
  engine_.update_price(symbol, bar.close);
}

void BarBacktest::run(const BarHandler& on_bar, const FillHandler& on_fill,
                      const OrderHandler& on_order) {
  if (ran_) throw std::invalid_argument("run() was already called on this backtest");
  if (series_.empty()) throw std::invalid_argument("no bars: call add_bars first");
  ran_ = true;
  std::vector<std::size_t> next(series_.size(), 0);
  std::vector<BacktestBar> step;
  equity_.reserve(series_.front().ts.size());
  for (;;) {
    std::int64_t ts = INT64_MAX;
    for (std::size_t s = 0; s < series_.size(); ++s) {
      if (next[s] < series_[s].ts.size()) ts = std::min(ts, series_[s].ts[next[s]]);
    }
    if (ts == INT64_MAX) break;
    now_ = ts;
    engine_.set_time(ts);
    step.clear();
    for (std::size_t s = 0; s < series_.size(); ++s) {
      const Series& x = series_[s];
      const std::size_t i = next[s];
      if (i < x.ts.size() && x.ts[i] == ts) {
        step.push_back(BacktestBar{ts, x.open[i], x.high[i], x.low[i], x.close[i], x.volume[i],
                                   static_cast<std::uint32_t>(s)});
        ++next[s];
      }
    }
    for (const BacktestBar& bar : step) fill_pending(bar, on_fill, on_order);
    record_equity(ts);
    for (const BacktestBar& bar : step) on_bar(bar);
  }
}

}  // namespace alphaforge
