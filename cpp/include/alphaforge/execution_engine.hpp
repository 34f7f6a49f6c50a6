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
};

struct AccountState {
  double starting_cash;
  double cash;
  double equity;
  double realized_pnl;
  double unrealized_pnl;
  double fees;
};

struct ExecutionStatistics {
  std::uint64_t orders_submitted = 0;
  std::uint64_t orders_accepted = 0;
  std::uint64_t orders_filled = 0;
  std::uint64_t orders_rejected = 0;
  std::uint64_t orders_canceled = 0;
  std::uint64_t orders_expired = 0;
  std::uint64_t fills = 0;
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
};

// Orders in, fills out: pre-trade risk, a simulated venue per symbol (an order book of the
// resting orders plus the last trade and quote of the market), positions per strategy and
// symbol, and the account. Single-threaded: one engine is driven by one thread at a time.
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
  // the best bid and ask (fill resting orders they reach).
  void update_price(std::string_view symbol, double price);
  void update_quote(std::string_view symbol, double bid, double ask);
  // Fixes the clock (nanoseconds since the epoch) for deterministic replays; until it is
  // called the engine reads the system clock.
  void set_time(std::int64_t ts_ns);
  std::int64_t now_ns() const noexcept;

  const Order& order(std::uint64_t id) const;
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
  const ExecutionStatistics& statistics() const noexcept { return stats_; }

  const std::string& symbol_name(std::uint32_t symbol) const;
  const std::string& strategy_name(std::uint32_t strategy) const { return strategies_[strategy]; }
  const Instrument& instrument_of(std::uint32_t symbol) const;

  void set_listener(ExecutionListener* listener) noexcept { listener_ = listener; }

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
  std::uint64_t submit_order(const OrderRequest& request, std::optional<ExternalFill> external);
  // `fill_price`: the price an external fill will take, in place of the market's.
  std::optional<std::string> venue_refusal(Market& m, const Order& order,
                                           const Ticks* fill_price) const;
  void execute(Market& m, Order& order);
  void execute_market(Market& m, Order& order);
  void execute_limit(Market& m, Order& order, Ticks limit);
  void fill_external(Market& m, Order& order, Ticks price);
  void apply_book_fills(Market& m);
  void apply_fill(Market& m, Order& order, Ticks price, Lots qty, Liquidity liquidity);
  void fire_stops(Market& m, Ticks low, Ticks high);
  void finish_taker(Order& order);
  template <typename Change>
  void update(Order& order, Change&& change);
  void emit_order(const Order& order);
  void dispatch();
  Order& order_ref(std::uint64_t id);

  RiskEngine risk_;
  FeeSchedule fees_;
  double starting_cash_;
  double cash_;
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
