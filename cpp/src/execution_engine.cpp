#include "alphaforge/execution_engine.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <stdexcept>
#include <utility>

#include "execution_market.hpp"

namespace alphaforge {
namespace {

// Taker id of the fills that market data (a trade or a quote elsewhere) makes against the book.
constexpr std::uint64_t kMarketTaker = 0;

bool crosses(OrderSide taker, Ticks limit, Ticks price) noexcept {
  return taker == OrderSide::kBuy ? price <= limit : price >= limit;
}

// A buy stop fires on a trade at or above its stop, a sell stop at or below.
bool stop_reached(OrderSide side, Ticks stop, Ticks trade) noexcept {
  return side == OrderSide::kBuy ? trade >= stop : trade <= stop;
}

std::int64_t system_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ExecutionEngine::ExecutionEngine(EngineConfig config, const PriceSource* prices)
    : risk_(config.risk),
      fees_(config.fees),
      account_(std::move(config.account)),
      stp_(config.self_trade_prevention),
      starting_cash_(config.starting_cash),
      cash_(config.starting_cash),
      prices_(prices) {
  fees_.validate();
  account_.validate();
  if (!std::isfinite(starting_cash_)) {
    throw std::invalid_argument("cash must be finite, got " + to_decimal(starting_cash_));
  }
  if (account_.type == AccountType::kSpot) {
    for (const auto& [name, amount] : account_.balances) asset(name).total += amount;
    asset(account_.currency).total += starting_cash_;
    cash_ = asset(account_.currency).total;
    starting_cash_ = equity();
  }
}

ExecutionEngine::~ExecutionEngine() = default;

void ExecutionEngine::add_instrument(const Instrument& instrument) {
  if (market_ids_.contains(instrument.symbol())) {
    throw std::invalid_argument("instrument '" + instrument.symbol() + "' is already registered");
  }
  const auto index = static_cast<std::uint32_t>(markets_.size());
  markets_.push_back(std::make_unique<Market>(instrument, index));
  market_ids_.emplace(instrument.symbol(), index);
  instruments_registered_ = true;
}

const Instrument* ExecutionEngine::instrument(std::string_view symbol) const {
  const Market* m = find_market(symbol);
  return m == nullptr ? nullptr : &m->instrument;
}

ExecutionEngine::Market* ExecutionEngine::find_market(std::string_view symbol) const {
  const auto it = market_ids_.find(symbol);
  return it == market_ids_.end() ? nullptr : markets_[it->second].get();
}

const Instrument& ExecutionEngine::grid_for(std::string_view symbol,
                                            std::optional<Instrument>& scratch) const {
  if (symbol.empty()) throw std::invalid_argument("symbol must not be empty");
  if (const Market* m = find_market(symbol)) return m->instrument;
  if (instruments_registered_) {
    throw std::invalid_argument("symbol '" + std::string(symbol) +
                                "' is not a registered instrument");
  }
  return scratch.emplace(Instrument::fine_grid(std::string(symbol)));
}

Instrument ExecutionEngine::trading_grid(std::string_view symbol) const {
  std::optional<Instrument> scratch;
  return grid_for(symbol, scratch);
}

ExecutionEngine::Market& ExecutionEngine::market_for(std::string_view symbol) {
  if (Market* m = find_market(symbol)) return *m;
  const auto index = static_cast<std::uint32_t>(markets_.size());
  markets_.push_back(std::make_unique<Market>(Instrument::fine_grid(std::string(symbol)), index));
  market_ids_.emplace(std::string(symbol), index);
  return *markets_.back();
}

std::uint32_t ExecutionEngine::strategy_index(const std::string& name) {
  const auto [it, added] =
      strategy_ids_.try_emplace(name, static_cast<std::uint32_t>(strategies_.size()));
  if (added) strategies_.push_back(name);
  return it->second;
}

const std::string& ExecutionEngine::symbol_name(std::uint32_t symbol) const {
  return markets_[symbol]->instrument.symbol();
}

const Instrument& ExecutionEngine::instrument_of(std::uint32_t symbol) const {
  return markets_[symbol]->instrument;
}

std::int64_t ExecutionEngine::now_ns() const noexcept {
  return fixed_time_ ? *fixed_time_ : system_now_ns();
}

void ExecutionEngine::set_time(std::int64_t ts_ns) {
  if (fixed_time_ && ts_ns < *fixed_time_) {
    throw std::invalid_argument("time must not go backwards: " + std::to_string(ts_ns) + " < " +
                                std::to_string(*fixed_time_));
  }
  fixed_time_ = ts_ns;
}

void ExecutionEngine::refresh(Market& m) {
  if (prices_ == nullptr) return;
  const std::string& symbol = m.instrument.symbol();
  if (const auto last = prices_->last_trade(symbol)) {
    m.last = m.instrument.nearest_ticks(last->price, "last price from the data engine");
  }
  if (const auto quote = prices_->best_quote(symbol)) {
    m.bid = m.instrument.nearest_ticks(quote->bid, "bid from the data engine");
    m.ask = m.instrument.nearest_ticks(quote->ask, "ask from the data engine");
  }
}

std::optional<Ticks> ExecutionEngine::taker_price(const Market& m, OrderSide side) const {
  const auto& quote = side == OrderSide::kBuy ? m.ask : m.bid;
  return quote ? quote : m.last;
}

std::uint64_t ExecutionEngine::submit(const OrderRequest& request) {
  return submit_order(request, SubmitMode{});
}

std::uint64_t ExecutionEngine::submit_filled(const OrderRequest& request, double price,
                                             Liquidity liquidity) {
  std::optional<Instrument> scratch;
  const Ticks ticks = grid_for(request.symbol, scratch).price_to_ticks(price, "fill price");
  if (ticks <= 0) throw std::invalid_argument("fill price must be positive, got " + to_decimal(price));
  SubmitMode mode;
  mode.fill = ExternalFill{ticks, liquidity};
  return submit_order(request, mode);
}

std::uint64_t ExecutionEngine::submit_order(const OrderRequest& request, const SubmitMode& mode) {
  const std::optional<ExternalFill>& external = mode.fill;
  const auto started = std::chrono::steady_clock::now();
  std::optional<Instrument> scratch;
  const Instrument& grid = grid_for(request.symbol, scratch);
  const Lots qty = grid.qty_to_lots(request.quantity, "quantity");
  if (grid.min_qty() > 0.0 && qty < grid.qty_to_lots(grid.min_qty(), "min_qty")) {
    throw std::invalid_argument("quantity " + to_decimal(request.quantity) + " is below min_qty " +
                                to_decimal(grid.min_qty()) + " of " + grid.symbol());
  }
  const bool has_limit = request.type == OrderType::kLimit || request.type == OrderType::kStopLimit;
  const bool has_stop = request.type == OrderType::kStop || request.type == OrderType::kStopLimit;
  const std::string type_name(to_string(request.type));
  if (has_limit != request.price.has_value()) {
    throw std::invalid_argument(has_limit ? "price is required for a " + type_name + " order"
                                          : "a " + type_name + " order takes no price");
  }
  if (has_stop != request.stop_price.has_value()) {
    throw std::invalid_argument(has_stop ? "stop_price is required for a " + type_name + " order"
                                         : "a " + type_name + " order takes no stop_price");
  }
  const Ticks price = has_limit ? grid.price_to_ticks(*request.price, "price") : 0;
  const Ticks stop = has_stop ? grid.price_to_ticks(*request.stop_price, "stop_price") : 0;
  if (request.tif == TimeInForce::kPostOnly && !has_limit) {
    throw std::invalid_argument("time_in_force POST_ONLY needs a limit price; a " + type_name +
                                " order has none");
  }
  if (request.strategy_id.empty()) throw std::invalid_argument("strategy_id must not be empty");
  if (!request.client_order_id.empty() && client_ids_.contains(request.client_order_id)) {
    throw std::invalid_argument("client_order_id '" + request.client_order_id +
                                "' is already used");
  }

  Market& m = market_for(request.symbol);
  refresh(m);
  const std::int64_t now = now_ns();
  const std::uint64_t id = orders_.size() + 1;
  const std::uint32_t strategy = strategy_index(request.strategy_id);
  orders_.emplace_back();
  open_slot_.push_back(kNotOpen);
  reserved_.push_back(0.0);
  Order& o = orders_.back();
  o.id = id;
  o.client_order_id = request.client_order_id;
  o.strategy = strategy;
  o.symbol = m.index;
  o.side = request.side;
  o.type = request.type;
  o.tif = request.tif;
  o.price = price;
  o.stop_price = stop;
  o.quantity = qty;
  o.reduce_only = request.reduce_only;
  o.external = mode.external;
  o.ts_created_ns = now;
  o.ts_updated_ns = now;
  if (!o.client_order_id.empty()) client_ids_.emplace(o.client_order_id, id);
  ++stats_.orders_submitted;
  traded_low_ = std::numeric_limits<Ticks>::max();
  traded_high_ = std::numeric_limits<Ticks>::min();

  const Instrument& inst = m.instrument;
  // What the order is valued at for risk and buying power: as backtrader's broker, a stop
  // (stop-limit too) at its trigger, a limit at its limit, a market order at the market.
  std::optional<Ticks> reference = external     ? external->price
                                   : has_stop   ? stop
                                   : has_limit  ? price
                                                : taker_price(m, o.side);
  if (!reference) {
    if (const auto inside = m.book.best(opposite(o.side))) reference = inside->price;
  }
  o.reference_price = reference.value_or(0);
  const Lots open_same = o.side == OrderSide::kBuy ? m.open_buy : m.open_sell;
  const RiskCheck check{
      inst.lots_to_qty(qty),
      reference ? std::optional<double>(inst.notional(*reference, qty)) : std::nullopt,
      m.net.quantity(),
      static_cast<double>(m.net.qty() + sign_of(o.side) * (open_same + qty)) * inst.lot_size(),
      open_ids_.size(),
      now,
      true};
  std::optional<std::string> refusal;
  if (!mode.forced) {
    refusal = risk_.check(check);
    if (!refusal) refusal = reduce_only_refusal(m, o);
    if (!refusal && reference) refusal = account_refusal(m, o, *reference);
    if (!refusal && !mode.external) {
      refusal = venue_refusal(m, o, external ? &external->price : nullptr);
    }
  }
  if (refusal) {
    update(o, [&] { o.reject(std::move(*refusal), now); });
    ++stats_.orders_rejected;
  } else {
    if (!mode.forced) risk_.record(now);
    if (mode.external && !mode.acknowledged) {
      update(o, [&] { o.transition(OrderStatus::kSubmitted, now); });
    } else {
      update(o, [&] { o.accept(now); });
      ++stats_.orders_accepted;
    }
    if (external) {
      apply_fill(m, o, external->price, o.quantity, external->liquidity);
    } else if (!mode.external) {
      execute(m, o);
      fire_stops(m, traded_low_, traded_high_);
    }
  }
  stats_.submit_latency_ns.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                           started)
          .count()));
  dispatch();
  return id;
}

std::optional<std::string> ExecutionEngine::venue_refusal(Market& m, const Order& o,
                                                          const Ticks* fill_price) const {
  const Instrument& inst = m.instrument;
  const auto market = fill_price != nullptr ? std::optional<Ticks>(*fill_price)
                                            : taker_price(m, o.side);
  const auto inside = m.book.best(opposite(o.side));
  if (o.type == OrderType::kMarket && !market && !inside) {
    return "no market price known for " + inst.symbol() +
           ": call update_price or update_quote, or attach a data engine";
  }
  if (o.tif == TimeInForce::kPostOnly && o.type == OrderType::kLimit) {
    if ((market && crosses(o.side, o.price, *market)) ||
        (inside && crosses(o.side, o.price, inside->price))) {
      return "post-only order at " + to_decimal(inst.ticks_to_price(o.price)) +
             " would take liquidity";
    }
  }
  if (inst.min_notional() > 0.0) {
    const auto at = o.price != 0 ? std::optional<Ticks>(o.price)
                    : o.stop_price != 0 ? std::optional<Ticks>(o.stop_price)
                    : market ? market
                    : inside ? std::optional<Ticks>(inside->price)
                             : std::nullopt;
    if (at && inst.notional(*at, o.quantity) < inst.min_notional()) {
      return "notional " + to_decimal(inst.notional(*at, o.quantity)) + " is below min_notional " +
             to_decimal(inst.min_notional());
    }
  }
  return std::nullopt;
}

void ExecutionEngine::execute(Market& m, Order& o) {
  switch (o.type) {
    case OrderType::kMarket:
      execute_market(m, o);
      return;
    case OrderType::kLimit:
      execute_limit(m, o, o.price);
      return;
    case OrderType::kStop:
    case OrderType::kStopLimit:
      if (m.last && stop_reached(o.side, o.stop_price, *m.last)) {
        update(o, [&] { o.triggered = true; });
        if (o.type == OrderType::kStop) {
          execute_market(m, o);
        } else {
          execute_limit(m, o, o.price);
        }
      } else {
        m.stops.add(o.id, o.side, o.stop_price);
      }
      return;
  }
}

void ExecutionEngine::execute_market(Market& m, Order& o) {
  const auto market = taker_price(m, o.side);
  const Lots leaves = o.quantity - o.filled;
  const SelfTrade self{owner_of(o), stp_};
  book_fills_.clear();
  // Our resting orders priced at or better than the market trade first; the market takes the
  // rest at its own price.
  BookResult result = BookResult::kCanceled;
  if (market) {
    const auto inside = m.book.best(opposite(o.side));
    if (inside && crosses(o.side, *market, inside->price)) {
      result =
          m.book.add_limit(o.id, o.side, *market, leaves, TimeInForce::kIoc, book_fills_, self)
              .result;
    }
  } else {
    const TimeInForce tif = o.tif == TimeInForce::kFok ? TimeInForce::kFok : TimeInForce::kIoc;
    result = m.book.add_market(o.id, o.side, leaves, book_fills_, tif, self).result;
  }
  apply_book_fills(m);
  expire_self_trades(m);
  if (result == BookResult::kSelfTrade) {
    expire_self_trade_taker(o);
    return;
  }
  if (o.is_open() && market) fill_external(m, o, *market);
  finish_taker(o);
}

std::uint16_t ExecutionEngine::owner_of(const Order& o) const {
  if (stp_ == SelfTradePrevention::kNone) return 0;
  if (o.strategy >= UINT16_MAX) {
    throw std::invalid_argument("self-trade prevention tells at most 65534 strategies apart");
  }
  return static_cast<std::uint16_t>(o.strategy + 1);
}

void ExecutionEngine::expire_self_trades(Market& m) {
  for (const ExpiredMaker& maker : m.book.expired_makers()) {
    Order& resting = order_ref(maker.order_id);
    update(resting, [&] {
      resting.reject_reason = "self-trade prevention: an order of the same strategy crossed it";
      resting.expire(now_ns());
    });
    ++stats_.orders_expired;
    ++stats_.self_trades_prevented;
  }
}

void ExecutionEngine::expire_self_trade_taker(Order& o) {
  if (!o.is_open()) return;
  update(o, [&] {
    o.reject_reason = "self-trade prevention: it would have traded with an order of the same "
                      "strategy";
    o.expire(now_ns());
  });
  ++stats_.orders_expired;
  ++stats_.self_trades_prevented;
}

void ExecutionEngine::execute_limit(Market& m, Order& o, Ticks limit) {
  const auto market = taker_price(m, o.side);
  const Lots leaves = o.quantity - o.filled;
  book_fills_.clear();
  if (market && crosses(o.side, limit, *market)) {
    if (o.tif == TimeInForce::kPostOnly) {
      // Only a triggered stop-limit gets here: a new post-only order was refused up front.
      update(o, [&] {
        o.reject_reason = "post-only order would take liquidity when its stop fired";
        o.expire(now_ns());
      });
      ++stats_.orders_expired;
      return;
    }
    const auto inside = m.book.best(opposite(o.side));
    BookResult result = BookResult::kCanceled;
    if (inside && crosses(o.side, *market, inside->price)) {
      result = m.book.add_limit(o.id, o.side, *market, leaves, TimeInForce::kIoc, book_fills_,
                                SelfTrade{owner_of(o), stp_})
                   .result;
    }
    apply_book_fills(m);
    expire_self_trades(m);
    if (result == BookResult::kSelfTrade) {
      expire_self_trade_taker(o);
      return;
    }
    if (o.is_open()) fill_external(m, o, *market);
    return;
  }
  const AddOutcome outcome = m.book.add_limit(o.id, o.side, limit, leaves, o.tif, book_fills_,
                                              SelfTrade{owner_of(o), stp_});
  apply_book_fills(m);
  expire_self_trades(m);
  if (outcome.result == BookResult::kSelfTrade) {
    expire_self_trade_taker(o);
  } else if (outcome.result == BookResult::kWouldCross) {
    update(o, [&] {
      o.reject_reason = "post-only order would take liquidity when its stop fired";
      o.expire(now_ns());
    });
    ++stats_.orders_expired;
  } else if (outcome.result != BookResult::kRested) {
    finish_taker(o);
  }
}

void ExecutionEngine::fill_external(Market& m, Order& o, Ticks price) {
  apply_fill(m, o, price, o.quantity - o.filled, Liquidity::kTaker);
}

void ExecutionEngine::finish_taker(Order& o) {
  if (!o.is_open()) return;
  update(o, [&] { o.expire(now_ns()); });
  ++stats_.orders_expired;
}

void ExecutionEngine::apply_book_fills(Market& m) {
  for (const BookFill& f : book_fills_) {
    apply_fill(m, order_ref(f.maker_order_id), f.price, f.qty, Liquidity::kMaker);
    if (f.taker_order_id != kMarketTaker) {
      apply_fill(m, order_ref(f.taker_order_id), f.price, f.qty, Liquidity::kTaker);
    }
  }
  book_fills_.clear();
}

void ExecutionEngine::apply_fill(Market& m, Order& o, Ticks price, Lots qty, Liquidity liquidity,
                                 std::optional<double> venue_fee, std::uint64_t trade_id) {
  const std::int64_t now = now_ns();
  const Instrument& inst = m.instrument;
  const double px = inst.ticks_to_price(price);
  const double rate = liquidity == Liquidity::kMaker ? fees_for(m).maker_rate
                                                     : fees_for(m).taker_rate;
  const double fee = venue_fee ? *venue_fee : rate * inst.notional(price, qty);
  book_cash(m, o.side, qty, px, fee);
  const std::uint64_t key = (std::uint64_t{o.strategy} << 32) | m.index;
  positions_.try_emplace(key, inst.lot_size(), inst.multiplier())
      .first->second.apply_fill(o.side, qty, px, fee);
  m.net.apply_fill(o.side, qty, px, fee);
  const std::uint64_t fill_id = fills_.size() + 1;
  fills_.push_back(Fill{fill_id, o.id, o.strategy, m.index, o.side, price, qty, fee, liquidity,
                        now, trade_id != 0 ? trade_id : fill_id});
  ++stats_.fills;
  traded_low_ = std::min(traded_low_, price);
  traded_high_ = std::max(traded_high_, price);
  if (listener_ != nullptr) events_.push_back(Event{true, fills_.size() - 1});
  if (is_terminal(o.status)) {
    // A venue's fill that arrives after the order's end (the trade came first): booked, and
    // the order keeps its final status with the quantity it really filled.
    o.filled += qty;
    o.fill_notional_ticks += static_cast<WideTicks>(price) * qty;
    o.ts_updated_ns = now;
    emit_order(o);
  } else {
    update(o, [&] { o.fill(price, qty, now); });
    if (o.status == OrderStatus::kFilled) ++stats_.orders_filled;
  }
  clip_reduce_only(m, o.strategy);
}

void ExecutionEngine::fire_stops(Market& m, Ticks low, Ticks high) {
  while (low <= high && m.stops.size() != 0) {
    fired_.clear();
    m.stops.collect_triggered(low, high, fired_);
    if (fired_.empty()) return;
    traded_low_ = std::numeric_limits<Ticks>::max();
    traded_high_ = std::numeric_limits<Ticks>::min();
    // Executing a fired stop never fires stops itself, so fired_ is stable in this loop.
    for (const std::uint64_t id : fired_) {
      Order& o = order_ref(id);
      update(o, [&] { o.triggered = true; });
      if (o.type == OrderType::kStop) {
        execute_market(m, o);
      } else {
        execute_limit(m, o, o.price);
      }
    }
    low = traded_low_;
    high = traded_high_;
  }
}

void ExecutionEngine::emit_order(const Order& o) {
  if (listener_ == nullptr) return;
  event_orders_.push_back(o);
  events_.push_back(Event{false, event_orders_.size() - 1});
}

void ExecutionEngine::dispatch() {
  if (listener_ == nullptr || dispatching_) {
    if (listener_ == nullptr) {
      events_.clear();
      event_orders_.clear();
    }
    return;
  }
  dispatching_ = true;
  std::exception_ptr first_error;
  // A handler may submit or cancel: the events that causes are appended and delivered here.
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const Event event = events_[i];
    try {
      if (event.is_fill) {
        const Fill fill = fills_[event.index];
        listener_->on_fill(fill);
      } else {
        const Order snapshot = event_orders_[event.index];
        listener_->on_order_update(snapshot);
      }
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  events_.clear();
  event_orders_.clear();
  dispatching_ = false;
  if (first_error) std::rethrow_exception(first_error);
}

Order& ExecutionEngine::order_ref(std::uint64_t id) {
  if (id == 0 || id > orders_.size()) {
    throw std::invalid_argument("order id " + std::to_string(id) + " is unknown");
  }
  return orders_[id - 1];
}

const Order& ExecutionEngine::order(std::uint64_t id) const {
  if (id == 0 || id > orders_.size()) {
    throw std::invalid_argument("order id " + std::to_string(id) + " is unknown");
  }
  return orders_[id - 1];
}

std::optional<std::uint64_t> ExecutionEngine::find_client_order(
    std::string_view client_order_id) const {
  const auto it = client_ids_.find(client_order_id);
  if (it == client_ids_.end()) return std::nullopt;
  return it->second;
}

bool ExecutionEngine::cancel(std::uint64_t id) {
  Order& o = order_ref(id);
  if (!o.is_open()) return false;
  Market& m = *markets_[o.symbol];
  if (!m.book.cancel(id)) m.stops.remove(id);
  update(o, [&] { o.cancel(now_ns()); });
  ++stats_.orders_canceled;
  dispatch();
  return true;
}

std::size_t ExecutionEngine::cancel_all() {
  const std::vector<std::uint64_t> open = open_ids_;
  for (const std::uint64_t id : open) {
    Order& o = orders_[id - 1];
    Market& m = *markets_[o.symbol];
    if (!m.book.cancel(id)) m.stops.remove(id);
    update(o, [&] { o.cancel(now_ns()); });
    ++stats_.orders_canceled;
  }
  dispatch();
  return open.size();
}

void ExecutionEngine::engage_kill_switch(bool cancel_open_orders) {
  risk_.engage_kill_switch();
  if (cancel_open_orders) cancel_all();
}

void ExecutionEngine::release_kill_switch() { risk_.release_kill_switch(); }

void ExecutionEngine::modify(std::uint64_t id, std::optional<double> price,
                             std::optional<double> quantity, std::optional<double> stop_price) {
  // The price source may run Python code, which may call into this engine: refresh before
  // holding a reference into the order table.
  refresh(*markets_[order_ref(id).symbol]);
  Order& o = order_ref(id);
  if (!o.is_open()) {
    throw std::invalid_argument("order " + std::to_string(id) + " is " +
                                std::string(to_string(o.status)) + " and cannot be modified");
  }
  if (!price && !quantity && !stop_price) {
    throw std::invalid_argument("modify needs a new price, quantity or stop_price");
  }
  const bool has_limit = o.type == OrderType::kLimit || o.type == OrderType::kStopLimit;
  const bool pending_stop =
      (o.type == OrderType::kStop || o.type == OrderType::kStopLimit) && !o.triggered;
  if (price && !has_limit) {
    throw std::invalid_argument("a " + std::string(to_string(o.type)) + " order has no price");
  }
  if (stop_price && !pending_stop) {
    throw std::invalid_argument("order " + std::to_string(id) + " has no pending stop_price");
  }
  Market& m = *markets_[o.symbol];
  const Instrument& inst = m.instrument;
  const Ticks new_price = price ? inst.price_to_ticks(*price, "price") : o.price;
  const Lots new_qty = quantity ? inst.qty_to_lots(*quantity, "quantity") : o.quantity;
  const Ticks new_stop = stop_price ? inst.price_to_ticks(*stop_price, "stop_price") : o.stop_price;
  if (new_qty <= o.filled) {
    throw std::invalid_argument("quantity " + to_decimal(inst.lots_to_qty(new_qty)) +
                                " must exceed the filled quantity " +
                                to_decimal(inst.lots_to_qty(o.filled)));
  }
  const Lots new_leaves = new_qty - o.filled;
  const Lots open_same = (o.side == OrderSide::kBuy ? m.open_buy : m.open_sell) - o.leaves();
  const Ticks reference = has_limit ? new_price : new_stop;
  const RiskCheck check{
      inst.lots_to_qty(new_qty),
      inst.notional(reference, new_qty),
      m.net.quantity(),
      static_cast<double>(m.net.qty() + sign_of(o.side) * (open_same + new_leaves)) *
          inst.lot_size(),
      0,
      now_ns(),
      false};
  if (auto refusal = risk_.check(check)) {
    throw std::invalid_argument("modify of order " + std::to_string(id) + " refused: " + *refusal);
  }
  const auto market = taker_price(m, o.side);
  if (o.tif == TimeInForce::kPostOnly && has_limit && !pending_stop && !o.external) {
    const auto inside = m.book.best(opposite(o.side));
    if ((market && crosses(o.side, new_price, *market)) ||
        (inside && crosses(o.side, new_price, inside->price))) {
      throw std::invalid_argument("post-only order " + std::to_string(id) + " at " +
                                  to_decimal(inst.ticks_to_price(new_price)) +
                                  " would take liquidity");
    }
  }

  const std::int64_t now = now_ns();
  traded_low_ = std::numeric_limits<Ticks>::max();
  traded_high_ = std::numeric_limits<Ticks>::min();
  const auto set_fields = [&] {
    o.price = new_price;
    o.quantity = new_qty;
    o.stop_price = new_stop;
    o.ts_updated_ns = now;
  };
  if (o.external) {
    // The venue outside (a replay's fill model) matches it; here only the terms and the
    // buying power it holds change.
    update(o, [&] {
      set_fields();
      // Valued as at submit: a stop (stop-limit too) at its trigger, a limit at its limit.
      if (o.type == OrderType::kLimit) o.reference_price = new_price;
      if (o.type == OrderType::kStop || o.type == OrderType::kStopLimit) {
        o.reference_price = new_stop;
      }
    });
    dispatch();
    return;
  }
  if (pending_stop) {
    m.stops.remove(id);
    update(o, set_fields);
    execute(m, o);
  } else if (market && crosses(o.side, new_price, *market)) {
    m.book.cancel(id);
    update(o, set_fields);
    execute_limit(m, o, new_price);
  } else {
    update(o, set_fields);
    book_fills_.clear();
    const BookResult result = m.book.modify(id, new_price, new_leaves, book_fills_).result;
    apply_book_fills(m);
    expire_self_trades(m);
    if (result == BookResult::kSelfTrade) expire_self_trade_taker(o);
  }
  fire_stops(m, traded_low_, traded_high_);
  dispatch();
}

void ExecutionEngine::update_price(std::string_view symbol, double price) {
  Market* known = find_market(symbol);  // one lookup on the path every tick takes
  std::optional<Instrument> scratch;
  const Instrument& grid = known != nullptr ? known->instrument : grid_for(symbol, scratch);
  const Ticks ticks = grid.nearest_ticks(price, "price");
  Market& m = known != nullptr ? *known : market_for(symbol);
  m.last = ticks;
  traded_low_ = ticks;
  traded_high_ = ticks;
  // A trade at `price` reaches every resting buy at or above it and every sell at or below.
  // (A backtest's orders wait in its replay, not here: its marks skip the empty book.)
  if (m.book.order_count() != 0) {
    book_fills_.clear();
    m.book.sweep(OrderSide::kBuy, ticks, kMarketTaker, book_fills_);
    m.book.sweep(OrderSide::kSell, ticks, kMarketTaker, book_fills_);
    apply_book_fills(m);
  }
  fire_stops(m, traded_low_, traded_high_);
  liquidate_if_margin_call();
  dispatch();
}

void ExecutionEngine::update_quote(std::string_view symbol, double bid, double ask) {
  Market* known = find_market(symbol);
  std::optional<Instrument> scratch;
  const Instrument& grid = known != nullptr ? known->instrument : grid_for(symbol, scratch);
  const Ticks bid_ticks = grid.nearest_ticks(bid, "bid");
  const Ticks ask_ticks = grid.nearest_ticks(ask, "ask");
  if (bid_ticks > ask_ticks) {
    throw std::invalid_argument("bid " + to_decimal(bid) + " is above ask " + to_decimal(ask));
  }
  Market& m = known != nullptr ? *known : market_for(symbol);
  m.bid = bid_ticks;
  m.ask = ask_ticks;
  // An ask at or below a resting buy fills it at the buy's price; a bid likewise for sells.
  book_fills_.clear();
  m.book.sweep(OrderSide::kBuy, ask_ticks, kMarketTaker, book_fills_);
  m.book.sweep(OrderSide::kSell, bid_ticks, kMarketTaker, book_fills_);
  traded_low_ = std::numeric_limits<Ticks>::max();
  traded_high_ = std::numeric_limits<Ticks>::min();
  apply_book_fills(m);
  fire_stops(m, traded_low_, traded_high_);
  liquidate_if_margin_call();
  dispatch();
}

std::vector<const Order*> ExecutionEngine::open_orders() const {
  std::vector<std::uint64_t> ids = open_ids_;
  std::sort(ids.begin(), ids.end());
  std::vector<const Order*> out;
  out.reserve(ids.size());
  for (const std::uint64_t id : ids) out.push_back(&orders_[id - 1]);
  return out;
}

std::vector<ExecutionEngine::PositionEntry> ExecutionEngine::positions() const {
  std::vector<PositionEntry> out;
  out.reserve(positions_.size());
  for (const auto& [key, position] : positions_) {
    out.push_back({static_cast<std::uint32_t>(key >> 32), static_cast<std::uint32_t>(key),
                   &position});
  }
  std::sort(out.begin(), out.end(), [](const PositionEntry& a, const PositionEntry& b) {
    return a.strategy != b.strategy ? a.strategy < b.strategy : a.symbol < b.symbol;
  });
  return out;
}

const Position* ExecutionEngine::position(std::string_view symbol,
                                          std::string_view strategy_id) const {
  const Market* m = find_market(symbol);
  const auto s = strategy_ids_.find(strategy_id);
  if (m == nullptr || s == strategy_ids_.end()) return nullptr;
  const auto it = positions_.find((std::uint64_t{s->second} << 32) | m->index);
  return it == positions_.end() ? nullptr : &it->second;
}

const Position* ExecutionEngine::net_position(std::string_view symbol) const {
  const Market* m = find_market(symbol);
  return m == nullptr ? nullptr : &m->net;
}

std::optional<double> ExecutionEngine::mark_price(std::uint32_t symbol) const {
  const Market& m = *markets_[symbol];
  if (m.last) return m.instrument.ticks_to_price(*m.last);
  if (m.bid && m.ask) {
    return (m.instrument.ticks_to_price(*m.bid) + m.instrument.ticks_to_price(*m.ask)) / 2.0;
  }
  return std::nullopt;
}

std::optional<double> ExecutionEngine::mark_price(std::string_view symbol) const {
  const Market* m = find_market(symbol);
  return m == nullptr ? std::nullopt : mark_price(m->index);
}

double ExecutionEngine::cash() const {
  if (account_.type != AccountType::kSpot) return cash_;
  const auto it = balances_.find(account_.currency);
  return it == balances_.end() ? 0.0 : it->second.total;
}

AccountState ExecutionEngine::account() const {
  const bool spot = account_.type == AccountType::kSpot;
  const auto currency = balances_.find(account_.currency);
  AccountState a{starting_cash_, cash_, equity(), 0.0, 0.0, 0.0, 0.0, margin_used()};
  if (spot) a.cash = currency == balances_.end() ? 0.0 : currency->second.total;
  for (const auto& m : markets_) {
    const auto mark = mark_price(m->index);
    a.realized_pnl += m->net.realized_pnl();
    a.unrealized_pnl += m->net.unrealized_pnl(mark);
    a.fees += m->net.fees();
  }
  switch (account_.type) {
    case AccountType::kCash:
      a.buying_power = cash_ + reserved_total_;
      break;
    case AccountType::kSpot:
      a.buying_power = currency == balances_.end() ? 0.0 : currency->second.free();
      break;
    case AccountType::kMargin:
      a.buying_power = (a.equity - a.margin_used - reserved_total_) * account_.leverage;
      break;
    case AccountType::kUnlimited:
      a.buying_power = std::numeric_limits<double>::infinity();
      break;
  }
  return a;
}

}  // namespace alphaforge
