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

OrderLatency order_latency(const TickBacktestConfig& c) {
  if (c.latency_ts.empty()) return OrderLatency(c.latency_ns, c.response_latency_ns);
  if (c.latency_entry_ns.size() != c.latency_ts.size() ||
      c.latency_response_ns.size() != c.latency_ts.size()) {
    throw std::invalid_argument("the latency series needs one entry and one response latency "
                                "per timestamp");
  }
  return OrderLatency(c.latency_ts.data(), c.latency_entry_ns.data(),
                      c.latency_response_ns.data(), c.latency_ts.size());
}

void check_feed_latency(const TickBacktestConfig& c) {
  if (c.feed_latency_ns < 0) {
    throw std::invalid_argument("feed_latency must be >= 0 ns, got " +
                                std::to_string(c.feed_latency_ns));
  }
  std::int64_t least_response = c.response_latency_ns;
  if (!c.latency_ts.empty()) {
    least_response = *std::min_element(c.latency_response_ns.begin(), c.latency_response_ns.end());
  }
  if (c.feed_latency_ns > least_response) {
    throw std::invalid_argument(
        "feed_latency (" + std::to_string(c.feed_latency_ns) +
        " ns) must not exceed the response latency (" + std::to_string(least_response) +
        " ns): the replay hands each event and each notice to the strategy in the order they "
        "happen at the venue");
  }
}

}  // namespace

TickBacktest::TickBacktest(const TickBacktestConfig& config)
    : BacktestLedger(config.backtest),
      latency_(order_latency(config)),
      feed_latency_ns_(config.feed_latency_ns),
      defers_notices_(config.response_latency_ns > 0 || !config.latency_ts.empty()),
      queue_model_(config.queue_model),
      equity_interval_ns_(config.equity_interval_ns),
      data_(replay_data_config()) {
  engine_.set_price_source(&data_);
  if (config.latency_ns < 0) {
    throw std::invalid_argument("latency must be >= 0 ns, got " +
                                std::to_string(config.latency_ns));
  }
  check_feed_latency(config);
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

void TickBacktest::check_prices(const std::string& symbol, const double* prices,
                                std::size_t n) const {
  engine_.trading_grid(symbol);  // refuses a symbol without an instrument when others have one
  std::size_t lowest = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (prices[i] < prices[lowest]) lowest = i;
  }
  check_slippage(symbol, prices[lowest], lowest);
}

std::uint32_t TickBacktest::symbol_for(const std::string& symbol) {
  if (ran_) throw std::invalid_argument("market data cannot be added after run()");
  if (symbol.empty()) throw std::invalid_argument("symbol must not be empty");
  const std::uint32_t id = data_.intern(symbol);
  if (id >= states_.size()) {
    // The DataEngine numbers symbols 0, 1, 2, ... as they come, as the ledger does.
    states_.resize(id + 1);
    add_symbol(symbol);
  }
  return id;
}

std::uint32_t TickBacktest::add_trades(const std::string& symbol, const std::int64_t* ts,
                                       const double* price, const double* size, std::size_t n,
                                       const std::int8_t* aggressor) {
  if (n == 0) throw std::invalid_argument("trades of " + symbol + " are empty");
  if (const auto id = symbol_id(symbol); id && states_[*id].has_trades) {
    throw std::invalid_argument("trades of " + symbol + " were already added");
  }
  throw_if(check_trades(ts, price, size, n), symbol);
  if (aggressor != nullptr) {
    for (std::size_t i = 0; i < n; ++i) {
      if (aggressor[i] < 0 || aggressor[i] > 2) {
        throw std::invalid_argument("aggressor[" + std::to_string(i) + "] = " +
                                    std::to_string(aggressor[i]) +
                                    ": must be 0 (none), 1 (buyer) or 2 (seller) (" + symbol + ")");
      }
    }
  }
  check_prices(symbol, price, n);
  const std::uint32_t id = symbol_for(symbol);
  states_[id].has_trades = true;
  streams_.push_back(Stream{StreamKind::kTrades, id, {ts, ts + n}, {price, price + n},
                            {size, size + n}, {}, {}, {}});
  if (aggressor != nullptr) streams_.back().aggressor.assign(aggressor, aggressor + n);
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
  check_prices(symbol, bid, n);
  const std::uint32_t id = symbol_for(symbol);
  states_[id].has_quotes = true;
  streams_.push_back(Stream{StreamKind::kQuotes, id, {ts, ts + n}, {bid, bid + n},
                            {ask, ask + n}, {bid_size, bid_size + n}, {ask_size, ask_size + n},
                            {}});
  return id;
}

std::uint32_t TickBacktest::add_depth(const std::string& symbol, const std::int64_t* ts,
                                      const std::uint8_t* is_bid, const double* price,
                                      const double* size, const std::int64_t* update_id,
                                      const std::uint8_t* snapshot, std::size_t n) {
  if (n == 0) throw std::invalid_argument("depth of " + symbol + " is empty");
  if (const auto id = symbol_id(symbol); id && states_[*id].venue) {
    throw std::invalid_argument("depth of " + symbol + " was already added");
  }
  const Instrument grid = engine_.trading_grid(symbol);
  const auto row_error = [&](const char* field, std::size_t i, const std::string& why) {
    return std::invalid_argument(std::string(field) + "[" + std::to_string(i) + "] " + why +
                                 " (" + symbol + ")");
  };
  DepthRows rows;
  std::vector<std::int64_t> message_ts;
  for (std::size_t i = 0; i < n; ++i) {
    const bool opens = i == 0 || update_id[i] != update_id[i - 1] ||
                       (snapshot[i] != 0) != (snapshot[i - 1] != 0);
    if (i > 0 && ts[i] < ts[i - 1]) {
      throw row_error("ts", i, "= " + std::to_string(ts[i]) + " is before the row above");
    }
    if (!opens && ts[i] != ts[i - 1]) {
      throw row_error("ts", i, "= " + std::to_string(ts[i]) +
                                   ": the rows of one message must share its timestamp");
    }
    if (!std::isfinite(price[i]) || price[i] <= 0.0) {
      throw row_error("price", i, "= " + to_decimal(price[i]) + " must be finite and > 0");
    }
    try {
      static_cast<void>(grid.nearest_ticks(price[i], "price"));
    } catch (const std::invalid_argument& e) {
      throw row_error("price", i, std::string(": ") + e.what());
    }
    if (!std::isfinite(size[i]) || size[i] < 0.0) {
      throw row_error("size", i, "= " + to_decimal(size[i]) + " must be finite and >= 0");
    }
    if (opens) {
      if (i > 0) rows.end.push_back(i);
      message_ts.push_back(ts[i]);
      rows.update_id.push_back(update_id[i]);
      rows.snapshot.push_back(snapshot[i] != 0 ? 1 : 0);
    }
  }
  rows.end.push_back(n);
  rows.is_bid.assign(is_bid, is_bid + n);
  rows.price.assign(price, price + n);
  rows.size.assign(size, size + n);
  const std::uint32_t id = symbol_for(symbol);
  SymbolState& state = states_[id];
  state.venue.emplace(grid, queue_model_);
  state.depth = depths_.size();
  depths_.push_back(std::move(rows));
  streams_.push_back(Stream{StreamKind::kDepth, id, std::move(message_ts), {}, {}, {}, {}, {}});
  return id;
}

void TickBacktest::apply_depth(std::uint32_t symbol, std::size_t message) {
  SymbolState& state = states_[symbol];
  const DepthRows& rows = depths_[state.depth];
  BookVenue& venue = *state.venue;
  const std::size_t first = message == 0 ? 0 : rows.end[message - 1];
  venue.on_depth(rows.is_bid.data() + first, rows.price.data() + first, rows.size.data() + first,
                 rows.end[message] - first, rows.snapshot[message] != 0, venue_events_);
  venue.stamp(static_cast<std::uint64_t>(rows.update_id[message]), now_);
  state.quoted = true;  // marked from the book (quote_of) when the interval ends
}

TickMarket TickBacktest::quote_of(const SymbolState& state) const {
  TickMarket m = state.market;
  if (!state.venue) return m;
  // The book's best prices are the symbol's quote: they mark the account and price its orders.
  // A recorded book may cross for a message or two: it gives no quote until it uncrosses.
  const DepthBook& book = state.venue->book();
  const auto bid = book.best(OrderSide::kBuy);
  const auto ask = book.best(OrderSide::kSell);
  if (bid && ask && bid->price < ask->price) {
    m.has_quote = true;
    m.bid = book.grid().ticks_to_price(bid->price);
    m.ask = book.grid().ticks_to_price(ask->price);
  }
  return m;
}

void TickBacktest::subscribe_bars(std::string_view symbol, BarSpec spec, BarHandler handler) {
  if (ran_) throw std::invalid_argument("subscriptions must be made before run()");
  const auto id = symbol_id(symbol);
  if (!id || !states_[*id].has_trades) {
    throw std::invalid_argument("bars are built from trades: add the trades of " +
                                std::string(symbol) + " first");
  }
  if (spec.kind() == BarKind::kTime) {
    data_.subscribe_bars(symbol, spec, std::move(handler));
    return;
  }
  // A tick or volume bar is completed by its own last trade, which the strategy has thus
  // seen: an order sent from its handler may fill only from the next event on. (A time bar is
  // completed by the first trade after it, which the strategy has not seen yet.)
  data_.subscribe_bars(symbol, spec, [this, handler = std::move(handler)](const Bar& bar) {
    const bool before = seen_;
    seen_ = true;
    handler(bar);
    seen_ = before;
  });
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

void TickBacktest::subscribe_book(std::string_view symbol) {
  if (ran_) throw std::invalid_argument("subscriptions must be made before run()");
  const auto id = symbol_id(symbol);
  if (!id || !states_[*id].venue) {
    throw std::invalid_argument("no depth of " + std::string(symbol) + ": add it first");
  }
  states_[*id].wants_book = true;
}

std::uint64_t TickBacktest::submit(const OrderRequest& r) {
  const auto sym = symbol_id(r.symbol);
  if (!sym) throw std::invalid_argument("unknown symbol " + r.symbol + ": add its data first");
  const std::uint64_t id = accept(r, *sym);
  time_order(orders_[id - 1]);
  return id;
}

std::int64_t TickBacktest::arrival_ns() const {
  const std::int64_t sent = now_ + feed_latency_ns_;
  return sent + latency_.entry(sent);
}

void TickBacktest::schedule(std::int64_t at, Timed::Kind kind, std::uint64_t id,
                            std::uint32_t send) {
  const bool notice = kind == Timed::Kind::kOrderNotice || kind == Timed::Kind::kFillNotice;
  (notice ? notices_due_ : venue_due_).push(Timed{at, timed_seq_++, kind, id, send});
}

void TickBacktest::drop_closed(BookVenue& venue) {
  venue.drop_if([this](std::uint64_t order) { return !engine_.order(order).is_open(); });
}

template <typename Record>
std::size_t TickBacktest::defer(std::vector<Record>& slots, std::vector<std::size_t>& free,
                                const Record& record) {
  if (free.empty()) {
    slots.push_back(record);
    return slots.size() - 1;
  }
  const std::size_t slot = free.back();
  free.pop_back();
  slots[slot] = record;
  return slot;
}

void TickBacktest::time_order(BacktestOrder& order) {
  order.first_seq = seen_ ? seq_ + 1 : seq_;
  order.active_ns = arrival_ns();
  if (states_[order.symbol].venue && engine_.order(order.id).is_open()) {
    // A modify sends it again: an arrival of an earlier sending still on its way is void.
    order.at_venue = false;
    schedule(order.active_ns, Timed::Kind::kArrive, order.id, ++order.sends);
  }
}

std::optional<double> TickBacktest::trail_reference(std::uint32_t symbol, OrderSide side) const {
  const TickMarket m = quote_of(states_[symbol]);
  if (m.trade_price > 0.0) return m.trade_price;
  if (m.has_quote) return side == OrderSide::kBuy ? m.ask : m.bid;
  return std::nullopt;
}

std::uint64_t TickBacktest::submit(const OrderRequest& r, const Contingency& terms) {
  const auto sym = symbol_id(r.symbol);
  if (!sym) throw std::invalid_argument("unknown symbol " + r.symbol + ": add its data first");
  const std::uint64_t id = accept_contingent(r, *sym, terms, trail_reference(*sym, r.side));
  time_order(orders_[id - 1]);
  return id;
}

std::uint64_t TickBacktest::submit_bracket(const OrderRequest& entry, double stop_loss,
                                           double take_profit) {
  const auto sym = symbol_id(entry.symbol);
  if (!sym) throw std::invalid_argument("unknown symbol " + entry.symbol + ": add its data first");
  const std::uint64_t id = accept_bracket(entry, *sym, stop_loss, take_profit);
  time_order(orders_[id - 1]);
  return id;
}

void TickBacktest::child_placed(std::uint64_t id) {
  BacktestOrder& o = orders_[id - 1];
  if (states_[o.symbol].venue && engine_.order(id).is_open()) {
    schedule(now_, Timed::Kind::kArrive, id, ++o.sends);
  }
}

bool TickBacktest::cancel(std::uint64_t id) {
  if (id == 0 || id > orders_.size() || !on_book_venue(id)) return BacktestLedger::cancel(id);
  if (!engine_.order(id).is_open()) return false;
  schedule(arrival_ns(), Timed::Kind::kCancel, id);
  return true;
}

bool TickBacktest::modify(std::uint64_t id, std::optional<double> price,
                          std::optional<double> quantity, std::optional<double> stop_price) {
  const bool anew = BacktestLedger::modify(id, price, quantity, stop_price);
  if (id == 0 || id > orders_.size()) return anew;
  BacktestOrder& o = orders_[id - 1];
  if (anew) {
    // It leaves the queue now and joins again, at the back, when the change reaches the venue.
    if (o.at_venue) states_[o.symbol].venue->cancel(id);
    time_order(o);
  } else if (on_book_venue(id)) {
    const Order& order = engine_.order(id);
    const Instrument& inst = engine_.instrument_of(order.symbol);
    states_[o.symbol].venue->resize(id, inst.lots_to_qty(order.quantity - order.filled));
  }
  return anew;
}

void TickBacktest::fill_pending(std::uint32_t symbol, const FillHandler& on_fill,
                                const OrderHandler& on_order) {
  if (states_[symbol].venue) return;  // the book venue fills them
  const TickMarket& market = states_[symbol].market;
  const auto decide = [&](BacktestOrder& o) {
    if (seq_ < o.first_seq || now_ < o.active_ns) return FillDecision::wait();
    return tick_fill(o, market);
  };
  settle_pending(symbol, decide, on_fill, on_order);
  // Trailing stops that saw this event and are still open follow it.
  const bool trade = market.is_trade;
  trail_stops(symbol, trade ? market.trade_price : market.ask,
              trade ? market.trade_price : market.bid, [&](const BacktestOrder& o) {
                return seq_ >= o.first_seq && now_ >= o.active_ns;
              });
}

void TickBacktest::send_to_venue(BacktestOrder& o, VenueEvents& out) {
  BookVenue& venue = *states_[o.symbol].venue;
  const Order& order = engine_.order(o.id);
  const Instrument& inst = engine_.instrument_of(order.symbol);
  std::optional<Ticks> limit;
  if (o.type == OrderType::kLimit || o.type == OrderType::kStopLimit) {
    limit = venue.book().grid().nearest_ticks(*o.price, "price");
  }
  venue.arrive(o.id, o.side, limit, o.tif, inst.lots_to_qty(order.quantity - order.filled), out);
}

namespace {

// Whether a stop on a symbol with depth fires: at a trade through its stop, or when the best
// price it would take reaches it.
bool venue_stop_reached(const BacktestOrder& o, const DepthBook& book,
                        std::optional<double> trade) {
  if (trade) return stop_reached(o, TickMarket{true, *trade, false, 0.0, 0.0});
  const auto best = book.best(o.side == OrderSide::kBuy ? OrderSide::kSell : OrderSide::kBuy);
  if (!best) return false;
  // The side it would take is all a stop reads of a quote.
  const double price = book.grid().ticks_to_price(best->price);
  return stop_reached(o, TickMarket{false, 0.0, true, price, price});
}

bool is_stop(const BacktestOrder& o) {
  return o.type == OrderType::kStop || o.type == OrderType::kStopLimit;
}

}  // namespace

void TickBacktest::arrive(std::uint64_t id, std::uint32_t send, const FillHandler& on_fill,
                          const OrderHandler& on_order) {
  BacktestOrder& o = orders_[id - 1];
  // Canceled on the way, or sent again since (a modify): this arrival is void.
  if (!engine_.order(id).is_open() || send != o.sends) return;
  o.at_venue = true;
  SymbolState& state = states_[o.symbol];
  drop_closed(*state.venue);
  if (o.expire_ns != 0 && now_ >= o.expire_ns) {
    venue_events_.expiries.push_back(VenueExpiry{id, "expire_time reached (GTD)"});
  } else if (!is_stop(o) || o.triggered) {
    send_to_venue(o, venue_events_);
  } else if (venue_stop_reached(o, state.venue->book(), std::nullopt)) {
    o.triggered = true;
    send_to_venue(o, venue_events_);
  }
  settle_venue_events(o.symbol, on_fill, on_order);
}

void TickBacktest::venue_orders_on_market(std::uint32_t symbol, std::optional<double> trade,
                                          const FillHandler& on_fill,
                                          const OrderHandler& on_order) {
  const BookVenue& venue = *states_[symbol].venue;
  // Nothing here changes the pending list: settling, after the loop, does.
  for (const std::uint64_t id : pending_[symbol]) {
    BacktestOrder& o = orders_[id - 1];
    if (!o.at_venue || !engine_.order(id).is_open()) continue;
    if (o.expire_ns != 0 && now_ >= o.expire_ns) {
      venue_events_.expiries.push_back(VenueExpiry{id, "expire_time reached (GTD)"});
    } else if (is_stop(o) && !o.triggered && venue_stop_reached(o, venue.book(), trade)) {
      o.triggered = true;
      send_to_venue(o, venue_events_);
    }
  }
  settle_venue_events(symbol, on_fill, on_order);
  if (trade) {
    trail_stops(symbol, *trade, *trade,
                [](const BacktestOrder& o) { return o.at_venue; });
  }
}

void TickBacktest::settle_venue_events(std::uint32_t symbol, const FillHandler& on_fill,
                                       const OrderHandler& on_order) {
  if (venue_events_.empty()) return;
  VenueEvents events;
  std::swap(events, venue_events_);
  settle_venue(symbol, events, on_fill, on_order);
  drop_closed(*states_[symbol].venue);
  events.clear();
  std::swap(events, venue_events_);  // keep the buffers
}

void TickBacktest::run_timed(std::int64_t until, bool notices_only, const FillHandler& on_fill,
                             const OrderHandler& on_order) {
  for (;;) {
    // The earliest due; at one time a notice (the strategy's side) before a venue action.
    const bool notice_next =
        !notices_due_.empty() &&
        (notices_only || venue_due_.empty() || notices_due_.top().at <= venue_due_.top().at);
    auto& due = notice_next ? notices_due_ : venue_due_;
    if (due.empty() || due.top().at > until || (notices_only && !notice_next)) break;
    const Timed t = due.top();
    due.pop();
    // Orders and cancels that would reach the venue after the last event never do.
    if (!notice_next && data_ended_ && t.at > last_event_ns_) continue;
    now_ = t.at;
    engine_.set_time(t.at);
    seen_ = true;
    switch (t.kind) {
      case Timed::Kind::kArrive:
        arrive(t.id, t.send, on_fill, on_order);
        break;
      case Timed::Kind::kCancel:
        if (engine_.order(t.id).is_open()) {
          BacktestLedger::cancel(t.id);
          drop_closed(*states_[orders_[t.id - 1].symbol].venue);
        }
        break;
      case Timed::Kind::kOrderNotice: {
        // Copied out: the handler may defer more notices, which can reuse or grow the slots.
        const OrderRecord record = deferred_orders_[t.id];
        free_orders_.push_back(t.id);
        if (deliver_order_) deliver_order_(record);
        break;
      }
      case Timed::Kind::kFillNotice: {
        const BacktestFill fill = deferred_fills_[t.id];
        free_fills_.push_back(t.id);
        if (deliver_fill_) deliver_fill_(fill);
        break;
      }
    }
    deliver_notices(on_order);
  }
}

void TickBacktest::set_marks(const FillHandler& on_fill, const OrderHandler& on_order) {
  for (std::uint32_t id = 0; id < states_.size(); ++id) {
    SymbolState& s = states_[id];
    if (s.quoted) {
      const TickMarket m = quote_of(s);
      if (m.has_quote) mark_quote(id, m.bid, m.ask, on_fill, on_order);
    }
    if (s.traded) mark_trade(id, s.market.trade_price, on_fill, on_order);
    s.quoted = s.traded = false;
  }
}

void TickBacktest::run(const TradeHandler& on_trade, const QuoteHandler& on_quote,
                       const FillHandler& on_fill, const OrderHandler& on_order,
                       const BookHandler& on_book) {
  if (ran_) throw std::invalid_argument("run() was already called on this backtest");
  if (streams_.empty()) throw std::invalid_argument("no market data: add trades or quotes first");
  ran_ = true;
  // With a response latency, what happens to an order reaches the strategy that much later.
  deliver_order_ = on_order;
  deliver_fill_ = on_fill;
  OrderHandler notify_order = on_order;
  FillHandler notify_fill = on_fill;
  if (defers_notices_) {
    const auto due = [this] { return now_ + latency_.response(now_) - feed_latency_ns_; };
    if (on_order) {
      notify_order = [this, due](const OrderRecord& record) {
        schedule(due(), Timed::Kind::kOrderNotice, defer(deferred_orders_, free_orders_, record));
      };
    }
    if (on_fill) {
      notify_fill = [this, due](const BacktestFill& fill) {
        schedule(due(), Timed::Kind::kFillNotice, defer(deferred_fills_, free_fills_, fill));
      };
    }
  }
  const std::int64_t interval = equity_interval_ns_;
  std::int64_t interval_end = std::numeric_limits<std::int64_t>::min();
  std::vector<std::size_t> next(streams_.size(), 0);
  for (const Stream& s : streams_) last_event_ns_ = std::max(last_event_ns_, s.ts.back());
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
      if (seq_ > 0) {
        run_timed(interval_end - 1, false, notify_fill, notify_order);
        set_marks(notify_fill, notify_order);
        record_equity(interval_end);
      }
      interval_end = floor_to_step(ts, interval) + interval;
    }
    // What is due before this event; then what the strategy learns at its time, before it
    // sees the event. Orders and cancels due at its time reach the venue after it.
    run_timed(ts - 1, false, notify_fill, notify_order);
    run_timed(ts, true, notify_fill, notify_order);
    now_ = ts;
    engine_.set_time(ts);
    seen_ = false;
    SymbolState& state = states_[stream.symbol];
    TickMarket& market = state.market;
    if (stream.kind == StreamKind::kTrades) {
      const std::int8_t taker = stream.aggressor.empty() ? 0 : stream.aggressor[i];
      const TradeTick trade{ts, stream.a[i], stream.b[i], 0, stream.symbol, taker};
      market.is_trade = true;
      market.trade_price = trade.price;
      state.traded = true;
      data_.process_trade(trade);  // bar handlers run here
      seen_ = true;
      deliver_notices(notify_order);  // what the bar handlers sent, before it can fill
      if (state.venue) {
        drop_closed(*state.venue);
        state.venue->on_trade(trade.price, trade.size, static_cast<AggressorSide>(taker),
                              venue_events_);
        settle_venue_events(stream.symbol, notify_fill, notify_order);
        venue_orders_on_market(stream.symbol, trade.price, notify_fill, notify_order);
      } else if (!pending_[stream.symbol].empty()) {
        fill_pending(stream.symbol, notify_fill, notify_order);
      }
      if (state.wants_trades) on_trade(trade);
      deliver_notices(notify_order);
    } else if (stream.kind == StreamKind::kDepth) {
      drop_closed(*state.venue);
      apply_depth(stream.symbol, i);
      seen_ = true;
      settle_venue_events(stream.symbol, notify_fill, notify_order);
      venue_orders_on_market(stream.symbol, std::nullopt, notify_fill, notify_order);
      if (state.wants_book) on_book(stream.symbol, state.venue->book());
      deliver_notices(notify_order);
    } else {
      const QuoteTick quote{ts, stream.a[i], stream.b[i], stream.c[i], stream.d[i], stream.symbol};
      market.is_trade = false;
      market.has_quote = true;
      market.bid = quote.bid;
      market.ask = quote.ask;
      state.quoted = true;
      data_.process_quote(quote);
      seen_ = true;
      deliver_notices(notify_order);
      if (!pending_[stream.symbol].empty()) fill_pending(stream.symbol, notify_fill, notify_order);
      if (state.wants_quotes) on_quote(quote);
      deliver_notices(notify_order);
    }
  }
  seen_ = true;
  data_.flush();
  deliver_notices(notify_order);
  data_ended_ = true;
  run_timed(std::numeric_limits<std::int64_t>::max(), false, notify_fill, notify_order);
  now_ = std::max(now_, last_event_ns_);
  set_marks(notify_fill, notify_order);
  record_equity(interval_end);
}

std::optional<double> TickBacktest::last_price(std::string_view symbol) const {
  const auto id = symbol_id(symbol);
  if (!id) return std::nullopt;
  const TickMarket m = quote_of(states_[*id]);
  if (m.trade_price > 0.0) return m.trade_price;  // prices are positive: zero is "none yet"
  if (m.has_quote) return (m.bid + m.ask) / 2.0;
  return std::nullopt;
}

}  // namespace alphaforge
