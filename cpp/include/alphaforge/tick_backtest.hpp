#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "alphaforge/backtest_ledger.hpp"
#include "alphaforge/backtest_records.hpp"
#include "alphaforge/bar.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/book_venue.hpp"
#include "alphaforge/data_engine.hpp"
#include "alphaforge/depth_book.hpp"
#include "alphaforge/execution_engine.hpp"
#include "alphaforge/market_data.hpp"
#include "alphaforge/order_latency.hpp"
#include "alphaforge/tick_fill_model.hpp"
#include "alphaforge/trade_tick.hpp"

namespace alphaforge {

struct TickBacktestConfig {
  BacktestConfig backtest;
  // An order (and, on a symbol with depth, a cancel) reaches the market this long after it is
  // sent: `latency_ns`, or when `latency_ts` is set, interpolated in time from the recorded
  // rows (latency_ts, latency_entry_ns, latency_response_ns) as OrderLatency does.
  std::int64_t latency_ns = 0;
  std::vector<std::int64_t> latency_ts;
  std::vector<std::int64_t> latency_entry_ns;
  std::vector<std::int64_t> latency_response_ns;
  // Order updates and fills reach the strategy this long after they happen at the venue (the
  // series' response column when set).
  std::int64_t response_latency_ns = 0;
  // The strategy sees market data this long after its timestamp: what it sends from a handler
  // leaves feed_latency_ns after the event. At most the response latency, so that nothing the
  // strategy learns arrives before what caused it was replayed.
  std::int64_t feed_latency_ns = 0;
  // How resting orders on a symbol with depth move up the queue of their level.
  QueueModel queue_model{QueueModelKind::kRiskAverse, 3.0};
  // The equity curve gets one point per interval with events, at the interval's end.
  std::int64_t equity_interval_ns = 60'000'000'000;
};

// Replays trades, quotes and L2 depth messages of several symbols merged in time order (events
// with equal timestamps in the order their series were added) through a DataEngine, which keeps the last
// prices and builds the bars strategies subscribed to. Orders on a symbol with depth fill on its
// recorded book (BookVenue: level by level, queue positions, partial fills); orders on other
// symbols by tick_fill.
//
// On a symbol with depth, an order, a cancel and a modify each reach the venue at their own
// time (sent + feed latency + entry latency), after the market events of that timestamp and
// before later ones; what the venue does to an order reaches the strategy after the response
// latency, before a market event of the same time (as hftbacktest orders them). Depth messages
// move the book and the queues; trades move the queues.
//
// On other symbols:
// Each event: bars it completes are handed out first, then orders that may trade on it fill,
// then it is handed to its subscribers. An order may fill on the first event, after the one
// being handled when it was sent, whose timestamp is at or past its send time plus the
// latency. An order sent from a time bar's handler may fill on the very event that completed
// the bar (the first trade of the next bar), which the strategy has not yet seen; one sent from
// a tick or volume bar's handler waits for the next event, since the bar holds the event that
// completed it. Cancels act at once. Prices are taken as recorded, on the grid or not.
class TickBacktest : public BacktestLedger {
 public:
  using BarHandler = std::function<void(const Bar&)>;
  using TradeHandler = std::function<void(const TradeTick&)>;
  using QuoteHandler = std::function<void(const QuoteTick&)>;
  // The symbol's book after one depth message was applied; valid during the call.
  using BookHandler = std::function<void(std::uint32_t symbol, const DepthBook&)>;

  explicit TickBacktest(const TickBacktestConfig& config);

  // Before the symbol's market data; std::invalid_argument after it.
  void add_instrument(const Instrument& instrument);
  // One symbol's trades (or quotes) as columns, timestamps never decreasing. Throws
  // std::invalid_argument naming the field and row for empty, unsorted or invalid data, a
  // symbol without an instrument when others have one, a slippage_price that is not whole
  // ticks of it or would push its lowest price to zero, or a second series of one kind.
  // `aggressor` (optional): each trade's taker, an AggressorSide value; on a symbol with depth
  // a buyer's trade reaches only our resting sells, a seller's only our buys.
  std::uint32_t add_trades(const std::string& symbol, const std::int64_t* ts, const double* price,
                           const double* size, std::size_t n,
                           const std::int8_t* aggressor = nullptr);
  std::uint32_t add_quotes(const std::string& symbol, const std::int64_t* ts, const double* bid,
                           const double* ask, const double* bid_size, const double* ask_size,
                           std::size_t n);

  // One symbol's L2 depth as rows (side: 1 bid, 0 ask; size absolute, 0 removes the level).
  // The rows of one message are contiguous and share ts and update_id; a message whose
  // snapshot flag is set replaces the whole book. The rows must already form a valid chain
  // (check_depth_chain). Depth messages update the book only: orders fill on trades and quotes.
  // Throws std::invalid_argument naming the field and row, and keeps nothing, for empty or
  // unsorted rows, a message whose rows differ in ts, a price that is not positive or off the
  // symbol's grid range, a size that is negative or not finite, or a second depth series.
  std::uint32_t add_depth(const std::string& symbol, const std::int64_t* ts,
                          const std::uint8_t* is_bid, const double* price, const double* size,
                          const std::int64_t* update_id, const std::uint8_t* snapshot,
                          std::size_t n);

  // Before run(). Bars are built from the symbol's trades.
  void subscribe_bars(std::string_view symbol, BarSpec spec, BarHandler handler);
  void subscribe_trades(std::string_view symbol);
  void subscribe_quotes(std::string_view symbol);
  void subscribe_book(std::string_view symbol);

  std::uint64_t submit(const OrderRequest& request);
  // With contingent terms: a trailing stop starts from the symbol's last trade (a buy from
  // the ask, a sell from the bid when it has only quotes) and, once it reached the market,
  // follows each later trade, or quote on its side, after the event was offered to it.
  std::uint64_t submit(const OrderRequest& request, const Contingency& terms);
  // The children are placed when the entry fills, and may fill from the next event on.
  std::uint64_t submit_bracket(const OrderRequest& entry, double stop_loss, double take_profit);
  // On a symbol with depth the cancel reaches the venue after the latency (the order may fill
  // meanwhile): true when the order is open now. Elsewhere BacktestLedger::cancel, at once.
  bool cancel(std::uint64_t id);
  // BacktestLedger::modify; a new price, stop or larger quantity reaches the market after the
  // latency, as a new order does.
  bool modify(std::uint64_t id, std::optional<double> price, std::optional<double> quantity,
              std::optional<double> stop_price);

  // Runs once over every event, then emits the open bars and marks the account a last time.
  void run(const TradeHandler& on_trade, const QuoteHandler& on_quote,
           const FillHandler& on_fill = {}, const OrderHandler& on_order = {},
           const BookHandler& on_book = {});

  // The strategy's clock: the time at the venue plus the feed latency, as it sees events.
  std::int64_t now_ns() const noexcept { return now_ + feed_latency_ns_; }

  std::optional<std::uint32_t> symbol_id(std::string_view symbol) const;
  std::size_t event_count() const noexcept;
  // The last trade of `symbol` replayed so far, else its quote mid; nothing before either.
  // (The account's marks move once an interval; a strategy asks between them.)
  std::optional<double> last_price(std::string_view symbol) const;

 private:
  enum class StreamKind : std::uint8_t { kTrades, kQuotes, kDepth };
  // One symbol's trades (a = price, b = size) or quotes (a..d = bid, ask, bid size, ask size);
  // for depth, ts holds one timestamp per message and the rows are in the symbol's DepthRows.
  struct Stream {
    StreamKind kind;
    std::uint32_t symbol;
    std::vector<std::int64_t> ts;
    std::vector<double> a, b, c, d;
    std::vector<std::int8_t> aggressor;  // trades: the taker's side, when recorded
  };
  // A symbol's depth messages: message m is rows [end[m - 1], end[m]).
  struct DepthRows {
    std::vector<std::size_t> end;
    std::vector<std::int64_t> update_id;
    std::vector<std::uint8_t> snapshot;
    std::vector<std::uint8_t> is_bid;  // per row
    std::vector<double> price, size;
  };
  struct SymbolState {
    bool has_trades = false;
    bool has_quotes = false;
    bool wants_trades = false;
    bool wants_quotes = false;
    bool wants_book = false;
    std::optional<BookVenue> venue;  // with depth data
    std::size_t depth = 0;          // its index in depths_
    TickMarket market{false, 0.0, false, 0.0, 0.0};
    bool traded = false;       // a print since the engine's marks were last set
    bool quoted = false;       // a quote since then
  };

  // What happens at its own time, between market events: an order or a cancel reaching a book
  // venue, or a notice reaching the strategy after the response latency.
  struct Timed {
    enum class Kind : std::uint8_t { kArrive, kCancel, kOrderNotice, kFillNotice };
    std::int64_t at;
    std::uint64_t seq;  // ties in `at`: first scheduled first
    Kind kind;
    std::uint64_t id;  // an order id, or a slot of the deferred records
    std::uint32_t send = 0;  // kArrive: which sending of the order (a modify sends it again)
    bool operator>(const Timed& other) const noexcept {
      return at != other.at ? at > other.at : seq > other.seq;
    }
  };

  // On a symbol with depth, a bracket's children reach the venue at once (they are the venue's
  // own orders once the entry fills).
  void child_placed(std::uint64_t id) override;

  std::uint32_t symbol_for(const std::string& symbol);
  bool on_book_venue(std::uint64_t id) const { return states_[orders_[id - 1].symbol].venue.has_value(); }
  void schedule(std::int64_t at, Timed::Kind kind, std::uint64_t id, std::uint32_t send = 0);
  // Forgets the venue's resting orders that ended elsewhere (an OCO sibling's fill, the
  // account, a margin call).
  void drop_closed(BookVenue& venue);
  // A slot for a notice on its way to the strategy, reused once it is delivered.
  template <typename Record>
  static std::size_t defer(std::vector<Record>& slots, std::vector<std::size_t>& free,
                           const Record& record);
  // When what the strategy sends now reaches the venue.
  std::int64_t arrival_ns() const;
  // Handles what is due at or before `until` (only the notices when `notices_only`).
  void run_timed(std::int64_t until, bool notices_only, const FillHandler& on_fill,
                 const OrderHandler& on_order);
  void arrive(std::uint64_t id, std::uint32_t send, const FillHandler& on_fill,
              const OrderHandler& on_order);
  // Book-venue orders of `symbol` that expired (GTD) by now, or whose stop this market reached.
  // `trade`: the print of a trade event; none for a depth message.
  void venue_orders_on_market(std::uint32_t symbol, std::optional<double> trade,
                              const FillHandler& on_fill, const OrderHandler& on_order);
  void send_to_venue(BacktestOrder& order, VenueEvents& out);
  void settle_venue_events(std::uint32_t symbol, const FillHandler& on_fill,
                           const OrderHandler& on_order);
  void check_prices(const std::string& symbol, const double* prices, std::size_t n) const;
  void apply_depth(std::uint32_t symbol, std::size_t message);
  // The symbol's market with, on a symbol with depth, its book's best bid and ask as the quote.
  TickMarket quote_of(const SymbolState& state) const;
  void fill_pending(std::uint32_t symbol, const FillHandler& on_fill,
                    const OrderHandler& on_order);
  void set_marks(const FillHandler& on_fill, const OrderHandler& on_order);
  // When the order may first fill; on a symbol with depth, its arrival at the venue.
  void time_order(BacktestOrder& order);
  std::optional<double> trail_reference(std::uint32_t symbol, OrderSide side) const;

  OrderLatency latency_;
  std::int64_t feed_latency_ns_;
  bool defers_notices_;  // a response latency
  QueueModel queue_model_;
  std::int64_t equity_interval_ns_;
  std::int64_t last_event_ns_ = 0;
  bool data_ended_ = false;
  OrderHandler deliver_order_;  // the strategy's, when notices are deferred
  FillHandler deliver_fill_;
  using DueQueue = std::priority_queue<Timed, std::vector<Timed>, std::greater<>>;
  DueQueue venue_due_;    // orders and cancels on their way to a book venue
  DueQueue notices_due_;  // what the strategy learns after the response latency
  std::uint64_t timed_seq_ = 0;
  std::vector<OrderRecord> deferred_orders_;
  std::vector<BacktestFill> deferred_fills_;
  std::vector<std::size_t> free_orders_, free_fills_;  // delivered slots
  VenueEvents venue_events_;  // scratch, reused
  DataEngine data_;
  std::vector<SymbolState> states_;  // by DataEngine symbol id, as the ledger's symbols
  std::vector<Stream> streams_;
  std::vector<DepthRows> depths_;
  std::uint64_t seq_ = 0;        // the event being handled
  bool seen_ = false;            // whether strategies have been handed that event
  bool ran_ = false;
};

}  // namespace alphaforge
