#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "alphaforge/bar.hpp"
#include "alphaforge/bar_aggregator.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/market_channel.hpp"
#include "alphaforge/market_data.hpp"
#include "alphaforge/market_feed.hpp"
#include "alphaforge/price_source.hpp"

namespace alphaforge {

struct DataEngineConfig {
  bool enable_statistics = true;      // off: ticks_per_second is not measured (no clock reads)
  std::size_t ring_capacity = 65536;  // slots per producer ring
  std::size_t drain_batch = 4096;     // events the engine thread takes from a ring at a time
  std::size_t max_symbols = 65536;
  Overflow overflow = Overflow::kBlock;

  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

struct DataEngineStatistics {
  std::uint64_t ticks_processed;
  std::uint64_t quotes_processed;
  std::uint64_t bars_emitted;
  double ticks_per_second;      // trades over the wall time from the first to the latest one
  std::uint64_t queue_high_water;  // fullest any producer ring has been
  std::uint64_t dropped;        // events producers could not place (Overflow::kDrop, or closed)
  std::uint64_t rejected;       // events from rings refused as invalid, out of order or unknown
  std::uint64_t handler_errors;  // handler exceptions caught on the engine thread
};

// Ingests trades and quotes, keeps the last trade and best quote of every symbol, aggregates
// bars per subscription and calls subscribers.
//
// One thread owns ingestion at a time. Before start() (and after stop()) that is the caller:
// process_* apply the data before returning. Between start() and stop() it is the engine
// thread, which drains the producer channels in batches; direct process_* calls from another
// thread are then checked and handed to it through a ring of their own, in call order (the
// call waits while that ring is full), and a handler's own calls apply at once. The
// PriceSource accessors and statistics() are safe from any thread.
class DataEngine final : public PriceSource {
 public:
  using TradeHandler = std::function<void(const TradeTick&)>;
  using QuoteHandler = std::function<void(const QuoteTick&)>;
  using BarHandler = std::function<void(const Bar&)>;

  explicit DataEngine(DataEngineConfig config = {});
  ~DataEngine() override;
  DataEngine(const DataEngine&) = delete;
  DataEngine& operator=(const DataEngine&) = delete;

  // Symbols: any thread. intern() registers a new name and returns its id.
  std::uint32_t intern(std::string_view symbol);
  [[nodiscard]] std::optional<std::uint32_t> find_symbol(std::string_view symbol) const;
  [[nodiscard]] std::string symbol_name(std::uint32_t id) const;
  [[nodiscard]] std::size_t symbol_count() const noexcept;

  // Subscriptions: not while running. Each returns an id for unsubscribe().
  std::uint64_t subscribe_bars(std::string_view symbol, BarSpec spec, BarHandler handler,
                               bool fill_gaps = false);
  std::uint64_t subscribe_trades(std::string_view symbol, TradeHandler handler);
  std::uint64_t subscribe_quotes(std::string_view symbol, QuoteHandler handler);
  bool unsubscribe(std::uint64_t id);

  // Direct ingestion: on the calling thread before start(), through the engine thread while
  // running (see above). Bad input throws std::invalid_argument naming the field and row, and
  // nothing of the call is applied; a tick older than its symbol's last one is refused here
  // when stopped, and counted in statistics().rejected when queued while running.
  void process_trade(const TradeTick& trade);
  void process_quote(const QuoteTick& quote);
  void process_trades(std::uint32_t symbol_id, const std::int64_t* ts_ns, const double* price,
                      const double* size, const std::int8_t* aggressor,
                      const std::int64_t* trade_id, std::size_t count);
  void process_quotes(std::uint32_t symbol_id, const std::int64_t* ts_ns, const double* bid,
                      const double* ask, const double* bid_size, const double* ask_size,
                      std::size_t count);
  // Emits every open bar as it stands (the last, possibly partial, bar of each subscription).
  void flush();

  // Producers: before start(). A channel is for producers the caller runs itself (SPSC for one
  // thread, MPMC for several); a feed gets its own thread from start() on.
  MarketChannel& open_channel(bool multi_producer);
  void add_feed(std::unique_ptr<MarketFeed> feed);

  // Called on the engine thread when it begins and just before it ends (an embedding runtime
  // attaches the thread to its interpreter here). Before start().
  void set_thread_hooks(std::function<void()> on_enter, std::function<void()> on_exit);

  void start();
  // Stops the feeds, processes everything already in the rings, flushes open bars and joins
  // the engine thread. Rethrows the first handler exception caught on the engine thread.
  void stop();
  [[nodiscard]] bool running() const noexcept { return running_.load(std::memory_order_acquire); }
  // Whether the caller is the engine thread (a handler running).
  [[nodiscard]] bool on_engine_thread() const noexcept {
    return engine_thread_id_.load(std::memory_order_acquire) == std::this_thread::get_id();
  }
  // The ring direct process_* calls go through while running; null before the first start().
  MarketChannel* direct_channel() noexcept { return direct_; }
  // Waits until every feed has finished and every ring is empty and processed.
  bool wait_until_drained(std::chrono::nanoseconds timeout);

  // PriceSource: lock-free reads by id, any thread; by name they take the symbol-table lock.
  [[nodiscard]] std::optional<LastTrade> last_trade(std::string_view symbol) const override;
  [[nodiscard]] std::optional<BestQuote> best_quote(std::string_view symbol) const override;
  [[nodiscard]] std::optional<LastTrade> last_trade(std::uint32_t id) const noexcept;
  [[nodiscard]] std::optional<BestQuote> best_quote(std::uint32_t id) const noexcept;

  [[nodiscard]] DataEngineStatistics statistics() const;
  [[nodiscard]] const DataEngineConfig& config() const noexcept { return config_; }

 private:
  struct SymbolState;
  struct BarSubscription;

  SymbolState& state_of(std::uint32_t id) const;
  SymbolState* find_state(std::uint32_t id) const noexcept;
  std::uint32_t subscription_symbol(std::string_view symbol);
  void require_stopped(const char* operation) const;

  void apply_trade(SymbolState& s, const TradeTick& trade);
  void apply_quote(SymbolState& s, const QuoteTick& quote);
  void apply_event(const MarketEvent& event, std::uint64_t& trades);
  // The rate's clock starts when the first batch starts, so one batch has a rate too.
  void start_tick_clock();
  void note_ticks(std::uint64_t count, bool sample_clock);
  void run_engine();
  // True when the call must go to the engine thread instead of applying here.
  bool queue_direct() const noexcept { return running() && !on_engine_thread(); }
  void publish_direct(const MarketEvent* events, std::size_t count);
  std::size_t drain_all(std::vector<MarketEvent>& buffer);
  void stop_feeds();

  DataEngineConfig config_;

  mutable std::mutex symbols_mutex_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::vector<std::unique_ptr<SymbolState>> owned_;
  std::unique_ptr<std::atomic<SymbolState*>[]> states_;
  std::atomic<std::size_t> symbol_count_{0};

  std::uint64_t next_subscription_ = 1;

  std::vector<std::unique_ptr<MarketChannel>> channels_;
  std::vector<std::unique_ptr<MarketFeed>> feeds_;
  std::vector<std::thread> feed_threads_;
  std::atomic<std::size_t> feeds_running_{0};
  std::atomic<bool> stop_feeds_{false};
  std::atomic<bool> stop_engine_{false};
  std::atomic<bool> running_{false};
  std::thread engine_thread_;
  std::atomic<std::thread::id> engine_thread_id_{};
  MarketChannel* direct_ = nullptr;  // one of channels_, never dropping
  std::function<void()> on_thread_enter_;
  std::function<void()> on_thread_exit_;
  std::mutex error_mutex_;
  std::exception_ptr handler_error_;

  // Single writer (the owning thread), read from anywhere.
  std::atomic<std::uint64_t> ticks_{0};
  std::atomic<std::uint64_t> quotes_{0};
  std::atomic<std::uint64_t> bars_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> handler_errors_{0};
  std::atomic<std::uint64_t> consumed_{0};  // events taken from rings and handled
  std::atomic<std::int64_t> first_tick_clock_ns_{0};
  std::atomic<std::int64_t> last_tick_clock_ns_{0};
  std::uint64_t ticks_since_clock_ = 0;
};

}  // namespace alphaforge
