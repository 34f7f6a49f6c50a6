#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alphaforge/account.hpp"
#include "alphaforge/fees.hpp"
#include "alphaforge/instrument.hpp"
#include "alphaforge/latency_histogram.hpp"
#include "alphaforge/order.hpp"
#include "alphaforge/order_book.hpp"
#include "alphaforge/position.hpp"
#include "alphaforge/price_source.hpp"
#include "alphaforge/risk.hpp"
#include "alphaforge/stop_book.hpp"

namespace alphaforge {

// An order as a user writes it: doubles and names, converted and checked once on submit.
struct OrderRequest {
  std::string symbol;
  std::string strategy_id = "default";
  std::string client_order_id;  // empty: none; otherwise unique across the engine's orders
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kMarket;
  TimeInForce tif = TimeInForce::kGtc;
  double quantity = 0.0;
  std::optional<double> price;       // limit and stop-limit orders
  std::optional<double> stop_price;  // stop and stop-limit orders
  bool reduce_only = false;  // may shrink the strategy's position, never grow or flip it
};

struct Fill {
  std::uint64_t fill_id;
  std::uint64_t order_id;
  std::uint32_t strategy;
  std::uint32_t symbol;
  OrderSide side;
  Ticks price;
  Lots qty;
  double fee;
  Liquidity liquidity;
  std::int64_t ts_ns;
  // The venue's trade id for an external fill; the engine's own fill id otherwise.
  std::uint64_t trade_id;
};

struct AccountState {
  double starting_cash;
  double cash;
  double equity;
  double realized_pnl;
  double unrealized_pnl;
  double fees;
  double buying_power;  // what new orders may still spend (cash and spot: in the currency)
  double margin_used;   // margin accounts: the gross position value over the leverage
};

struct ExecutionStatistics {
  std::uint64_t orders_submitted = 0;
  std::uint64_t orders_accepted = 0;
  std::uint64_t orders_filled = 0;
  std::uint64_t orders_rejected = 0;
  std::uint64_t orders_canceled = 0;
  std::uint64_t orders_expired = 0;
  std::uint64_t fills = 0;
  std::uint64_t self_trades_prevented = 0;  // orders expired by self-trade prevention
  std::uint64_t duplicate_fills = 0;        // venue fills seen before, by trade id
  std::uint64_t stale_reports = 0;          // venue status reports the order had passed
  std::uint64_t margin_calls = 0;
  LatencyHistogram submit_latency_ns;
};

// Receives order updates and fills after the call that caused them has finished its work,
// in the order they happened, so a handler sees a consistent engine and may call back into it.
class ExecutionListener {
 public:
  virtual ~ExecutionListener() = default;
  virtual void on_order_update(const Order& order) = 0;
  virtual void on_fill(const Fill& fill) = 0;
};

// Lets the name maps be searched with a string_view, without building a std::string.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const noexcept {
    return std::hash<std::string_view>{}(name);
  }
};
template <typename Value>
using NameMap = std::unordered_map<std::string, Value, NameHash, std::equal_to<>>;

struct EngineConfig {
  RiskLimits risk;
  FeeSchedule fees;
  double starting_cash = 0.0;
  AccountConfig account;
  // Binance's default mode for spot symbols.
  SelfTradePrevention self_trade_prevention = SelfTradePrevention::kExpireMaker;
};

// Orders in, fills out: pre-trade risk and buying power, a simulated venue per symbol (an order
// book of the resting orders plus the last trade and quote of the market), positions per
// strategy and symbol, and the account. Orders may instead be matched by an external venue (a
// backtest's fill model, an exchange): the engine checks and tracks them, and applies the
// status reports and fills the venue sends back, each fill once. Single-threaded: one engine is
// driven by one thread at a time.
class ExecutionEngine {
 public:
  explicit ExecutionEngine(EngineConfig config = {}, const PriceSource* prices = nullptr);
  ~ExecutionEngine();
  ExecutionEngine(const ExecutionEngine&) = delete;
  ExecutionEngine& operator=(const ExecutionEngine&) = delete;

  // Once any instrument is registered, orders and prices for other symbols are refused; before
  // that each symbol trades on Instrument::fine_grid. Throws for a symbol already known.
  void add_instrument(const Instrument& instrument);
  const Instrument* instrument(std::string_view symbol) const;
  // The grid `symbol` trades on: its instrument, or Instrument::fine_grid while none is
  // registered. std::invalid_argument for an unregistered symbol once some are.
  Instrument trading_grid(std::string_view symbol) const;

  // Bad input (not on the grid, not positive, unknown symbol, duplicate client order id, a
  // price on a market order, ...) throws std::invalid_argument and changes nothing. Otherwise
  // the order is kept, and a risk or venue refusal makes it REJECTED with its reason.
  std::uint64_t submit(const OrderRequest& request);
  // An order filled in full at `price` as `liquidity` by a fill model outside the venue (a
  // backtest replaying recorded market data): checked and risk-checked like submit(), then
  // FILLED at that price with the fee of that liquidity, or REJECTED; the book is not touched.
  std::uint64_t submit_filled(const OrderRequest& request, double price, Liquidity liquidity);

  // External venue: checked like submit() (bad input throws; a risk or account refusal makes it
  // REJECTED), then held open without matching: ACCEPTED when `acknowledged`, else SUBMITTED
  // until the venue's report. `restored` re-enters an order the venue already holds (a restart
  // rebuilding its books from a journal): no risk or account check, since it passed them once.
  std::uint64_t submit_external(const OrderRequest& request, bool acknowledged,
                                bool restored = false);
  // A status the venue reports for an external order (ACCEPTED, CANCELED, EXPIRED, REJECTED).
  // False, counted in stale_reports, when the order has already moved past it.
  bool apply_status(std::uint64_t id, OrderStatus status, std::string reason = {});
  // A fill the venue reports: booked once per (symbol, trade_id), false for a repeat. `fee` in
  // the quote currency; nothing computes it from the fee schedule.
  bool apply_venue_fill(std::uint64_t id, std::uint64_t trade_id, double price, double qty,
                        Liquidity liquidity, std::optional<double> fee = std::nullopt);
  // A whole fill a replay's fill model proposes at `price`: the account decides how much of it
  // may happen (a cash account always lets the closing part through). Returns the lots filled;
  // when not all of the order's rest, the order ends REJECTED (the account could not pay) or
  // EXPIRED (a reduce-only order beyond the position), with the reason.
  Lots apply_simulated_fill(std::uint64_t id, double price, Liquidity liquidity);
  // A part of the order's rest, `lots` (at most its rest), as an order-book replay fills it.
  Lots apply_simulated_fill(std::uint64_t id, double price, Liquidity liquidity, Lots lots);
  // False when the order is no longer open; std::invalid_argument for an unknown id.
  bool cancel(std::uint64_t id);
  // New limit price, total quantity (more than what is filled) or stop price of an open order.
  // A refused change throws std::invalid_argument and leaves the order as it was.
  void modify(std::uint64_t id, std::optional<double> price, std::optional<double> quantity,
              std::optional<double> stop_price = std::nullopt);
  std::size_t cancel_all();
  void engage_kill_switch(bool cancel_open_orders);
  void release_kill_switch();
  bool kill_switch_engaged() const noexcept { return risk_.kill_switch_engaged(); }

  // Market data: a trade printed at `price` (fills resting orders it reaches, fires stops) and
  // the best bid and ask (fill resting orders they reach). Prices are what the venue or vendor
  // recorded: off the instrument's grid they are rounded to the nearest tick. A margin account
  // below its maintenance margin is liquidated here.
  void update_price(std::string_view symbol, double price);
  void update_quote(std::string_view symbol, double bid, double ask);
  // Fixes the clock (nanoseconds since the epoch) for deterministic replays; until it is
  // called the engine reads the system clock.
  void set_time(std::int64_t ts_ns);
  std::int64_t now_ns() const noexcept;

  const Order& order(std::uint64_t id) const;
  std::size_t order_count() const noexcept { return orders_.size(); }
  std::optional<std::uint64_t> find_client_order(std::string_view client_order_id) const;
  std::vector<const Order*> open_orders() const;
  const std::vector<Fill>& fills() const noexcept { return fills_; }

  struct PositionEntry {
    std::uint32_t strategy;
    std::uint32_t symbol;
    const Position* position;
  };
  std::vector<PositionEntry> positions() const;
  const Position* position(std::string_view symbol, std::string_view strategy_id) const;
  // The account's net position in `symbol` over all strategies.
  const Position* net_position(std::string_view symbol) const;
  std::optional<double> mark_price(std::uint32_t symbol) const;
  // Last trade, else the mid of the quote; nothing for an unknown symbol or one without prices.
  std::optional<double> mark_price(std::string_view symbol) const;
  AccountState account() const;
  // The parts of account() an equity curve needs, without the rest.
  double cash() const;
  double equity() const;
  const AccountConfig& account_config() const noexcept { return account_; }
  // Spot accounts: the balance of each asset, sorted by name (empty for other accounts).
  std::vector<std::pair<std::string, AssetBalance>> balances() const;
  // Sets an asset's balance as a venue reports it (live spot accounts follow the exchange); the
  // locked part never drops below what the engine's own open orders lock.
  void set_balance(const std::string& asset, double total, double locked);
  // Margin accounts: when equity is below the maintenance margin, every position is closed at
  // its mark price as a taker; returns the ids of the orders that did it (empty otherwise).
  std::vector<std::uint64_t> liquidate_if_margin_call();
  const ExecutionStatistics& statistics() const noexcept { return stats_; }

  const std::string& symbol_name(std::uint32_t symbol) const;
  const std::string& strategy_name(std::uint32_t strategy) const { return strategies_[strategy]; }
  const Instrument& instrument_of(std::uint32_t symbol) const;

  void set_listener(ExecutionListener* listener) noexcept { listener_ = listener; }
  // Where submit() and modify() read the market's last prices from (may be null).
  void set_price_source(const PriceSource* prices) noexcept { prices_ = prices; }

 private:
  struct Market;
  struct ExternalFill {
    Ticks price;
    Liquidity liquidity;
  };
  struct Event {
    bool is_fill;
    std::size_t index;  // into event_orders_ or fills_
  };

  Market* find_market(std::string_view symbol) const;
  Market& market_for(std::string_view symbol);  // creates a fine-grid market when allowed
  const Instrument& grid_for(std::string_view symbol, std::optional<Instrument>& scratch) const;
  std::uint32_t strategy_index(const std::string& name);
  void refresh(Market& m);
  std::optional<Ticks> taker_price(const Market& m, OrderSide side) const;
  struct SubmitMode {
    std::optional<ExternalFill> fill;  // filled at once at this price (submit_filled)
    bool external = false;             // matched by a venue outside the engine
    bool acknowledged = true;          // external: ACCEPTED at once, or SUBMITTED until reported
    bool forced = false;               // skips risk and account checks (a margin call's close)
  };
  std::uint64_t submit_order(const OrderRequest& request, const SubmitMode& mode);
  // Buying power and reduce-only rules; `reference` is the price the order is valued at.
  std::optional<std::string> account_refusal(const Market& m, const Order& order,
                                             Ticks reference) const;
  std::optional<std::string> reduce_only_refusal(const Market& m, const Order& order) const;
  // What the account lets fill of `lots` of `order` at `price` now.
  Lots account_allows(const Market& m, const Order& order, Ticks price, Lots lots,
                      Liquidity liquidity, std::string& reason) const;
  // Lots of `lots` in `side` that reduce `position` (signed lots); the rest would open.
  static Lots closing_lots(Lots position, OrderSide side, Lots lots) noexcept;
  // The cash flow (cash accounts) or margin (margin accounts) an open order reserves, or the
  // amount of its asset a spot order locks.
  double reservation(const Market& m, const Order& order) const;
  const FeeSchedule& fees_for(const Market& m) const noexcept;
  double margin_used() const;
  double asset_value(std::string_view asset) const;
  AssetBalance& asset(const std::string& name);
  void book_cash(const Market& m, OrderSide side, Lots qty, double price, double fee);
  void clip_reduce_only(Market& m, std::uint32_t strategy);
  std::uint16_t owner_of(const Order& order) const;
  void expire_self_trades(Market& m);
  void expire_self_trade_taker(Order& order);
  // `fill_price`: the price an external fill will take, in place of the market's.
  std::optional<std::string> venue_refusal(Market& m, const Order& order,
                                           const Ticks* fill_price) const;
  void execute(Market& m, Order& order);
  void execute_market(Market& m, Order& order);
  void execute_limit(Market& m, Order& order, Ticks limit);
  void fill_external(Market& m, Order& order, Ticks price);
  void apply_book_fills(Market& m);
  void apply_fill(Market& m, Order& order, Ticks price, Lots qty, Liquidity liquidity,
                  std::optional<double> fee = std::nullopt, std::uint64_t trade_id = 0);
  void fire_stops(Market& m, Ticks low, Ticks high);
  void finish_taker(Order& order);
  template <typename Change>
  void update(Order& order, Change&& change);
  void emit_order(const Order& order);
  void dispatch();
  Order& order_ref(std::uint64_t id);

  RiskEngine risk_;
  FeeSchedule fees_;
  AccountConfig account_;
  SelfTradePrevention stp_;
  double starting_cash_;
  double cash_;
  NameMap<AssetBalance> balances_;  // spot accounts
  std::vector<double> reserved_;  // id - 1 -> what the open order reserves (see reservation)
  double reserved_total_ = 0.0;   // cash and margin accounts
  const PriceSource* prices_;
  ExecutionListener* listener_ = nullptr;
  std::optional<std::int64_t> fixed_time_;

  std::vector<std::unique_ptr<Market>> markets_;
  NameMap<std::uint32_t> market_ids_;
  bool instruments_registered_ = false;
  std::vector<std::string> strategies_;
  NameMap<std::uint32_t> strategy_ids_;

  std::vector<Order> orders_;  // id - 1
  std::vector<std::uint32_t> open_slot_;  // id - 1 -> index in open_ids_, or kNotOpen
  std::vector<std::uint64_t> open_ids_;
  NameMap<std::uint64_t> client_ids_;
  std::unordered_map<std::uint64_t, Position> positions_;  // strategy << 32 | symbol
  std::vector<Fill> fills_;
  ExecutionStatistics stats_;

  std::vector<BookFill> book_fills_;
  std::vector<std::uint64_t> fired_;
  Ticks traded_low_ = 0;
  Ticks traded_high_ = 0;
  std::vector<Order> event_orders_;
  std::vector<Event> events_;
  bool dispatching_ = false;
};

}  // namespace alphaforge
