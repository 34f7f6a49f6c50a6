#include "alphaforge/data_engine.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "alphaforge/market_data_validation.hpp"
#include "alphaforge/platform.hpp"

namespace alphaforge {
namespace {

std::int64_t clock_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Single-writer counters: a plain load and store, no locked read-modify-write.
void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

// After this many idle polls the engine thread sleeps between polls instead of spinning, so an
// idle engine leaves the core to others.
constexpr unsigned kIdleSpins = 2048;
constexpr auto kIdleSleep = std::chrono::microseconds(50);
constexpr std::uint64_t kClockSampleEvery = 256;

// The rules of check_trades/check_quotes for one record, without building a Violation: the
// engine thread only counts rejections.
bool valid_trade(const TradeTick& t) noexcept {
  return detail::positive_price(t.price) && std::isfinite(t.size) && t.size > 0.0;
}

bool valid_quote(const QuoteTick& q) noexcept {
  return detail::positive_price(q.bid) && detail::positive_price(q.ask) && q.bid <= q.ask &&
         detail::valid_size(q.bid_size) && detail::valid_size(q.ask_size);
}

}  // namespace

struct DataEngine::BarSubscription {
  BarAggregator aggregator;
  std::vector<std::pair<std::uint64_t, BarHandler>> handlers;
};

struct DataEngine::SymbolState {
  explicit SymbolState(std::string n) : name(std::move(n)) {}

  const std::string name;

  // Published to readers on other threads under a sequence lock (odd while a write is under
  // way). Every field is atomic so that the optimistic read is free of data races.
  std::atomic<std::uint64_t> trade_seq{0};
  std::atomic<std::int64_t> trade_ts{0};
  std::atomic<double> trade_price{0.0};
  std::atomic<double> trade_size{0.0};
  std::atomic<std::uint64_t> quote_seq{0};
  std::atomic<std::int64_t> quote_ts{0};
  std::atomic<double> bid{0.0};
  std::atomic<double> ask{0.0};
  std::atomic<double> bid_size{0.0};
  std::atomic<double> ask_size{0.0};

  // Owned by the ingesting thread.
  std::int64_t last_trade_ts = std::numeric_limits<std::int64_t>::min();
  std::int64_t last_quote_ts = std::numeric_limits<std::int64_t>::min();
  std::vector<BarSubscription> bars;
  std::vector<std::pair<std::uint64_t, TradeHandler>> trade_handlers;
  std::vector<std::pair<std::uint64_t, QuoteHandler>> quote_handlers;
};

void DataEngineConfig::validate() const {
  if (ring_capacity == 0) throw std::invalid_argument("ring_capacity must be > 0, got 0");
  if (ring_capacity > (std::size_t{1} << 30)) {
    throw std::invalid_argument("ring_capacity must be at most 2^30, got " +
                                std::to_string(ring_capacity));
  }
  if (drain_batch == 0) throw std::invalid_argument("drain_batch must be > 0, got 0");
  if (max_symbols == 0 || max_symbols > kUnknownSymbol) {
    throw std::invalid_argument("max_symbols must be between 1 and 2^32-1, got " +
                                std::to_string(max_symbols));
  }
}

DataEngine::DataEngine(DataEngineConfig config) : config_(config) {
  config_.validate();
  states_ = std::make_unique<std::atomic<SymbolState*>[]>(config_.max_symbols);
}

DataEngine::~DataEngine() {
  try {
    stop();
  } catch (...) {
    // A handler's exception has nowhere to go from a destructor; stop() has still finished.
  }
}

std::uint32_t DataEngine::intern(std::string_view symbol) {
  if (symbol.empty()) throw std::invalid_argument("symbol must be a non-empty string");
  std::lock_guard lock(symbols_mutex_);
  const auto it = ids_.find(std::string(symbol));
  if (it != ids_.end()) return it->second;
  const std::size_t id = owned_.size();
  if (id >= config_.max_symbols) {
    throw std::invalid_argument("cannot add symbol '" + std::string(symbol) + "': max_symbols=" +
                                std::to_string(config_.max_symbols) + " reached");
  }
  owned_.push_back(std::make_unique<SymbolState>(std::string(symbol)));
  states_[id].store(owned_.back().get(), std::memory_order_release);
  symbol_count_.store(id + 1, std::memory_order_release);
  ids_.emplace(std::string(symbol), static_cast<std::uint32_t>(id));
  return static_cast<std::uint32_t>(id);
}

std::optional<std::uint32_t> DataEngine::find_symbol(std::string_view symbol) const {
  std::lock_guard lock(symbols_mutex_);
  const auto it = ids_.find(std::string(symbol));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string DataEngine::symbol_name(std::uint32_t id) const { return state_of(id).name; }

std::size_t DataEngine::symbol_count() const noexcept {
  return symbol_count_.load(std::memory_order_acquire);
}

DataEngine::SymbolState* DataEngine::find_state(std::uint32_t id) const noexcept {
  if (id >= symbol_count_.load(std::memory_order_acquire)) return nullptr;
  return states_[id].load(std::memory_order_acquire);
}

DataEngine::SymbolState& DataEngine::state_of(std::uint32_t id) const {
  SymbolState* s = find_state(id);
  if (s == nullptr) throw std::invalid_argument("unknown symbol id " + std::to_string(id));
  return *s;
}

void DataEngine::require_stopped(const char* operation) const {
  if (running()) {
    throw std::logic_error(std::string(operation) +
                           " is not allowed while the engine thread runs; call it before "
                           "start() or after stop(), or publish through a channel");
  }
}

std::uint32_t DataEngine::subscription_symbol(std::string_view symbol) {
  require_stopped("subscribing");
  return intern(symbol);
}

std::uint64_t DataEngine::subscribe_bars(std::string_view symbol, BarSpec spec, BarHandler handler,
                                         bool fill_gaps) {
  const std::uint32_t symbol_id = subscription_symbol(symbol);
  SymbolState& s = state_of(symbol_id);
  const std::uint64_t id = next_subscription_++;
  // Subscribers of one spec share one aggregator, so a bar is built and counted once.
  for (auto& sub : s.bars) {
    if (sub.aggregator.spec() == spec && sub.aggregator.fill_gaps() == fill_gaps) {
      sub.handlers.emplace_back(id, std::move(handler));
      return id;
    }
  }
  s.bars.push_back({BarAggregator(spec, symbol_id, fill_gaps), {}});
  s.bars.back().handlers.emplace_back(id, std::move(handler));
  return id;
}

std::uint64_t DataEngine::subscribe_trades(std::string_view symbol, TradeHandler handler) {
  SymbolState& s = state_of(subscription_symbol(symbol));
  const std::uint64_t id = next_subscription_++;
  s.trade_handlers.emplace_back(id, std::move(handler));
  return id;
}

std::uint64_t DataEngine::subscribe_quotes(std::string_view symbol, QuoteHandler handler) {
  SymbolState& s = state_of(subscription_symbol(symbol));
  const std::uint64_t id = next_subscription_++;
  s.quote_handlers.emplace_back(id, std::move(handler));
  return id;
}

bool DataEngine::unsubscribe(std::uint64_t id) {
  require_stopped("unsubscribing");
  const auto same_id = [id](const auto& entry) { return entry.first == id; };
  for (std::size_t i = 0; i < symbol_count(); ++i) {
    SymbolState& s = *states_[i].load(std::memory_order_acquire);
    for (auto it = s.bars.begin(); it != s.bars.end(); ++it) {
      if (std::erase_if(it->handlers, same_id) != 0) {
        if (it->handlers.empty()) s.bars.erase(it);  // nobody left to receive its bars
        return true;
      }
    }
    if (std::erase_if(s.trade_handlers, same_id) != 0) return true;
    if (std::erase_if(s.quote_handlers, same_id) != 0) return true;
  }
  return false;
}

void DataEngine::start_tick_clock() {
  if (config_.enable_statistics && first_tick_clock_ns_.load(std::memory_order_relaxed) == 0) {
    first_tick_clock_ns_.store(clock_ns(), std::memory_order_relaxed);
  }
}

void DataEngine::note_ticks(std::uint64_t count, bool sample_clock) {
  bump(ticks_, count);
  if (!config_.enable_statistics) return;
  ticks_since_clock_ += count;
  if (!sample_clock && ticks_since_clock_ < kClockSampleEvery &&
      first_tick_clock_ns_.load(std::memory_order_relaxed) != 0) {
    return;
  }
  ticks_since_clock_ = 0;
  const std::int64_t now = clock_ns();
  if (first_tick_clock_ns_.load(std::memory_order_relaxed) == 0) {
    first_tick_clock_ns_.store(now, std::memory_order_relaxed);
  }
  last_tick_clock_ns_.store(now, std::memory_order_relaxed);
}

void DataEngine::apply_trade(SymbolState& s, const TradeTick& trade) {
  const std::uint64_t seq = s.trade_seq.load(std::memory_order_relaxed);
  s.trade_seq.store(seq + 1, std::memory_order_relaxed);
  // Release on each field (free on x86) orders the odd sequence before it for any reader that
  // sees the new value; no standalone fence, which ThreadSanitizer cannot follow.
  s.trade_ts.store(trade.ts_ns, std::memory_order_release);
  s.trade_price.store(trade.price, std::memory_order_release);
  s.trade_size.store(trade.size, std::memory_order_release);
  s.trade_seq.store(seq + 2, std::memory_order_release);
  s.last_trade_ts = trade.ts_ns;

  for (auto& sub : s.bars) {
    sub.aggregator.update(trade.ts_ns, trade.price, trade.size, [&](const Bar& bar) {
      bump(bars_);
      for (auto& [id, handler] : sub.handlers) handler(bar);
    });
  }
  for (auto& [id, handler] : s.trade_handlers) handler(trade);
}

void DataEngine::apply_quote(SymbolState& s, const QuoteTick& quote) {
  const std::uint64_t seq = s.quote_seq.load(std::memory_order_relaxed);
  s.quote_seq.store(seq + 1, std::memory_order_relaxed);
  s.quote_ts.store(quote.ts_ns, std::memory_order_release);
  s.bid.store(quote.bid, std::memory_order_release);
  s.ask.store(quote.ask, std::memory_order_release);
  s.bid_size.store(quote.bid_size, std::memory_order_release);
  s.ask_size.store(quote.ask_size, std::memory_order_release);
  s.quote_seq.store(seq + 2, std::memory_order_release);
  s.last_quote_ts = quote.ts_ns;
  bump(quotes_);
  for (auto& [id, handler] : s.quote_handlers) handler(quote);
}

namespace {

void throw_violation(const std::optional<Violation>& v) {
  if (v) throw std::invalid_argument(v->message());
}

void check_not_before(std::int64_t ts, std::int64_t last, const char* kind) {
  if (ts < last) {
    throw std::invalid_argument("ts_ns[0] = " + std::to_string(ts) + ": earlier than the last " +
                                kind + " of this symbol (" + std::to_string(last) +
                                "); timestamps must not decrease");
  }
}

}  // namespace

void DataEngine::publish_direct(const MarketEvent* events, std::size_t count) {
  direct_->publish(events, count);
}

void DataEngine::process_trade(const TradeTick& trade) {
  SymbolState& s = state_of(trade.symbol_id);
  throw_violation(check_trades(&trade.ts_ns, &trade.price, &trade.size, 1));
  if (queue_direct()) {
    const MarketEvent event = MarketEvent::of(trade);
    publish_direct(&event, 1);
    return;
  }
  check_not_before(trade.ts_ns, s.last_trade_ts, "trade");
  note_ticks(1, false);
  apply_trade(s, trade);
}

void DataEngine::process_quote(const QuoteTick& quote) {
  SymbolState& s = state_of(quote.symbol_id);
  throw_violation(
      check_quotes(&quote.ts_ns, &quote.bid, &quote.ask, &quote.bid_size, &quote.ask_size, 1));
  if (queue_direct()) {
    const MarketEvent event = MarketEvent::of(quote);
    publish_direct(&event, 1);
    return;
  }
  check_not_before(quote.ts_ns, s.last_quote_ts, "quote");
  apply_quote(s, quote);
}

void DataEngine::process_trades(std::uint32_t symbol_id, const std::int64_t* ts_ns,
                                const double* price, const double* size,
                                const std::int8_t* aggressor, const std::int64_t* trade_id,
                                std::size_t count) {
  SymbolState& s = state_of(symbol_id);
  if (count == 0) throw std::invalid_argument("empty batch: ts_ns has no rows");
  throw_violation(check_trades(ts_ns, price, size, count));
  if (!queue_direct()) check_not_before(ts_ns[0], s.last_trade_ts, "trade");
  if (aggressor != nullptr) {
    for (std::size_t i = 0; i < count; ++i) {
      if (aggressor[i] < 0 || aggressor[i] > 2) {
        throw std::invalid_argument("aggressor[" + std::to_string(i) + "] = " +
                                    std::to_string(aggressor[i]) +
                                    ": must be 0 (none), 1 (buyer) or 2 (seller)");
      }
    }
  }
  const bool queued = queue_direct();
  if (!queued) start_tick_clock();
  std::vector<MarketEvent> events;
  if (queued) events.reserve(count);
  TradeTick trade{};
  trade.symbol_id = symbol_id;
  for (std::size_t i = 0; i < count; ++i) {
    trade.ts_ns = ts_ns[i];
    trade.price = price[i];
    trade.size = size[i];
    trade.aggressor = aggressor != nullptr ? aggressor[i] : std::int8_t{0};
    trade.trade_id = trade_id != nullptr ? trade_id[i] : 0;
    if (queued) {
      events.push_back(MarketEvent::of(trade));
    } else {
      apply_trade(s, trade);
    }
  }
  if (queued) {
    publish_direct(events.data(), events.size());
  } else {
    note_ticks(count, true);
  }
}

void DataEngine::process_quotes(std::uint32_t symbol_id, const std::int64_t* ts_ns,
                                const double* bid, const double* ask, const double* bid_size,
                                const double* ask_size, std::size_t count) {
  SymbolState& s = state_of(symbol_id);
  if (count == 0) throw std::invalid_argument("empty batch: ts_ns has no rows");
  throw_violation(check_quotes(ts_ns, bid, ask, bid_size, ask_size, count));
  const bool queued = queue_direct();
  if (!queued) check_not_before(ts_ns[0], s.last_quote_ts, "quote");
  std::vector<MarketEvent> events;
  if (queued) events.reserve(count);
  QuoteTick quote{};
  quote.symbol_id = symbol_id;
  for (std::size_t i = 0; i < count; ++i) {
    quote.ts_ns = ts_ns[i];
    quote.bid = bid[i];
    quote.ask = ask[i];
    quote.bid_size = bid_size[i];
    quote.ask_size = ask_size[i];
    if (queued) {
      events.push_back(MarketEvent::of(quote));
    } else {
      apply_quote(s, quote);
    }
  }
  if (queued) publish_direct(events.data(), events.size());
}

void DataEngine::flush() {
  require_stopped("flush");
  for (std::size_t i = 0; i < symbol_count(); ++i) {
    for (auto& sub : states_[i].load(std::memory_order_acquire)->bars) {
      sub.aggregator.flush([&](const Bar& bar) {
        bump(bars_);
        for (auto& [id, handler] : sub.handlers) handler(bar);
      });
    }
  }
}

MarketChannel& DataEngine::open_channel(bool multi_producer) {
  require_stopped("opening a channel");
  if (multi_producer) {
    channels_.push_back(
        std::make_unique<RingChannel<MpmcRing>>(config_.ring_capacity, config_.overflow));
  } else {
    channels_.push_back(
        std::make_unique<RingChannel<SpscRing>>(config_.ring_capacity, config_.overflow));
  }
  return *channels_.back();
}

void DataEngine::add_feed(std::unique_ptr<MarketFeed> feed) {
  require_stopped("adding a feed");
  if (!feed) throw std::invalid_argument("feed must not be null");
  feeds_.push_back(std::move(feed));
}

void DataEngine::set_thread_hooks(std::function<void()> on_enter, std::function<void()> on_exit) {
  require_stopped("setting thread hooks");
  on_thread_enter_ = std::move(on_enter);
  on_thread_exit_ = std::move(on_exit);
}

void DataEngine::start() {
  require_stopped("start");
  // Feeds added since the last run get their channels now, one SPSC ring each.
  std::vector<MarketChannel*> feed_channels;
  for (std::size_t i = 0; i < feeds_.size(); ++i) feed_channels.push_back(&open_channel(false));
  if (direct_ == nullptr) {
    // Direct calls while running wait rather than drop: the caller asked for that tick.
    channels_.push_back(
        std::make_unique<RingChannel<MpmcRing>>(config_.ring_capacity, Overflow::kBlock));
    direct_ = channels_.back().get();
  }
  for (auto& ch : channels_) ch->reopen();
  stop_feeds_.store(false, std::memory_order_relaxed);
  stop_engine_.store(false, std::memory_order_relaxed);
  feeds_running_.store(feeds_.size(), std::memory_order_release);
  running_.store(true, std::memory_order_release);
  engine_thread_ = std::thread([this] { run_engine(); });
  for (std::size_t i = 0; i < feeds_.size(); ++i) {
    feed_threads_.emplace_back([this, feed = feeds_[i].get(), channel = feed_channels[i]] {
      feed->run(*channel, stop_feeds_);
      feeds_running_.fetch_sub(1, std::memory_order_acq_rel);
    });
  }
}

void DataEngine::stop_feeds() {
  stop_feeds_.store(true, std::memory_order_release);
  for (auto& t : feed_threads_) t.join();
  feed_threads_.clear();
  feeds_.clear();  // a feed runs once
}

void DataEngine::stop() {
  if (!running()) return;
  // Feeds first, while the engine thread still drains, so blocked producers can finish.
  stop_feeds();
  for (auto& ch : channels_) ch->close();
  stop_engine_.store(true, std::memory_order_release);
  engine_thread_.join();
  running_.store(false, std::memory_order_release);
  flush();
  std::exception_ptr error;
  {
    std::lock_guard lock(error_mutex_);
    error = std::exchange(handler_error_, nullptr);
  }
  if (error) std::rethrow_exception(error);
}

bool DataEngine::wait_until_drained(std::chrono::nanoseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Backoff backoff;
  for (;;) {
    std::uint64_t published = 0;
    bool rings_empty = true;
    for (auto& ch : channels_) {
      published += ch->published();
      rings_empty = rings_empty && ch->size() == 0;
    }
    if (feeds_running_.load(std::memory_order_acquire) == 0 && rings_empty &&
        consumed_.load(std::memory_order_acquire) >= published) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    backoff.pause();
  }
}

void DataEngine::apply_event(const MarketEvent& event, std::uint64_t& trades) {
  if (event.kind == MarketEventKind::kTrade) {
    const TradeTick& t = event.trade;
    SymbolState* s = find_state(t.symbol_id);
    if (s == nullptr || !valid_trade(t) || t.ts_ns < s->last_trade_ts) {
      bump(rejected_);
      return;
    }
    ++trades;
    apply_trade(*s, t);
  } else {
    const QuoteTick& q = event.quote;
    SymbolState* s = find_state(q.symbol_id);
    if (s == nullptr || !valid_quote(q) || q.ts_ns < s->last_quote_ts) {
      bump(rejected_);
      return;
    }
    apply_quote(*s, q);
  }
}

std::size_t DataEngine::drain_all(std::vector<MarketEvent>& buffer) {
  std::size_t total = 0;
  for (auto& ch : channels_) {
    const std::size_t got = ch->drain(buffer.data(), buffer.size());
    if (got == 0) continue;
    start_tick_clock();
    std::uint64_t trades = 0;
    for (std::size_t i = 0; i < got; ++i) {
      try {
        apply_event(buffer[i], trades);
      } catch (...) {
        // A subscriber failed: keep ingesting, keep the first error for stop() to rethrow.
        bump(handler_errors_);
        std::lock_guard lock(error_mutex_);
        if (!handler_error_) handler_error_ = std::current_exception();
      }
    }
    if (trades != 0) note_ticks(trades, true);
    consumed_.fetch_add(got, std::memory_order_release);
    total += got;
  }
  return total;
}

void DataEngine::run_engine() {
  engine_thread_id_.store(std::this_thread::get_id(), std::memory_order_release);
  if (on_thread_enter_) on_thread_enter_();
  std::vector<MarketEvent> buffer(config_.drain_batch);
  unsigned idle = 0;
  while (!stop_engine_.load(std::memory_order_acquire)) {
    if (drain_all(buffer) != 0) {
      idle = 0;
    } else if (++idle < kIdleSpins) {
      cpu_relax();
    } else {
      std::this_thread::sleep_for(kIdleSleep);
    }
  }
  // Producers are stopped and channels closed: whatever is in the rings now is all there is.
  while (drain_all(buffer) != 0) {
  }
  if (on_thread_exit_) on_thread_exit_();
  engine_thread_id_.store(std::thread::id{}, std::memory_order_release);
}

std::optional<LastTrade> DataEngine::last_trade(std::uint32_t id) const noexcept {
  const SymbolState* s = find_state(id);
  if (s == nullptr) return std::nullopt;
  for (;;) {
    const std::uint64_t before = s->trade_seq.load(std::memory_order_acquire);
    if (before == 0) return std::nullopt;
    if (before % 2 == 1) {
      cpu_relax();
      continue;
    }
    // Acquire loads keep the sequence re-check below after them.
    LastTrade t{s->trade_ts.load(std::memory_order_acquire),
                s->trade_price.load(std::memory_order_acquire),
                s->trade_size.load(std::memory_order_acquire)};
    if (s->trade_seq.load(std::memory_order_relaxed) == before) return t;
  }
}

std::optional<BestQuote> DataEngine::best_quote(std::uint32_t id) const noexcept {
  const SymbolState* s = find_state(id);
  if (s == nullptr) return std::nullopt;
  for (;;) {
    const std::uint64_t before = s->quote_seq.load(std::memory_order_acquire);
    if (before == 0) return std::nullopt;
    if (before % 2 == 1) {
      cpu_relax();
      continue;
    }
    BestQuote q{s->quote_ts.load(std::memory_order_acquire), s->bid.load(std::memory_order_acquire),
                s->ask.load(std::memory_order_acquire),
                s->bid_size.load(std::memory_order_acquire),
                s->ask_size.load(std::memory_order_acquire)};
    if (s->quote_seq.load(std::memory_order_relaxed) == before) return q;
  }
}

std::optional<LastTrade> DataEngine::last_trade(std::string_view symbol) const {
  const auto id = find_symbol(symbol);
  return id ? last_trade(*id) : std::nullopt;
}

std::optional<BestQuote> DataEngine::best_quote(std::string_view symbol) const {
  const auto id = find_symbol(symbol);
  return id ? best_quote(*id) : std::nullopt;
}

DataEngineStatistics DataEngine::statistics() const {
  DataEngineStatistics out{};
  out.ticks_processed = ticks_.load(std::memory_order_relaxed);
  out.quotes_processed = quotes_.load(std::memory_order_relaxed);
  out.bars_emitted = bars_.load(std::memory_order_relaxed);
  out.rejected = rejected_.load(std::memory_order_relaxed);
  out.handler_errors = handler_errors_.load(std::memory_order_relaxed);
  const std::int64_t first = first_tick_clock_ns_.load(std::memory_order_relaxed);
  const std::int64_t last = last_tick_clock_ns_.load(std::memory_order_relaxed);
  out.ticks_per_second = last > first ? static_cast<double>(out.ticks_processed) * 1e9 /
                                            static_cast<double>(last - first)
                                      : 0.0;
  // channels_ only grows while stopped, on the thread that configures the engine.
  for (const auto& ch : channels_) {
    out.dropped += ch->dropped();
    out.queue_high_water = std::max(out.queue_high_water, ch->high_water());
  }
  return out;
}

}  // namespace alphaforge
