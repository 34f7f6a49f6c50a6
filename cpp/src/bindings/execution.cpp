#include <pybind11/operators.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "account_config.hpp"
#include "alphaforge/execution_engine.hpp"
#include "alphaforge/instrument.hpp"
#include "alphaforge/order_book.hpp"
#include "arguments.hpp"
#include "data_engine_handle.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

constexpr const char* kIdPrefix = "O-";

double positive(double value, const char* field) {
  if (!std::isfinite(value) || value <= 0.0) {
    throw py::value_error(std::string(field) + " must be a finite number > 0, got " +
                          to_decimal(value));
  }
  return value;
}

std::uint64_t book_order_id(py::handle value) {
  if (PyBool_Check(value.ptr()) || !PyLong_Check(value.ptr())) {
    throw py::type_error("order_id must be an int, got " + type_name(value));
  }
  const unsigned long long id = PyLong_AsUnsignedLongLong(value.ptr());
  if (id == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
    PyErr_Clear();
    throw py::value_error("order_id must be an int in [0, 2**64), got " +
                          std::string(py::str(value)));
  }
  return id;
}

// The user-facing order: a request before submission, a snapshot of the engine's order after.
struct OrderTicket {
  std::optional<std::string> id;
  std::optional<std::string> client_order_id;
  std::string strategy_id = "default";
  std::string symbol;
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kMarket;
  TimeInForce tif = TimeInForce::kGtc;
  double quantity = 0.0;
  std::optional<double> price;
  std::optional<double> stop_price;
  double filled_qty = 0.0;
  double leaves_qty = 0.0;
  std::optional<double> avg_fill_price;
  OrderStatus status = OrderStatus::kNew;
  std::optional<std::string> reject_reason;
  bool triggered = false;
  bool reduce_only = false;
  std::optional<std::int64_t> ts_created_ns;
  std::optional<std::int64_t> ts_updated_ns;

  static OrderTicket make(std::string symbol, OrderSide side, double qty, std::string strategy_id,
                          OrderType type, TimeInForce tif, std::optional<std::string> client_id) {
    if (symbol.empty()) throw py::value_error("symbol must not be empty");
    if (strategy_id.empty()) throw py::value_error("strategy_id must not be empty");
    if (client_id && client_id->empty()) {
      throw py::value_error("client_order_id must not be empty; pass None for none");
    }
    OrderTicket t;
    t.symbol = std::move(symbol);
    t.side = side;
    t.quantity = positive(qty, "qty");
    t.leaves_qty = t.quantity;
    t.strategy_id = std::move(strategy_id);
    t.type = type;
    t.tif = tif;
    t.client_order_id = std::move(client_id);
    return t;
  }

  OrderRequest request() const {
    OrderRequest r;
    r.symbol = symbol;
    r.strategy_id = strategy_id;
    if (client_order_id) r.client_order_id = *client_order_id;
    r.side = side;
    r.type = type;
    r.tif = tif;
    r.quantity = quantity;
    r.price = price;
    r.stop_price = stop_price;
    r.reduce_only = reduce_only;
    return r;
  }

  bool is_open() const noexcept { return !is_terminal(status) && status != OrderStatus::kNew; }

  std::string repr() const {
    std::ostringstream out;
    out.precision(15);
    out << "Order(" << (id ? *id : std::string("unsubmitted")) << ", " << symbol << ", "
        << to_string(side) << " " << to_string(type) << " " << quantity;
    if (price) out << " @ " << *price;
    if (stop_price) out << " stop " << *stop_price;
    out << ", " << to_string(tif) << ", " << to_string(status);
    if (filled_qty > 0.0) out << ", filled " << filled_qty << " @ " << *avg_fill_price;
    if (reject_reason) out << ", reason='" << *reject_reason << "'";
    out << ")";
    return out.str();
  }
};

std::string engine_id(std::uint64_t id) { return kIdPrefix + std::to_string(id); }

std::uint64_t parse_engine_id(const std::string& id) {
  const std::size_t prefix = std::char_traits<char>::length(kIdPrefix);
  const bool shaped = id.size() > prefix && id.compare(0, prefix, kIdPrefix) == 0 &&
                      id.find_first_not_of("0123456789", prefix) == std::string::npos &&
                      id.size() - prefix < 19;
  if (!shaped) throw py::value_error("order id '" + id + "' is unknown");
  return std::stoull(id.substr(prefix));
}

OrderTicket snapshot(const ExecutionEngine& engine, const Order& o) {
  const Instrument& inst = engine.instrument_of(o.symbol);
  OrderTicket t;
  t.id = engine_id(o.id);
  if (!o.client_order_id.empty()) t.client_order_id = o.client_order_id;
  t.strategy_id = engine.strategy_name(o.strategy);
  t.symbol = inst.symbol();
  t.side = o.side;
  t.type = o.type;
  t.tif = o.tif;
  t.quantity = inst.lots_to_qty(o.quantity);
  if (o.price != 0) t.price = inst.ticks_to_price(o.price);
  if (o.stop_price != 0) t.stop_price = inst.ticks_to_price(o.stop_price);
  t.filled_qty = inst.lots_to_qty(o.filled);
  t.leaves_qty = inst.lots_to_qty(o.leaves());
  if (o.filled != 0) {
    // A whole number of ticks prints as its exact decimal; a true average keeps its fraction.
    const double ticks = o.avg_fill_ticks();
    t.avg_fill_price = ticks == std::round(ticks)
                           ? inst.ticks_to_price(static_cast<Ticks>(std::llround(ticks)))
                           : ticks * inst.tick_size();
  }
  t.status = o.status;
  if (!o.reject_reason.empty()) t.reject_reason = o.reject_reason;
  t.triggered = o.triggered;
  t.reduce_only = o.reduce_only;
  t.ts_created_ns = o.ts_created_ns;
  t.ts_updated_ns = o.ts_updated_ns;
  return t;
}

struct FillView {
  std::uint64_t fill_id;
  std::string order_id;
  std::string strategy_id;
  std::string symbol;
  OrderSide side;
  double price;
  double qty;
  double fee;
  Liquidity liquidity;
  std::int64_t ts_ns;
  std::uint64_t trade_id;
};

FillView fill_view(const ExecutionEngine& engine, const Fill& f) {
  const Instrument& inst = engine.instrument_of(f.symbol);
  return {f.fill_id,
          engine_id(f.order_id),
          engine.strategy_name(f.strategy),
          inst.symbol(),
          f.side,
          inst.ticks_to_price(f.price),
          inst.lots_to_qty(f.qty),
          f.fee,
          f.liquidity,
          f.ts_ns,
          f.trade_id};
}

struct PositionView {
  std::optional<std::string> strategy_id;  // None: the account's net position
  std::string symbol;
  double quantity;
  double avg_price;
  double realized_pnl;
  double unrealized_pnl;
  double fees;
  std::uint64_t fill_count;
  std::optional<double> mark_price;
};

PositionView position_view(std::optional<std::string> strategy, std::string symbol,
                           const Position* p, std::optional<double> mark) {
  if (p == nullptr) return {std::move(strategy), std::move(symbol), 0, 0, 0, 0, 0, 0, mark};
  return {std::move(strategy), std::move(symbol), p->quantity(), p->avg_price(),
          p->realized_pnl(), p->unrealized_pnl(mark), p->fees(), p->fill_count(), mark};
}

struct StatisticsView {
  ExecutionStatistics counts;
  double avg_ms;
  double p50_ms;
  double p90_ms;
  double p99_ms;
  double max_ms;
};

// Market prices for the simulated venue. The C++ engine behind an alphaforge.data.DataEngine
// is read directly, without the GIL or a Python call; any other object must offer
// last_price(symbol) and best_bid_ask(symbol).
class PyPriceSource : public PriceSource {
 public:
  explicit PyPriceSource(py::object source)
      : source_(std::move(source)), native_(native_engine(source_)) {
    if (native_ == nullptr &&
        (!py::hasattr(source_, "last_price") || !py::hasattr(source_, "best_bid_ask"))) {
      throw py::type_error(
          "data_engine must be an alphaforge.data.DataEngine or provide last_price(symbol) and "
          "best_bid_ask(symbol), got " +
          type_name(source_));
    }
  }
  std::optional<LastTrade> last_trade(std::string_view symbol) const override {
    if (native_ != nullptr) return native_->last_trade(symbol);
    const auto price = source_.attr("last_price")(py::str(symbol.data(), symbol.size()))
                           .cast<std::optional<double>>();
    if (!price) return std::nullopt;
    return LastTrade{0, *price, 0.0};  // a plain Python source knows the price alone
  }
  std::optional<BestQuote> best_quote(std::string_view symbol) const override {
    if (native_ != nullptr) return native_->best_quote(symbol);
    const auto quote = source_.attr("best_bid_ask")(py::str(symbol.data(), symbol.size()))
                           .cast<std::optional<std::pair<double, double>>>();
    if (!quote) return std::nullopt;
    return BestQuote{0, quote->first, quote->second, 0.0, 0.0};
  }
  const py::object& object() const noexcept { return source_; }

 private:
  static const DataEngine* native_engine(py::handle source) {
    if (const DataEngine* live = live_feed_data(source)) return live;
    try {
      return &data_engine_of(source);
    } catch (const py::type_error&) {
      return nullptr;
    }
  }

  py::object source_;  // keeps the data engine alive while the venue reads it
  const DataEngine* native_;
};

class PyEngine;

class PyListener : public ExecutionListener {
 public:
  explicit PyListener(const ExecutionEngine& engine) : engine_(engine) {}
  void on_order_update(const Order& order) override {
    if (on_order_) on_order_(snapshot(engine_, order));
  }
  void on_fill(const Fill& fill) override {
    if (on_fill_) on_fill_(fill_view(engine_, fill));
  }
  py::object on_order_;
  py::object on_fill_;

 private:
  const ExecutionEngine& engine_;
};

// The keywords of ExecutionEngine() beyond the data engine and the instruments.
struct EngineOptions {
  std::optional<RiskLimits> risk;
  std::optional<FeeSchedule> fees;
  double cash = 0.0;
  AccountConfig account;
  SelfTradePrevention self_trade_prevention = SelfTradePrevention::kExpireMaker;
};

EngineConfig make_config(const EngineOptions& options) {
  EngineConfig config;
  if (options.risk) config.risk = *options.risk;
  if (options.fees) config.fees = *options.fees;
  if (!std::isfinite(options.cash)) {
    throw py::value_error("cash must be finite, got " + to_decimal(options.cash));
  }
  config.starting_cash = options.cash;
  config.account = options.account;
  config.self_trade_prevention = options.self_trade_prevention;
  return config;
}

class PyEngine {
 public:
  PyEngine(py::object data_engine, const EngineOptions& options,
           const std::optional<std::vector<Instrument>>& instruments)
      : source_(data_engine.is_none() ? nullptr
                                      : std::make_unique<PyPriceSource>(std::move(data_engine))),
        engine_(make_config(options), source_.get()),
        listener_(engine_) {
    if (instruments) {
      for (const Instrument& inst : *instruments) engine_.add_instrument(inst);
    }
  }

  ExecutionEngine& engine() noexcept { return engine_; }

  py::str submit(const OrderTicket& ticket) {
    check_unsubmitted(ticket);
    return py::str(engine_id(engine_.submit(ticket.request())));
  }

  py::str submit_external(const OrderTicket& ticket, bool acknowledged, bool restored) {
    check_unsubmitted(ticket);
    return py::str(engine_id(engine_.submit_external(ticket.request(), acknowledged, restored)));
  }

  std::map<std::string, std::pair<double, double>> balances() const {
    std::map<std::string, std::pair<double, double>> out;
    for (const auto& [asset, b] : engine_.balances()) out[asset] = {b.free(), b.locked};
    return out;
  }

  OrderTicket order(const std::string& id) const {
    return snapshot(engine_, engine_.order(parse_engine_id(id)));
  }

  std::optional<OrderTicket> order_by_client_id(const std::string& client_order_id) const {
    const auto id = engine_.find_client_order(client_order_id);
    if (!id) return std::nullopt;
    return snapshot(engine_, engine_.order(*id));
  }

  std::vector<OrderTicket> open_orders(const std::optional<std::string>& strategy_id,
                                       const std::optional<std::string>& symbol) const {
    std::vector<OrderTicket> out;
    for (const Order* o : engine_.open_orders()) {
      if (strategy_id && engine_.strategy_name(o->strategy) != *strategy_id) continue;
      if (symbol && engine_.symbol_name(o->symbol) != *symbol) continue;
      out.push_back(snapshot(engine_, *o));
    }
    return out;
  }

  std::vector<FillView> fills() const {
    std::vector<FillView> out;
    out.reserve(engine_.fills().size());
    for (const Fill& f : engine_.fills()) out.push_back(fill_view(engine_, f));
    return out;
  }

  std::vector<PositionView> positions() const {
    std::vector<PositionView> out;
    for (const auto& entry : engine_.positions()) {
      out.push_back(position_view(engine_.strategy_name(entry.strategy),
                                  engine_.symbol_name(entry.symbol), entry.position,
                                  engine_.mark_price(entry.symbol)));
    }
    return out;
  }

  PositionView position(const std::string& symbol,
                        const std::optional<std::string>& strategy_id) const {
    const Position* p =
        strategy_id ? engine_.position(symbol, *strategy_id) : engine_.net_position(symbol);
    return position_view(strategy_id, symbol, p, engine_.mark_price(std::string_view(symbol)));
  }

  static void check_unsubmitted(const OrderTicket& ticket) {
    if (ticket.id) {
      throw py::value_error("order " + *ticket.id +
                            " is a snapshot of a submitted order; build a new Order to submit");
    }
  }

  StatisticsView statistics() const {
    const ExecutionStatistics& s = engine_.statistics();
    const auto ms = [](double ns) { return ns / 1e6; };
    const auto& h = s.submit_latency_ns;
    return {s,
            ms(h.mean()),
            ms(static_cast<double>(h.percentile(0.50))),
            ms(static_cast<double>(h.percentile(0.90))),
            ms(static_cast<double>(h.percentile(0.99))),
            ms(static_cast<double>(h.max()))};
  }

  void set_handlers(py::object on_order_update, py::object on_fill) {
    for (const auto& [callback, field] :
         {std::pair{&on_order_update, "on_order_update"}, std::pair{&on_fill, "on_fill"}}) {
      if (!callback->is_none() && !PyCallable_Check(callback->ptr())) {
        throw py::type_error(std::string(field) + " must be callable or None, got " +
                             type_name(*callback));
      }
    }
    listener_.on_order_ = on_order_update.is_none() ? py::object() : on_order_update;
    listener_.on_fill_ = on_fill.is_none() ? py::object() : on_fill;
    const bool any = listener_.on_order_ || listener_.on_fill_;
    engine_.set_listener(any ? &listener_ : nullptr);
  }

  py::object data_engine() const {
    return source_ ? source_->object() : py::none();
  }

 private:
  std::unique_ptr<PyPriceSource> source_;
  ExecutionEngine engine_;
  PyListener listener_;
};

struct BookFillView {
  std::uint64_t maker_order_id;
  std::uint64_t taker_order_id;
  double price;
  double qty;

  bool operator==(const BookFillView&) const = default;
};

class PyBook {
 public:
  PyBook(std::string symbol, double tick_size, double lot_size)
      : instrument_(std::move(symbol), tick_size, lot_size) {}

  py::list add_limit(py::handle order_id, OrderSide side, double price, double qty,
                     TimeInForce tif, std::uint16_t owner, SelfTradePrevention stp) {
    const std::uint64_t id = book_order_id(order_id);
    const Ticks ticks = instrument_.price_to_ticks(price, "price");
    const Lots lots = instrument_.qty_to_lots(qty, "qty");
    fills_.clear();
    last_ = book_.add_limit(id, side, ticks, lots, tif, fills_, SelfTrade{owner, stp}).result;
    return fills_to_python();
  }

  py::list add_market(py::handle order_id, OrderSide side, double qty, TimeInForce tif,
                      std::uint16_t owner, SelfTradePrevention stp) {
    const std::uint64_t id = book_order_id(order_id);
    const Lots lots = instrument_.qty_to_lots(qty, "qty");
    fills_.clear();
    last_ = book_.add_market(id, side, lots, fills_, tif, SelfTrade{owner, stp}).result;
    return fills_to_python();
  }

  py::list expired_makers() const {
    py::list out;
    for (const ExpiredMaker& e : book_.expired_makers()) {
      out.append(py::make_tuple(e.order_id, instrument_.lots_to_qty(e.qty)));
    }
    return out;
  }

  py::list add_stop(py::handle order_id, OrderSide side, double stop_price, double qty,
                    std::optional<double> limit_price, TimeInForce tif) {
    const std::uint64_t id = book_order_id(order_id);
    const Ticks stop = instrument_.price_to_ticks(stop_price, "stop_price");
    const Lots lots = instrument_.qty_to_lots(qty, "qty");
    const Ticks limit = limit_price ? instrument_.price_to_ticks(*limit_price, "limit_price") : 0;
    fills_.clear();
    last_ = book_.add_stop(id, side, stop, lots, limit, tif, fills_).result;
    return fills_to_python();
  }

  bool cancel(py::handle order_id) { return book_.cancel(book_order_id(order_id)); }

  py::list modify(py::handle order_id, double price, double qty) {
    const std::uint64_t id = book_order_id(order_id);
    const Ticks ticks = instrument_.price_to_ticks(price, "price");
    const Lots lots = instrument_.qty_to_lots(qty, "qty");
    fills_.clear();
    last_ = book_.modify(id, ticks, lots, fills_).result;
    return fills_to_python();
  }

  py::list trade(double price) {
    const Ticks ticks = instrument_.price_to_ticks(price, "price");
    fills_.clear();
    book_.apply_trade(ticks, fills_);
    return fills_to_python();
  }

  py::object best(OrderSide side) const {
    const auto level = book_.best(side);
    if (!level) return py::none();
    return py::make_tuple(instrument_.ticks_to_price(level->price),
                          instrument_.lots_to_qty(level->qty));
  }

  py::tuple depth(py::handle levels) const {
    const std::size_t n = count_argument(levels, "n");
    std::vector<LevelView> bids;
    std::vector<LevelView> asks;
    book_.depth(n, bids, asks);
    const auto convert = [this](const std::vector<LevelView>& side) {
      py::list out;
      for (const LevelView& level : side) {
        out.append(py::make_tuple(instrument_.ticks_to_price(level.price),
                                  instrument_.lots_to_qty(level.qty)));
      }
      return out;
    };
    return py::make_tuple(convert(bids), convert(asks));
  }

  py::list orders(OrderSide side) const {
    py::list out;
    book_.for_each_order(side, [&](const RestingOrder& o) {
      out.append(py::make_tuple(o.id, instrument_.ticks_to_price(o.price),
                                instrument_.lots_to_qty(o.qty)));
    });
    return out;
  }

  py::object order(py::handle order_id) const {
    const auto o = book_.order(book_order_id(order_id));
    if (!o) return py::none();
    return py::make_tuple(o->side, instrument_.ticks_to_price(o->price),
                          instrument_.lots_to_qty(o->qty));
  }

  std::optional<double> last_trade_price() const {
    const auto last = book_.last_trade_price();
    if (!last) return std::nullopt;
    return instrument_.ticks_to_price(*last);
  }

  const Instrument& instrument() const noexcept { return instrument_; }
  const OrderBook& book() const noexcept { return book_; }
  std::optional<BookResult> last_result() const noexcept { return last_; }

 private:
  py::list fills_to_python() const {
    py::list out;
    for (const BookFill& f : fills_) {
      out.append(BookFillView{f.maker_order_id, f.taker_order_id,
                              instrument_.ticks_to_price(f.price), instrument_.lots_to_qty(f.qty)});
    }
    return out;
  }

 private:
  Instrument instrument_;
  OrderBook book_;
  std::vector<BookFill> fills_;
  std::optional<BookResult> last_;
};

}  // namespace
}  // namespace alphaforge::bindings

namespace alphaforge::bindings {
namespace {

void check_taker_tif(TimeInForce tif, const char* kind) {
  if (tif != TimeInForce::kIoc && tif != TimeInForce::kFok) {
    throw py::value_error(std::string("time_in_force of a ") + kind +
                          " order must be IOC or FOK, got " + std::string(to_string(tif)));
  }
}

std::string position_repr(const PositionView& p) {
  std::ostringstream out;
  out.precision(15);
  out << "Position(" << p.symbol << ", strategy=" << (p.strategy_id ? *p.strategy_id : "<net>")
      << ", quantity=" << p.quantity << ", avg_price=" << p.avg_price
      << ", realized_pnl=" << p.realized_pnl << ", unrealized_pnl=" << p.unrealized_pnl
      << ", fees=" << p.fees << ")";
  return out.str();
}

void define_enums(py::module_& m) {
  py::enum_<OrderSide>(m, "OrderSide", "Buy or sell.")
      .value("Buy", OrderSide::kBuy)
      .value("Sell", OrderSide::kSell);
  py::enum_<OrderType>(m, "OrderType", "Market, limit, stop (market) or stop-limit.")
      .value("Market", OrderType::kMarket)
      .value("Limit", OrderType::kLimit)
      .value("Stop", OrderType::kStop)
      .value("StopLimit", OrderType::kStopLimit);
  py::enum_<TimeInForce>(m, "TimeInForce",
                         "GTC rests until canceled, IOC drops what does not fill at once, FOK "
                         "fills completely or not at all, PostOnly never takes liquidity, GTD "
                         "rests as GTC until its expiry time.")
      .value("GTC", TimeInForce::kGtc)
      .value("IOC", TimeInForce::kIoc)
      .value("FOK", TimeInForce::kFok)
      .value("PostOnly", TimeInForce::kPostOnly)
      .value("GTD", TimeInForce::kGtd);
  py::enum_<OrderStatus>(m, "OrderStatus", "Where an order is in its lifecycle.")
      .value("New", OrderStatus::kNew)
      .value("Accepted", OrderStatus::kAccepted)
      .value("PartiallyFilled", OrderStatus::kPartiallyFilled)
      .value("Filled", OrderStatus::kFilled)
      .value("Canceled", OrderStatus::kCanceled)
      .value("Rejected", OrderStatus::kRejected)
      .value("Expired", OrderStatus::kExpired)
      .value("Submitted", OrderStatus::kSubmitted);
  py::enum_<Liquidity>(m, "Liquidity", "Whether a fill added (maker) or took (taker) liquidity.")
      .value("Maker", Liquidity::kMaker)
      .value("Taker", Liquidity::kTaker);
  py::enum_<BookResult>(m, "BookResult", "What the book did with the last order it was given.")
      .value("Rested", BookResult::kRested)
      .value("Filled", BookResult::kFilled)
      .value("Canceled", BookResult::kCanceled)
      .value("WouldCross", BookResult::kWouldCross)
      .value("Killed", BookResult::kKilled)
      .value("StopPending", BookResult::kStopPending)
      .value("SelfTrade", BookResult::kSelfTrade);
  py::enum_<SelfTradePrevention>(
      m, "SelfTradePrevention",
      "What happens when an order would trade with one of the same owner (Binance's modes).")
      .value("NONE", SelfTradePrevention::kNone)
      .value("EXPIRE_TAKER", SelfTradePrevention::kExpireTaker)
      .value("EXPIRE_MAKER", SelfTradePrevention::kExpireMaker)
      .value("EXPIRE_BOTH", SelfTradePrevention::kExpireBoth);
}

void define_instrument(py::module_& m) {
  py::class_<Instrument>(m, "Instrument",
                         "A symbol and its grid: every price and size is checked against it.")
      .def(py::init([](std::string symbol, double tick_size, double lot_size, double min_qty,
                       double min_notional, std::optional<int> price_precision,
                       std::optional<int> size_precision, double multiplier,
                       std::optional<FeeSchedule> fees, std::string base, std::string quote) {
             return Instrument(std::move(symbol), tick_size, lot_size, min_qty, min_notional,
                               price_precision.value_or(-1), size_precision.value_or(-1),
                               InstrumentTerms{multiplier, fees, std::move(base),
                                               std::move(quote)});
           }),
           py::arg("symbol"), py::arg("tick_size"), py::arg("lot_size"), py::arg("min_qty") = 0.0,
           py::arg("min_notional") = 0.0, py::arg("price_precision") = py::none(),
           py::arg("size_precision") = py::none(), py::kw_only(), py::arg("multiplier") = 1.0,
           py::arg("fees") = py::none(), py::arg("base") = "", py::arg("quote") = "")
      .def_property_readonly("multiplier", &Instrument::multiplier)
      .def_property_readonly("fees", &Instrument::fees)
      .def_property_readonly("base", &Instrument::base)
      .def_property_readonly("quote", &Instrument::quote)
      .def(
          "round_price",
          [](const Instrument& i, double price, OrderSide side) {
            return i.ticks_to_price(i.passive_ticks(price, side));
          },
          py::arg("price"), py::arg("side"),
          "`price` on the grid on the side that never overpays: down for a buy, up for a sell.")
      .def_property_readonly("symbol", &Instrument::symbol)
      .def_property_readonly("tick_size", &Instrument::tick_size)
      .def_property_readonly("lot_size", &Instrument::lot_size)
      .def_property_readonly("min_qty", &Instrument::min_qty)
      .def_property_readonly("min_notional", &Instrument::min_notional)
      .def_property_readonly("price_precision", &Instrument::price_precision)
      .def_property_readonly("size_precision", &Instrument::size_precision)
      .def(
          "price_to_ticks", [](const Instrument& i, double price) { return i.price_to_ticks(price); },
          py::arg("price"), "Whole ticks in `price`; ValueError when it is off the grid.")
      .def(
          "qty_to_lots", [](const Instrument& i, double qty) { return i.qty_to_lots(qty); },
          py::arg("qty"), "Whole lots in `qty`; ValueError when it is off the grid.")
      .def("ticks_to_price", &Instrument::ticks_to_price, py::arg("ticks"),
           "The price of `ticks` ticks, rounded to the price precision.")
      .def("lots_to_qty", &Instrument::lots_to_qty, py::arg("lots"),
           "The quantity of `lots` lots, rounded to the size precision.")
      .def("__repr__", [](const Instrument& i) {
        std::string text = "Instrument('" + i.symbol() + "', tick_size=" +
                           to_decimal(i.tick_size()) + ", lot_size=" + to_decimal(i.lot_size()) +
                           ", min_qty=" + to_decimal(i.min_qty()) +
                           ", min_notional=" + to_decimal(i.min_notional());
        if (i.multiplier() != 1.0) text += ", multiplier=" + to_decimal(i.multiplier());
        if (!i.base().empty()) text += ", base='" + i.base() + "', quote='" + i.quote() + "'";
        return text + ")";
      });
}

void define_order(py::module_& m) {
  py::class_<OrderTicket>(m, "Order",
                          "An order: build one with Order.market/limit/stop/stop_limit and submit "
                          "it; ExecutionEngine.order(id) returns its current state.")
      .def_static(
          "market",
          [](std::string symbol, OrderSide side, double qty, std::string strategy_id,
             std::optional<std::string> client_order_id, TimeInForce tif, bool reduce_only) {
            check_taker_tif(tif, "market");
            auto t = OrderTicket::make(std::move(symbol), side, qty, std::move(strategy_id),
                                       OrderType::kMarket, tif, std::move(client_order_id));
            t.reduce_only = reduce_only;
            return t;
          },
          py::arg("symbol"), py::arg("side"), py::arg("qty"), py::arg("strategy_id") = "default",
          py::kw_only(), py::arg("client_order_id") = py::none(),
          py::arg("time_in_force") = TimeInForce::kIoc, py::arg("reduce_only") = false,
          "A market order: fills at the best price known, IOC or FOK.")
      .def_static(
          "limit",
          [](std::string symbol, OrderSide side, double qty, double price,
             std::string strategy_id, TimeInForce tif,
             std::optional<std::string> client_order_id, bool reduce_only) {
            auto t = OrderTicket::make(std::move(symbol), side, qty, std::move(strategy_id),
                                       OrderType::kLimit, tif, std::move(client_order_id));
            t.price = positive(price, "price");
            t.reduce_only = reduce_only;
            return t;
          },
          py::arg("symbol"), py::arg("side"), py::arg("qty"), py::arg("price"),
          py::arg("strategy_id") = "default", py::kw_only(),
          py::arg("time_in_force") = TimeInForce::kGtc, py::arg("client_order_id") = py::none(),
          py::arg("reduce_only") = false,
          "A limit order at `price`.")
      .def_static(
          "stop",
          [](std::string symbol, OrderSide side, double qty, double stop_price,
             std::string strategy_id, std::optional<std::string> client_order_id,
             TimeInForce tif, bool reduce_only) {
            check_taker_tif(tif, "stop");
            auto t = OrderTicket::make(std::move(symbol), side, qty, std::move(strategy_id),
                                       OrderType::kStop, tif, std::move(client_order_id));
            t.stop_price = positive(stop_price, "stop_price");
            t.reduce_only = reduce_only;
            return t;
          },
          py::arg("symbol"), py::arg("side"), py::arg("qty"), py::arg("stop_price"),
          py::arg("strategy_id") = "default", py::kw_only(),
          py::arg("client_order_id") = py::none(), py::arg("time_in_force") = TimeInForce::kIoc,
          py::arg("reduce_only") = false,
          "A stop order: a market order once a trade reaches `stop_price`.")
      .def_static(
          "stop_limit",
          [](std::string symbol, OrderSide side, double qty, double stop_price, double price,
             std::string strategy_id, TimeInForce tif,
             std::optional<std::string> client_order_id, bool reduce_only) {
            auto t = OrderTicket::make(std::move(symbol), side, qty, std::move(strategy_id),
                                       OrderType::kStopLimit, tif, std::move(client_order_id));
            t.stop_price = positive(stop_price, "stop_price");
            t.price = positive(price, "price");
            t.reduce_only = reduce_only;
            return t;
          },
          py::arg("symbol"), py::arg("side"), py::arg("qty"), py::arg("stop_price"),
          py::arg("price"), py::arg("strategy_id") = "default", py::kw_only(),
          py::arg("time_in_force") = TimeInForce::kGtc, py::arg("client_order_id") = py::none(),
          py::arg("reduce_only") = false,
          "A stop-limit order: a limit order at `price` once a trade reaches `stop_price`.")
      .def_readonly("id", &OrderTicket::id)
      .def_readonly("client_order_id", &OrderTicket::client_order_id)
      .def_readonly("strategy_id", &OrderTicket::strategy_id)
      .def_readonly("symbol", &OrderTicket::symbol)
      .def_readonly("side", &OrderTicket::side)
      .def_readonly("type", &OrderTicket::type)
      .def_readonly("time_in_force", &OrderTicket::tif)
      .def_readonly("quantity", &OrderTicket::quantity)
      .def_readonly("price", &OrderTicket::price)
      .def_readonly("stop_price", &OrderTicket::stop_price)
      .def_readonly("filled_qty", &OrderTicket::filled_qty)
      .def_readonly("leaves_qty", &OrderTicket::leaves_qty)
      .def_readonly("avg_fill_price", &OrderTicket::avg_fill_price)
      .def_readonly("status", &OrderTicket::status)
      .def_readonly("reject_reason", &OrderTicket::reject_reason)
      .def_readonly("triggered", &OrderTicket::triggered)
      .def_readonly("reduce_only", &OrderTicket::reduce_only)
      .def_readonly("ts_created_ns", &OrderTicket::ts_created_ns)
      .def_readonly("ts_updated_ns", &OrderTicket::ts_updated_ns)
      .def_property_readonly("is_open", &OrderTicket::is_open)
      .def("__repr__", &OrderTicket::repr);
}

void define_book(py::module_& m) {
  py::class_<BookFillView>(m, "BookFill", "One match: the resting order's price and the size.")
      .def(py::init<std::uint64_t, std::uint64_t, double, double>(), py::arg("maker_order_id"),
           py::arg("taker_order_id"), py::arg("price"), py::arg("qty"))
      .def_readonly("maker_order_id", &BookFillView::maker_order_id)
      .def_readonly("taker_order_id", &BookFillView::taker_order_id)
      .def_readonly("price", &BookFillView::price)
      .def_readonly("qty", &BookFillView::qty)
      .def(py::self == py::self)
      .def("__repr__", [](const BookFillView& f) {
        return "BookFill(maker_order_id=" + std::to_string(f.maker_order_id) +
               ", taker_order_id=" + std::to_string(f.taker_order_id) +
               ", price=" + to_decimal(f.price) + ", qty=" + to_decimal(f.qty) + ")";
      });

  py::class_<PyBook>(m, "OrderBook",
                     "A price-time priority limit order book for one symbol, on integer ticks.")
      .def(py::init<std::string, double, double>(), py::arg("symbol"), py::arg("tick_size"),
           py::arg("lot_size") = 1e-8)
      .def("add_limit", &PyBook::add_limit, py::arg("order_id"), py::arg("side"), py::arg("price"),
           py::arg("qty"), py::arg("time_in_force") = TimeInForce::kGtc, py::kw_only(),
           py::arg("owner") = 0, py::arg("self_trade_prevention") = SelfTradePrevention::kNone,
           "Add a limit order; returns the fills it made, the resting order's price on each. "
           "Orders of the same non-zero owner never trade together: self_trade_prevention says "
           "which expires (see expired_makers).")
      .def("add_market", &PyBook::add_market, py::arg("order_id"), py::arg("side"),
           py::arg("qty"), py::arg("time_in_force") = TimeInForce::kIoc, py::kw_only(),
           py::arg("owner") = 0, py::arg("self_trade_prevention") = SelfTradePrevention::kNone,
           "Take liquidity up to `qty`; what finds none is dropped.")
      .def("expired_makers", &PyBook::expired_makers,
           "(order_id, qty) of the resting orders the last call expired by self-trade prevention.")
      .def("add_stop", &PyBook::add_stop, py::arg("order_id"), py::arg("side"),
           py::arg("stop_price"), py::arg("qty"), py::arg("limit_price") = py::none(),
           py::arg("time_in_force") = TimeInForce::kGtc,
           "A stop (or stop-limit) order that enters the book when a trade reaches stop_price.")
      .def("cancel", &PyBook::cancel, py::arg("order_id"),
           "Remove a resting or pending order; False when there is none with this id.")
      .def("modify", &PyBook::modify, py::arg("order_id"), py::arg("price"), py::arg("qty"),
           "New price and open size; keeps priority only for a smaller size at the same price.")
      .def("trade", &PyBook::trade, py::arg("price"),
           "Report a trade printed elsewhere at `price`: fires the stops it reaches.")
      .def(
          "best_bid", [](const PyBook& b) { return b.best(OrderSide::kBuy); },
          "(price, total qty) of the best bid, or None.")
      .def(
          "best_ask", [](const PyBook& b) { return b.best(OrderSide::kSell); },
          "(price, total qty) of the best ask, or None.")
      .def("depth", &PyBook::depth, py::arg("n") = 10,
           "(bids, asks): up to n levels per side as (price, qty), best first.")
      .def("orders", &PyBook::orders, py::arg("side"),
           "Resting orders of one side in priority order as (order_id, price, qty).")
      .def("order", &PyBook::order, py::arg("order_id"),
           "(side, price, open qty) of a resting order, or None.")
      .def_property_readonly("last_result", &PyBook::last_result)
      .def_property_readonly("last_trade_price", &PyBook::last_trade_price)
      .def_property_readonly("symbol", [](const PyBook& b) { return b.instrument().symbol(); })
      .def_property_readonly("tick_size",
                             [](const PyBook& b) { return b.instrument().tick_size(); })
      .def_property_readonly("lot_size", [](const PyBook& b) { return b.instrument().lot_size(); })
      .def("__len__", [](const PyBook& b) { return b.book().order_count(); })
      .def("__contains__", [](const PyBook& b, py::handle order_id) {
        const std::uint64_t id = book_order_id(order_id);
        return b.book().contains(id) || b.book().has_stop(id);
      });
}

void define_engine_types(py::module_& m) {
  py::class_<RiskLimits>(m, "RiskLimits", "Pre-trade limits; None means no limit.")
      .def(py::init([](std::optional<double> max_order_qty,
                       std::optional<double> max_order_notional,
                       std::optional<double> max_position, std::optional<std::uint32_t> open,
                       std::optional<std::uint32_t> rate, bool kill_switch) {
             RiskLimits limits{max_order_qty, max_order_notional, max_position, open, rate,
                               kill_switch};
             limits.validate();
             return limits;
           }),
           py::kw_only(), py::arg("max_order_qty") = py::none(),
           py::arg("max_order_notional") = py::none(), py::arg("max_position") = py::none(),
           py::arg("max_open_orders") = py::none(), py::arg("max_orders_per_second") = py::none(),
           py::arg("kill_switch") = false)
      .def_readonly("max_order_qty", &RiskLimits::max_order_qty)
      .def_readonly("max_order_notional", &RiskLimits::max_order_notional)
      .def_readonly("max_position", &RiskLimits::max_position)
      .def_readonly("max_open_orders", &RiskLimits::max_open_orders)
      .def_readonly("max_orders_per_second", &RiskLimits::max_orders_per_second)
      .def_readonly("kill_switch", &RiskLimits::kill_switch);

  py::class_<FeeSchedule>(m, "Fees", "Maker and taker fees as fractions of notional.")
      .def(py::init([](double maker, double taker) {
             FeeSchedule fees{maker, taker};
             fees.validate();
             return fees;
           }),
           py::arg("maker") = 0.0, py::arg("taker") = 0.0)
      .def_readonly("maker", &FeeSchedule::maker_rate)
      .def_readonly("taker", &FeeSchedule::taker_rate)
      .def("__repr__", [](const FeeSchedule& f) {
        return "Fees(maker=" + to_decimal(f.maker_rate) + ", taker=" + to_decimal(f.taker_rate) + ")";
      });

  py::class_<FillView>(m, "Fill", "One execution of one order.")
      .def_readonly("fill_id", &FillView::fill_id)
      .def_readonly("order_id", &FillView::order_id)
      .def_readonly("strategy_id", &FillView::strategy_id)
      .def_readonly("symbol", &FillView::symbol)
      .def_readonly("side", &FillView::side)
      .def_readonly("price", &FillView::price)
      .def_readonly("qty", &FillView::qty)
      .def_readonly("fee", &FillView::fee)
      .def_readonly("liquidity", &FillView::liquidity)
      .def_readonly("ts_ns", &FillView::ts_ns)
      .def_readonly("trade_id", &FillView::trade_id)
      .def("__repr__", [](const FillView& f) {
        return "Fill(" + f.order_id + ", " + f.symbol + ", " + std::string(to_string(f.side)) +
               " " + to_decimal(f.qty) + " @ " + to_decimal(f.price) + ", fee=" + to_decimal(f.fee) + ", " +
               std::string(to_string(f.liquidity)) + ")";
      });

  py::class_<PositionView>(m, "Position",
                           "A net position: signed quantity, average price, PnL and fees.")
      .def_readonly("strategy_id", &PositionView::strategy_id)
      .def_readonly("symbol", &PositionView::symbol)
      .def_readonly("quantity", &PositionView::quantity)
      .def_readonly("avg_price", &PositionView::avg_price)
      .def_readonly("realized_pnl", &PositionView::realized_pnl)
      .def_readonly("unrealized_pnl", &PositionView::unrealized_pnl)
      .def_readonly("fees", &PositionView::fees)
      .def_readonly("fill_count", &PositionView::fill_count)
      .def_readonly("mark_price", &PositionView::mark_price)
      .def_property_readonly("net_pnl",
                             [](const PositionView& p) {
                               return p.realized_pnl + p.unrealized_pnl - p.fees;
                             })
      .def("__repr__", &position_repr);

  py::class_<AccountState>(m, "Account", "Cash, equity and PnL of the account.")
      .def_readonly("starting_cash", &AccountState::starting_cash)
      .def_readonly("cash", &AccountState::cash)
      .def_readonly("equity", &AccountState::equity)
      .def_readonly("realized_pnl", &AccountState::realized_pnl)
      .def_readonly("unrealized_pnl", &AccountState::unrealized_pnl)
      .def_readonly("fees", &AccountState::fees)
      .def_readonly("buying_power", &AccountState::buying_power)
      .def_readonly("margin_used", &AccountState::margin_used)
      .def("__repr__", [](const AccountState& a) {
        return "Account(cash=" + to_decimal(a.cash) + ", equity=" + to_decimal(a.equity) +
               ", buying_power=" + to_decimal(a.buying_power) +
               ", realized_pnl=" + to_decimal(a.realized_pnl) +
               ", unrealized_pnl=" + to_decimal(a.unrealized_pnl) + ", fees=" + to_decimal(a.fees) + ")";
      });

  py::class_<StatisticsView>(m, "ExecutionStatistics", "Order counters and submit latency.")
      .def_property_readonly("orders_submitted",
                             [](const StatisticsView& s) { return s.counts.orders_submitted; })
      .def_property_readonly("orders_accepted",
                             [](const StatisticsView& s) { return s.counts.orders_accepted; })
      .def_property_readonly("orders_filled",
                             [](const StatisticsView& s) { return s.counts.orders_filled; })
      .def_property_readonly("orders_rejected",
                             [](const StatisticsView& s) { return s.counts.orders_rejected; })
      .def_property_readonly("orders_canceled",
                             [](const StatisticsView& s) { return s.counts.orders_canceled; })
      .def_property_readonly("orders_expired",
                             [](const StatisticsView& s) { return s.counts.orders_expired; })
      .def_property_readonly("fills", [](const StatisticsView& s) { return s.counts.fills; })
      .def_property_readonly(
          "self_trades_prevented",
          [](const StatisticsView& s) { return s.counts.self_trades_prevented; })
      .def_property_readonly("duplicate_fills",
                             [](const StatisticsView& s) { return s.counts.duplicate_fills; })
      .def_property_readonly("stale_reports",
                             [](const StatisticsView& s) { return s.counts.stale_reports; })
      .def_property_readonly("margin_calls",
                             [](const StatisticsView& s) { return s.counts.margin_calls; })
      .def_readonly("avg_execution_latency_ms", &StatisticsView::avg_ms)
      .def_readonly("latency_p50_ms", &StatisticsView::p50_ms)
      .def_readonly("latency_p90_ms", &StatisticsView::p90_ms)
      .def_readonly("latency_p99_ms", &StatisticsView::p99_ms)
      .def_readonly("latency_max_ms", &StatisticsView::max_ms)
      .def("__repr__", [](const StatisticsView& s) {
        return "ExecutionStatistics(submitted=" + std::to_string(s.counts.orders_submitted) +
               ", filled=" + std::to_string(s.counts.orders_filled) +
               ", rejected=" + std::to_string(s.counts.orders_rejected) +
               ", canceled=" + std::to_string(s.counts.orders_canceled) +
               ", expired=" + std::to_string(s.counts.orders_expired) +
               ", avg_execution_latency_ms=" + to_decimal(s.avg_ms) + ")";
      });
}

void define_engine(py::module_& m) {
  py::class_<PyEngine>(m, "ExecutionEngine",
                       "Risk checks, a simulated venue per symbol, fills, positions and account.")
      .def(py::init([](py::object data_engine, const std::optional<RiskLimits>& risk,
                       const std::optional<FeeSchedule>& fees, double cash,
                       const std::optional<std::vector<Instrument>>& instruments,
                       const std::string& account, bool allow_short, double leverage,
                       double maintenance_margin, const std::string& currency,
                       const std::map<std::string, double>& balances,
                       SelfTradePrevention self_trade_prevention) {
             EngineOptions options{risk, fees, cash,
                                   account_config(account, allow_short, leverage,
                                                  maintenance_margin, currency, balances),
                                   self_trade_prevention};
             return std::make_unique<PyEngine>(std::move(data_engine), options, instruments);
           }),
           py::arg("data_engine") = py::none(), py::arg("risk") = py::none(),
           py::arg("fees") = py::none(), py::arg("cash") = 0.0,
           py::arg("instruments") = py::none(), py::kw_only(), py::arg("account") = "cash",
           py::arg("allow_short") = true, py::arg("leverage") = 1.0,
           py::arg("maintenance_margin") = 0.0, py::arg("currency") = "USD",
           py::arg("balances") = std::map<std::string, double>{},
           py::arg("self_trade_prevention") = SelfTradePrevention::kExpireMaker)
      .def(
          "add_instrument",
          [](PyEngine& e, const Instrument& i) { e.engine().add_instrument(i); },
          py::arg("instrument"),
          "Register a symbol's grid; from then on other symbols are refused.")
      .def("submit_order", &PyEngine::submit, py::arg("order"),
           "Submit an order; returns its id. Risk and venue refusals give a Rejected order.")
      .def("submit_external", &PyEngine::submit_external, py::arg("order"),
           py::arg("acknowledged") = false, py::arg("restored") = false,
           "Check and track an order a venue elsewhere matches: Submitted until apply_status "
           "reports it (Accepted at once when acknowledged); refusals give a Rejected order. "
           "restored=True re-enters an order the venue already holds, without the checks.")
      .def(
          "apply_status",
          [](PyEngine& e, const std::string& id, OrderStatus status, std::string reason) {
            return e.engine().apply_status(parse_engine_id(id), status, std::move(reason));
          },
          py::arg("order_id"), py::arg("status"), py::arg("reason") = "",
          "A venue's report of an external order; False when the order has moved past it.")
      .def(
          "apply_venue_fill",
          [](PyEngine& e, const std::string& id, std::uint64_t trade_id, double price, double qty,
             Liquidity liquidity, std::optional<double> fee) {
            return e.engine().apply_venue_fill(parse_engine_id(id), trade_id, price, qty,
                                               liquidity, fee);
          },
          py::arg("order_id"), py::arg("trade_id"), py::arg("price"), py::arg("qty"),
          py::arg("liquidity"), py::arg("fee") = py::none(),
          "A venue's fill of an external order, booked once per (symbol, trade_id); False for "
          "a repeat. `fee` in the quote currency, else the fee schedule's.")
      .def("balances", &PyEngine::balances,
           "Spot accounts: {asset: (free, locked)}; empty for other accounts.")
      .def(
          "set_balance",
          [](PyEngine& e, const std::string& asset, double total, double locked) {
            e.engine().set_balance(asset, total, locked);
          },
          py::arg("asset"), py::arg("total"), py::arg("locked") = 0.0,
          "Set an asset's balance as the venue reports it.")
      .def(
          "cancel_order",
          [](PyEngine& e, const std::string& id) { return e.engine().cancel(parse_engine_id(id)); },
          py::arg("order_id"), "Cancel an open order; False when it is no longer open.")
      .def(
          "modify_order",
          [](PyEngine& e, const std::string& id, std::optional<double> price,
             std::optional<double> qty, std::optional<double> stop_price) {
            e.engine().modify(parse_engine_id(id), price, qty, stop_price);
          },
          py::arg("order_id"), py::arg("price") = py::none(), py::arg("qty") = py::none(),
          py::arg("stop_price") = py::none(),
          "Change an open order's limit price, total quantity or stop price.")
      .def(
          "cancel_all", [](PyEngine& e) { return e.engine().cancel_all(); },
          "Cancel every open order; returns how many.")
      .def(
          "engage_kill_switch",
          [](PyEngine& e, bool cancel_all) { e.engine().engage_kill_switch(cancel_all); },
          py::arg("cancel_all") = true,
          "Refuse every new order from now on, and cancel the open ones.")
      .def(
          "release_kill_switch", [](PyEngine& e) { e.engine().release_kill_switch(); },
          "Accept new orders again.")
      .def_property_readonly(
          "kill_switch_engaged", [](PyEngine& e) { return e.engine().kill_switch_engaged(); })
      .def("order", &PyEngine::order, py::arg("order_id"), "The current state of an order.")
      .def("order_by_client_id", &PyEngine::order_by_client_id, py::arg("client_order_id"),
           "The order with this client order id, or None.")
      .def("open_orders", &PyEngine::open_orders, py::arg("strategy_id") = py::none(),
           py::arg("symbol") = py::none(), "Open orders, oldest first.")
      .def("fills", &PyEngine::fills, "Every fill so far, in order.")
      .def("positions", &PyEngine::positions, "Positions per strategy and symbol.")
      .def("position", &PyEngine::position, py::arg("symbol"), py::arg("strategy_id") = py::none(),
           "One strategy's position, or the account's net position when strategy_id is None.")
      .def(
          "account", [](PyEngine& e) { return e.engine().account(); },
          "Cash, equity (cash plus positions at their mark) and PnL.")
      .def(
          "update_price",
          [](PyEngine& e, const std::string& symbol, double price) {
            e.engine().update_price(symbol, price);
          },
          py::arg("symbol"), py::arg("price"),
          "A trade printed at `price`: fills resting orders it reaches and fires stops.")
      .def(
          "update_quote",
          [](PyEngine& e, const std::string& symbol, double bid, double ask) {
            e.engine().update_quote(symbol, bid, ask);
          },
          py::arg("symbol"), py::arg("bid"), py::arg("ask"),
          "The best bid and ask: fills resting orders they reach.")
      .def(
          "set_time", [](PyEngine& e, std::int64_t ts_ns) { e.engine().set_time(ts_ns); },
          py::arg("ts_ns"), "Fix the engine's clock (ns since the epoch) for deterministic runs.")
      .def("statistics", &PyEngine::statistics, "Order counters and submit latency percentiles.")
      .def("set_handlers", &PyEngine::set_handlers, py::arg("on_order_update") = py::none(),
           py::arg("on_fill") = py::none(),
           "Callbacks for order updates and fills, called after the engine's state is updated.")
      .def_property_readonly("data_engine", &PyEngine::data_engine);
}

}  // namespace

void register_execution(py::module_& m) {
  define_enums(m);
  define_instrument(m);
  define_order(m);
  define_book(m);
  define_engine_types(m);
  define_engine(m);
  py::register_exception<IllegalTransition>(m, "IllegalTransition", PyExc_RuntimeError);
}

}  // namespace alphaforge::bindings
