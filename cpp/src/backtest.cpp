#include "alphaforge/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace alphaforge {
namespace {

void check_positive(double value, const std::string& field, std::size_t row) {
  if (!std::isfinite(value) || value <= 0.0) {
    throw std::invalid_argument(field + " at row " + std::to_string(row) +
                                " must be a positive finite number, got " + to_decimal(value));
  }
}

bool at_or_better(OrderSide side, double price, double limit) {
  return side == OrderSide::kBuy ? price <= limit : price >= limit;
}

// Whether the bar's range reaches `limit` for an order of `side`.
bool reaches(OrderSide side, const BacktestBar& bar, double limit) {
  return side == OrderSide::kBuy ? bar.low <= limit : bar.high >= limit;
}

// A limit order from `start` on (the open, or where its stop fired at the open). The first bar
// that sees it is its arrival: marketable there, it takes at `start`, unless its time in force
// expires it; otherwise it rests, and from then on fills as a maker at its limit, or at the
// open of a bar that gaps through it.
FillDecision limit_decision(BacktestOrder& o, double start, const BacktestBar& bar) {
  const double limit = *o.price;
  if (!o.resting) {
    const bool marketable = at_or_better(o.side, start, limit);
    if (const auto reason = expiry_on_arrival(o.tif, marketable)) {
      return FillDecision::expire(*reason);
    }
    o.resting = true;
    if (marketable) return FillDecision::fill(start, Liquidity::kTaker);
    if (reaches(o.side, bar, limit)) return FillDecision::fill(limit, Liquidity::kMaker);
    return FillDecision::wait();
  }
  if (at_or_better(o.side, bar.open, limit)) return FillDecision::fill(bar.open, Liquidity::kMaker);
  if (reaches(o.side, bar, limit)) return FillDecision::fill(limit, Liquidity::kMaker);
  return FillDecision::wait();
}

// A stop-limit whose stop fires inside the bar, at the stop. As backtrader, the bar's path is
// read from its direction: one that closes below its open went to its high first (open, high,
// low, close), one that closes at or above it went to its low first (open, low, high, close).
// A limit at or through the stop takes at the stop; a buy limit below it is still reached when
// the bar falls after the trigger and closes at or below the limit (a sell: mirrored).
FillDecision stop_limit_inside(BacktestOrder& o, const BacktestBar& bar) {
  const double stop = *o.stop_price;
  const double limit = *o.price;
  const bool buy = o.side == OrderSide::kBuy;
  const bool marketable = at_or_better(o.side, stop, limit);
  if (const auto reason = expiry_on_arrival(o.tif, marketable)) return FillDecision::expire(*reason);
  o.resting = true;
  if (marketable) return FillDecision::fill(stop, Liquidity::kTaker);
  const bool falls_after_trigger = buy ? bar.open > bar.close : bar.open <= bar.close;
  if (falls_after_trigger && at_or_better(o.side, bar.close, limit)) {
    return FillDecision::fill(limit, Liquidity::kMaker);
  }
  return FillDecision::wait();
}

}  // namespace

FillDecision fill_decision(BacktestOrder& o, const BacktestBar& bar) {
  const bool buy = o.side == OrderSide::kBuy;
  switch (o.type) {
    case OrderType::kMarket:
      return FillDecision::fill(bar.open, Liquidity::kTaker);
    case OrderType::kLimit:
      return limit_decision(o, bar.open, bar);
    case OrderType::kStop:
    case OrderType::kStopLimit: {
      if (o.triggered) return limit_decision(o, bar.open, bar);  // only a stop-limit waits
      const double stop = *o.stop_price;
      const bool at_open = buy ? bar.open >= stop : bar.open <= stop;
      const bool inside = buy ? bar.high >= stop : bar.low <= stop;
      if (!at_open && !inside) return FillDecision::wait();
      o.triggered = true;
      if (o.type == OrderType::kStop) {
        return FillDecision::fill(at_open ? bar.open : stop, Liquidity::kTaker);
      }
      return at_open ? limit_decision(o, bar.open, bar) : stop_limit_inside(o, bar);
    }
  }
  return FillDecision::wait();
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
  engine_.trading_grid(symbol);  // refuses a symbol without an instrument when others have one
  std::size_t lowest = 0;
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
    if (low[i] < low[lowest]) lowest = i;
  }
  check_slippage(symbol, low[lowest], lowest);
  Series s;
  s.ts.assign(ts, ts + n);
  s.open.assign(open, open + n);
  s.high.assign(high, high + n);
  s.low.assign(low, low + n);
  s.close.assign(close, close + n);
  s.volume.assign(volume, volume + n);
  for (std::size_t i = 1; i < n; ++i) {
    const std::int64_t step = ts[i] - ts[i - 1];
    if (s.interval == 0 || step < s.interval) s.interval = step;
  }
  series_.push_back(std::move(s));
  feeds_.emplace_back();
  return add_symbol(symbol);
}

std::uint32_t BarBacktest::resample(std::string_view symbol, const BarSpec& spec) {
  if (ran_) throw std::invalid_argument("bars cannot be resampled after run()");
  const auto id = symbol_id(symbol);
  if (!id) {
    throw std::invalid_argument("unknown symbol " + std::string(symbol) + ": add its bars first");
  }
  if (spec.kind() != BarKind::kTime) {
    throw std::invalid_argument("bars of " + std::string(symbol) +
                                " are resampled by time: bar spec '" + spec.to_string() +
                                "' is not a time span such as '5min'");
  }
  const std::int64_t interval = series_[*id].interval;
  if (interval > 0 && spec.step_ns() % interval != 0) {
    throw std::invalid_argument("bar spec '" + spec.to_string() +
                                "' is not a whole multiple of the " +
                                BarSpec::time(interval).to_string() + " interval of the bars of " +
                                std::string(symbol));
  }
  for (std::uint32_t r = 0; r < resampled_.size(); ++r) {
    const BarResampler& bars = resampled_[r].bars;
    if (bars.symbol_id() == *id && bars.step_ns() == spec.step_ns()) return r;
  }
  resampled_.push_back(Resampled{BarResampler(spec.step_ns(), interval, *id), {}});
  return static_cast<std::uint32_t>(resampled_.size() - 1);
}

void BarBacktest::add_feed(BarSource source, BarFeed feed) {
  if (ran_) throw std::invalid_argument("feeds must be added before run()");
  auto& feeds = source.resampled ? resampled_.at(source.index).feeds : feeds_.at(source.index);
  feeds.push_back(std::move(feed));
}

std::uint64_t BarBacktest::submit(const OrderRequest& r) {
  const auto sym = symbol_id(r.symbol);
  if (!sym) throw std::invalid_argument("unknown symbol " + r.symbol + ": add its bars first");
  return accept(r, *sym);
}

std::uint64_t BarBacktest::submit(const OrderRequest& r, const Contingency& terms) {
  const auto sym = symbol_id(r.symbol);
  if (!sym) throw std::invalid_argument("unknown symbol " + r.symbol + ": add its bars first");
  return accept_contingent(r, *sym, terms, last_price(r.symbol));
}

std::uint64_t BarBacktest::submit_bracket(const OrderRequest& entry, double stop_loss,
                                          double take_profit) {
  const auto sym = symbol_id(entry.symbol);
  if (!sym) throw std::invalid_argument("unknown symbol " + entry.symbol + ": add its bars first");
  return accept_bracket(entry, *sym, stop_loss, take_profit);
}

void BarBacktest::fill_pending(const BacktestBar& bar, const FillHandler& on_fill,
                               const OrderHandler& on_order, std::uint64_t sent_before) {
  if (!pending_[bar.symbol].empty()) {
    const auto decide = [&](BacktestOrder& o) {
      // An order sent at this very timestamp from a fill handler waits for the next bar.
      if (o.ts_ns >= bar.ts_ns && o.id > sent_before) return FillDecision::wait();
      return fill_decision(o, bar);
    };
    settle_pending(bar.symbol, decide, on_fill, on_order);
    // Stops that were tried at this bar and are still open follow its close.
    trail_stops(bar.symbol, bar.close, bar.close,
                [&](const BacktestOrder& o) { return o.ts_ns < bar.ts_ns; });
  }
  mark_trade(bar.symbol, bar.close, on_fill, on_order);
}

namespace {

BacktestBar backtest_bar(const Bar& bar) {
  return BacktestBar{bar.ts_open_ns, bar.open, bar.high, bar.low, bar.close, bar.volume,
                     bar.symbol_id};
}

void feed_all(const std::vector<BarBacktest::BarFeed>& feeds, const BacktestBar& bar) {
  for (const auto& feed : feeds) feed(bar);
}

}  // namespace

std::uint64_t BarBacktest::hand_out_ended(std::int64_t ts, const ResampledHandler& on_resampled,
                                          const OrderHandler& on_order) {
  std::vector<std::uint32_t> ended;
  for (std::uint32_t r = 0; r < resampled_.size(); ++r) {
    const BarResampler& bars = resampled_[r].bars;
    if (bars.has_open_bar() && bars.period_end() <= ts) ended.push_back(r);
  }
  std::stable_sort(ended.begin(), ended.end(), [&](std::uint32_t a, std::uint32_t b) {
    return resampled_[a].bars.period_end() < resampled_[b].bars.period_end();
  });
  const bool data_ended = ts == INT64_MAX;
  for (const std::uint32_t r : ended) {
    const BacktestBar bar = backtest_bar(resampled_[r].bars.take());
    // The period is over at its end; past the last bar the clock stays where the data ended.
    if (!data_ended) {
      now_ = bar.ts_ns + resampled_[r].bars.step_ns();
      engine_.set_time(now_);
    }
    feed_all(resampled_[r].feeds, bar);
    if (on_resampled) on_resampled(r, bar);
    deliver_notices(on_order);
  }
  return order_count();
}

void BarBacktest::run(const BarHandler& on_bar, const FillHandler& on_fill,
                      const OrderHandler& on_order, const ResampledHandler& on_resampled) {
  if (ran_) throw std::invalid_argument("run() was already called on this backtest");
  if (series_.empty()) throw std::invalid_argument("no bars: call add_bars first");
  ran_ = true;
  std::vector<std::size_t> next(series_.size(), 0);
  std::vector<BacktestBar> step;
  std::vector<std::pair<std::uint32_t, BacktestBar>> completed;
  equity_.reserve(series_.front().ts.size());
  for (;;) {
    std::int64_t ts = INT64_MAX;
    for (std::size_t s = 0; s < series_.size(); ++s) {
      if (next[s] < series_[s].ts.size()) ts = std::min(ts, series_[s].ts[next[s]]);
    }
    if (ts == INT64_MAX) break;
    const std::uint64_t sent_before =
        resampled_.empty() ? order_count() : hand_out_ended(ts, on_resampled, on_order);
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
    for (const BacktestBar& bar : step) fill_pending(bar, on_fill, on_order, sent_before);
    record_equity(ts);
    completed.clear();
    for (const BacktestBar& bar : step) {
      feed_all(feeds_[bar.symbol], bar);
      for (std::uint32_t r = 0; r < resampled_.size(); ++r) {
        BarResampler& bars = resampled_[r].bars;
        if (bars.symbol_id() != bar.symbol) continue;
        if (bars.add(bar.ts_ns, bar.open, bar.high, bar.low, bar.close, bar.volume)) {
          completed.emplace_back(r, backtest_bar(bars.take()));
          feed_all(resampled_[r].feeds, completed.back().second);
        }
      }
    }
    for (const BacktestBar& bar : step) on_bar(bar);
    if (on_resampled) {
      for (const auto& [r, bar] : completed) on_resampled(r, bar);
    }
    deliver_notices(on_order);
  }
  hand_out_ended(INT64_MAX, on_resampled, on_order);
}

}  // namespace alphaforge
