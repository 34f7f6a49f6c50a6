#include "alphaforge/tick_backtest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "alphaforge/bar_aggregator.hpp"
#include "alphaforge/market_data_validation.hpp"

namespace alphaforge {
namespace {

DataEngineConfig replay_data_config() {
  DataEngineConfig config;
  config.enable_statistics = false;  // a replay has no wall-clock rate worth measuring
  return config;
}

void throw_if(const std::optional<Violation>& violation, const std::string& symbol) {
  if (violation) throw std::invalid_argument(violation->message() + " (" + symbol + ")");
}

}  // namespace

TickBacktest::TickBacktest(TickBacktestConfig config)
    : config_(config), data_(replay_data_config()), engine_(config.backtest.engine) {
  const double slippage = config.backtest.slippage_ticks;
  if (!std::isfinite(slippage) || slippage < 0.0) {
    throw std::invalid_argument("slippage must be a finite number of ticks >= 0, got " +
                                to_decimal(slippage));
  }
  if (config.latency_ns < 0) {
    throw std::invalid_argument("latency must be >= 0 ns, got " +
                                std::to_string(config.latency_ns));
  }
  if (config.equity_interval_ns <= 0) {
    throw std::invalid_argument("equity interval must be > 0 ns, got " +
                                std::to_string(config.equity_interval_ns));
  }
}

void TickBacktest::add_instrument(const Instrument& instrument) {
  if (ran_) throw std::invalid_argument("instruments cannot be added after run()");
  if (symbol_id(instrument.symbol())) {
    throw std::invalid_argument("add the instrument of " + instrument.symbol() +
                                " before its market data");
  }
  engine_.add_instrument(instrument);
}

std::optional<std::uint32_t> TickBacktest::symbol_id(std::string_view symbol) const {
  return data_.find_symbol(symbol);
}

std::size_t TickBacktest::event_count() const noexcept {
  std::size_t n = 0;
  for (const Stream& s : streams_) n += s.ts.size();
  return n;
}

void TickBacktest::check_grid(const std::string& symbol, const double* prices, std::size_t n,
                              const char* field) const {
  const Instrument inst = engine_.trading_grid(symbol);
  for (std::size_t i = 0; i < n; ++i) {
    try {
      inst.price_to_ticks(prices[i], field);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string(field) + "[" + std::to_string(i) + "] of " +
                                  symbol + ": " + e.what());
    }
  }
}

std::uint32_t TickBacktest::symbol_for(const std::string& symbol) {
  if (ran_) throw std::invalid_argument("market data cannot be added after run()");
  if (symbol.empty()) throw std::invalid_argument("symbol must not be empty");
  const std::uint32_t id = data_.intern(symbol);
  if (id >= states_.size()) {
    states_.resize(id + 1);
    symbols_.resize(id + 1);
    symbols_[id] = symbol;
  }
  return id;
}

std::uint32_t TickBacktest::add_trades(const std::string& symbol, const std::int64_t* ts,
                                       const double* price, const double* size, std::size_t n) {
  if (n == 0) throw std::invalid_argument("trades of " + symbol + " are empty");
  if (const auto id = symbol_id(symbol); id && states_[*id].has_trades) {
    throw std::invalid_argument("trades of " + symbol + " were already added");
  }
  throw_if(check_trades(ts, price, size, n), symbol);
  check_grid(symbol, price, n, "price");
  const std::uint32_t id = symbol_for(symbol);
  states_[id].has_trades = true;
  streams_.push_back(Stream{StreamKind::kTrades, id, {ts, ts + n}, {price, price + n},
                            {size, size + n}, {}, {}});
  return id;
}

std::uint32_t TickBacktest::add_quotes(const std::string& symbol, const std::int64_t* ts,
                                       const double* bid, const double* ask,
                                       const double* bid_size, const double* ask_size,
                                       std::size_t n) {
  if (n == 0) throw std::invalid_argument("quotes of " + symbol + " are empty");
  if (const auto id = symbol_id(symbol); id && states_[*id].has_quotes) {
    throw std::invalid_argument("quotes of " + symbol + " were already added");
  }
  throw_if(check_quotes(ts, bid, ask, bid_size, ask_size, n), symbol);
  check_grid(symbol, bid, n, "bid");
  check_grid(symbol, ask, n, "ask");
  const std::uint32_t id = symbol_for(symbol);
  states_[id].has_quotes = true;
  streams_.push_back(Stream{StreamKind::kQuotes, id, {ts, ts + n}, {bid, bid + n},
                            {ask, ask + n}, {bid_size, bid_size + n}, {ask_size, ask_size + n}});
  return id;
}

void TickBacktest::subscribe_bars(std::string_view symbol, BarSpec spec, BarHandler handler) {
  if (ran_) throw std::invalid_argument("subscriptions must be made before run()");
  const auto id = symbol_id(symbol);
  if (!id || !states_[*id].has_trades) {
    throw std::invalid_argument("bars are built from trades: add the trades of " +
                                std::string(symbol) + " first");
  }
  data_.subscribe_bars(symbol, spec, std::move(handler));
}

void TickBacktest::subscribe_trades(std::string_view symbol) {
  const auto id = symbol_id(symbol);
  if (!id || !states_[*id].has_trades) {
    throw std::invalid_argument("no trades of " + std::string(symbol) + ": add them first");
  }
  states_[*id].wants_trades = true;
}

void TickBacktest::subscribe_quotes(std::string_view symbol) {
  const auto id = symbol_id(symbol);
  if (!id || !states_[*id].has_quotes) {
    throw std::invalid_argument("no quotes of " + std::string(symbol) + ": add them first");
  }
  states_[*id].wants_quotes = true;
}

std::uint64_t TickBacktest::submit(const OrderRequest& r) {
  const auto sym = symbol_id(r.symbol);
  if (!sym) throw std::invalid_argument("unknown symbol " + r.symbol + ": add its data first");
  BacktestOrder order = accept_backtest_order(r, engine_, orders_.size() + 1, *sym, now_);
  order.first_seq = seen_ ? seq_ + 1 : seq_;
  order.active_ns = now_ + config_.latency_ns;
  orders_.push_back(std::move(order));
  states_[*sym].pending.push_back(orders_.back().id);
  return orders_.back().id;
}

bool TickBacktest::cancel(std::uint64_t id) {
  if (id == 0 || id > orders_.size()) {
    throw std::invalid_argument("unknown order id " + std::to_string(id));
  }
  BacktestOrder& o = orders_[id - 1];
  if (is_terminal(o.status)) return false;
  o.status = OrderStatus::kCanceled;
  auto& pending = states_[o.symbol].pending;
  pending.erase(std::find(pending.begin(), pending.end(), id));
  return true;
}

double TickBacktest::position(std::string_view symbol, std::string_view strategy) const {
  const Position* p = engine_.position(symbol, strategy);
  return p == nullptr ? 0.0 : p->quantity();
}

void TickBacktest::fill_pending(std::uint32_t symbol, const FillHandler& on_fill,
                                const OrderHandler& on_order) {
  SymbolState& state = states_[symbol];
  const std::string& name = symbols_[symbol];
  const double slip = config_.backtest.slippage_ticks * engine_.trading_grid(name).tick_size();
  const std::size_t first_fill = fills_.size();
  touched_.clear();
  std::size_t kept = 0;
  for (const std::uint64_t id : state.pending) {
    BacktestOrder& o = orders_[id - 1];
    std::optional<TickFill> fill;
    if (seq_ >= o.first_seq && now_ >= o.active_ns) fill = tick_fill(o, state.market);
    if (!fill) {
      if (is_terminal(o.status)) {
        touched_.push_back(id);  // expired by its time in force
      } else {
        state.pending[kept++] = id;
      }
      continue;
    }
    if (o.type == OrderType::kMarket || o.type == OrderType::kStop) {
      fill->price += o.side == OrderSide::kBuy ? slip : -slip;
    }
    if (book_backtest_fill(engine_, name, o, fill->price, fill->liquidity)) {
      fills_.push_back(BacktestFill{now_, symbol, o.side, o.quantity, fill->price,
                                    engine_.fills().back().fee, o.id, o.strategy,
                                    fill->liquidity});
    }
    touched_.push_back(id);
  }
  state.pending.resize(kept);
  // Handlers run after the loop: they may submit or cancel, which edits the pending list.
  const std::vector<std::uint64_t> touched = touched_;
  std::size_t fill_index = first_fill;
  for (const std::uint64_t id : touched) {
    const BacktestOrder& o = orders_[id - 1];
    if (on_order) on_order(o);
    if (o.status == OrderStatus::kFilled && on_fill) on_fill(fills_[fill_index++]);
  }
}

void TickBacktest::set_marks() {
  for (std::uint32_t id = 0; id < states_.size(); ++id) {
    SymbolState& s = states_[id];
    if (s.quoted) engine_.update_quote(symbols_[id], s.market.bid, s.market.ask);
    if (s.traded) engine_.update_price(symbols_[id], s.market.trade_price);
    s.quoted = s.traded = false;
  }
}

void TickBacktest::record_equity(std::int64_t label) {
  set_marks();
  const AccountState account = engine_.account();
  equity_.push_back(EquityPoint{label, account.cash, account.equity});
}

void TickBacktest::run(const TradeHandler& on_trade, const QuoteHandler& on_quote,
                       const FillHandler& on_fill, const OrderHandler& on_order) {
  if (ran_) throw std::invalid_argument("run() was already called on this backtest");
  if (streams_.empty()) throw std::invalid_argument("no market data: add trades or quotes first");
  ran_ = true;
  const std::int64_t interval = config_.equity_interval_ns;
  std::int64_t interval_end = std::numeric_limits<std::int64_t>::min();
  std::vector<std::size_t> next(streams_.size(), 0);
  for (seq_ = 0;; ++seq_) {
    std::size_t pick = streams_.size();
    std::int64_t ts = std::numeric_limits<std::int64_t>::max();
    for (std::size_t s = 0; s < streams_.size(); ++s) {
      const std::size_t i = next[s];
      if (i < streams_[s].ts.size() && streams_[s].ts[i] < ts) {
        ts = streams_[s].ts[i];
        pick = s;
      }
    }
    if (pick == streams_.size()) break;
    const Stream& stream = streams_[pick];
    const std::size_t i = next[pick]++;
    if (ts >= interval_end) {
      if (!equity_.empty() || seq_ > 0) record_equity(interval_end);
      interval_end = floor_to_step(ts, interval) + interval;
    }
    now_ = ts;
    engine_.set_time(ts);
    seen_ = false;
    SymbolState& state = states_[stream.symbol];
    TickMarket& market = state.market;
    if (stream.kind == StreamKind::kTrades) {
      const TradeTick trade{ts, stream.a[i], stream.b[i], 0, stream.symbol, 0};
      market.is_trade = true;
      market.trade_price = trade.price;
      state.traded = true;
      data_.process_trade(trade);  // bar handlers run here
      seen_ = true;
      if (!state.pending.empty()) fill_pending(stream.symbol, on_fill, on_order);
      if (state.wants_trades) on_trade(trade);
    } else {
      const QuoteTick quote{ts, stream.a[i], stream.b[i], stream.c[i], stream.d[i], stream.symbol};
      market.is_trade = false;
      market.has_quote = true;
      market.bid = quote.bid;
      market.ask = quote.ask;
      state.quoted = true;
      data_.process_quote(quote);
      seen_ = true;
      if (!state.pending.empty()) fill_pending(stream.symbol, on_fill, on_order);
      if (state.wants_quotes) on_quote(quote);
    }
  }
  seen_ = true;
  data_.flush();
  record_equity(interval_end);
}

}  // namespace alphaforge
