#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "alphaforge/execution_engine.hpp"

using namespace alphaforge;

namespace {

OrderRequest market(const std::string& symbol, OrderSide side, double qty,
                    const std::string& strategy = "default") {
  OrderRequest r;
  r.symbol = symbol;
  r.side = side;
  r.quantity = qty;
  r.strategy_id = strategy;
  r.type = OrderType::kMarket;
  r.tif = TimeInForce::kIoc;
  return r;
}

OrderRequest limit(const std::string& symbol, OrderSide side, double qty, double price,
                   TimeInForce tif = TimeInForce::kGtc, const std::string& strategy = "default") {
  OrderRequest r = market(symbol, side, qty, strategy);
  r.type = OrderType::kLimit;
  r.tif = tif;
  r.price = price;
  return r;
}

OrderRequest stop(const std::string& symbol, OrderSide side, double qty, double stop_price,
                  std::optional<double> limit_price = std::nullopt) {
  OrderRequest r = market(symbol, side, qty);
  r.type = limit_price ? OrderType::kStopLimit : OrderType::kStop;
  r.tif = limit_price ? TimeInForce::kGtc : TimeInForce::kIoc;
  r.stop_price = stop_price;
  r.price = limit_price;
  return r;
}

class Recorder : public ExecutionListener {
 public:
  void on_order_update(const Order& order) override { statuses.push_back(order.status); }
  void on_fill(const Fill& fill) override { fills.push_back(fill.qty); }
  std::vector<OrderStatus> statuses;
  std::vector<Lots> fills;
};

EngineConfig config_with_fees(double maker, double taker, double cash = 10000.0) {
  EngineConfig config;
  config.fees = {maker, taker};
  config.starting_cash = cash;
  return config;
}

// An engine with cash enough that the account never stands in the way of the venue's rules.
EngineConfig funded() { return config_with_fees(0.0, 0.0, 1e9); }

}  // namespace

TEST(ExecutionEngine, MarketOrderWithoutAPriceIsRejectedWithAReason) {
  ExecutionEngine engine;
  const auto id = engine.submit(market("BTC", OrderSide::kBuy, 1));
  EXPECT_EQ(engine.order(id).status, OrderStatus::kRejected);
  EXPECT_NE(engine.order(id).reject_reason.find("no market price known for BTC"),
            std::string::npos);
  EXPECT_TRUE(engine.fills().empty());
  EXPECT_EQ(engine.statistics().orders_rejected, 1u);
}

TEST(ExecutionEngine, MarketOrdersFillAtTheQuoteOrLastPriceWithTakerFees) {
  ExecutionEngine engine(config_with_fees(0.0001, 0.001));
  engine.add_instrument(Instrument("ES", 0.25, 1));
  engine.update_price("ES", 4500.25);
  const auto a = engine.submit(market("ES", OrderSide::kBuy, 2));
  EXPECT_EQ(engine.order(a).status, OrderStatus::kFilled);
  EXPECT_EQ(engine.fills().back().price, 18001);
  EXPECT_DOUBLE_EQ(engine.fills().back().fee, 0.001 * 2 * 4500.25);
  engine.update_quote("ES", 4500.0, 4500.5);
  const auto b = engine.submit(market("ES", OrderSide::kSell, 3));
  EXPECT_EQ(engine.fills().back().price, 18000);  // the bid
  EXPECT_EQ(engine.order(b).status, OrderStatus::kFilled);
  const Position* net = engine.net_position("ES");
  EXPECT_EQ(net->qty(), -1);
  EXPECT_DOUBLE_EQ(net->realized_pnl(), 2 * (4500.0 - 4500.25));
  EXPECT_DOUBLE_EQ(net->avg_price(), 4500.0);
  const AccountState acc = engine.account();
  const double fees = 0.001 * (2 * 4500.25 + 3 * 4500.0);
  EXPECT_DOUBLE_EQ(acc.fees, fees);
  EXPECT_DOUBLE_EQ(acc.cash, 10000.0 - 2 * 4500.25 + 3 * 4500.0 - fees);
  // Last trade 4500.25 is the mark: short 1 from 4500.0.
  EXPECT_DOUBLE_EQ(acc.unrealized_pnl, -0.25);
  EXPECT_NEAR(acc.equity, 10000.0 + acc.realized_pnl + acc.unrealized_pnl - fees, 1e-9);
}

TEST(ExecutionEngine, RestingLimitFillsWhenTheMarketTradesThroughIt) {
  ExecutionEngine engine(config_with_fees(-0.0001, 0.0005));
  Recorder recorder;
  engine.set_listener(&recorder);
  engine.update_price("X", 100.0);
  const auto id = engine.submit(limit("X", OrderSide::kBuy, 10, 99.5));
  EXPECT_EQ(engine.order(id).status, OrderStatus::kAccepted);
  EXPECT_EQ(engine.open_orders().size(), 1u);
  engine.update_price("X", 99.75);
  EXPECT_EQ(engine.order(id).status, OrderStatus::kAccepted);
  engine.update_price("X", 99.5);  // touches the limit
  EXPECT_EQ(engine.order(id).status, OrderStatus::kFilled);
  EXPECT_EQ(engine.fills().back().liquidity, Liquidity::kMaker);
  EXPECT_DOUBLE_EQ(engine.fills().back().fee, -0.0001 * 995.0);  // a rebate
  EXPECT_TRUE(engine.open_orders().empty());
  EXPECT_EQ(recorder.statuses,
            (std::vector<OrderStatus>{OrderStatus::kAccepted, OrderStatus::kFilled}));
  EXPECT_EQ(recorder.fills.size(), 1u);
}

TEST(ExecutionEngine, MarketableLimitTakesAtTheMarketPrice) {
  ExecutionEngine engine(funded());
  engine.update_quote("X", 99.0, 100.0);
  const auto id = engine.submit(limit("X", OrderSide::kBuy, 1, 101.0));
  EXPECT_EQ(engine.order(id).status, OrderStatus::kFilled);
  EXPECT_DOUBLE_EQ(engine.order(id).avg_fill_ticks() * 1e-8, 100.0);
  EXPECT_EQ(engine.fills().back().liquidity, Liquidity::kTaker);
}

TEST(ExecutionEngine, TimeInForceOnTheVenue) {
  ExecutionEngine engine(funded());
  engine.update_quote("X", 99.0, 100.0);
  const auto ioc = engine.submit(limit("X", OrderSide::kBuy, 1, 99.5, TimeInForce::kIoc));
  EXPECT_EQ(engine.order(ioc).status, OrderStatus::kExpired);
  const auto fok = engine.submit(limit("X", OrderSide::kBuy, 1, 99.5, TimeInForce::kFok));
  EXPECT_EQ(engine.order(fok).status, OrderStatus::kExpired);
  const auto post = engine.submit(limit("X", OrderSide::kBuy, 1, 100.0, TimeInForce::kPostOnly));
  EXPECT_EQ(engine.order(post).status, OrderStatus::kRejected);
  EXPECT_NE(engine.order(post).reject_reason.find("post-only"), std::string::npos);
  const auto rests = engine.submit(limit("X", OrderSide::kBuy, 1, 99.5, TimeInForce::kPostOnly));
  EXPECT_EQ(engine.order(rests).status, OrderStatus::kAccepted);
  EXPECT_THROW(engine.modify(rests, 100.0, std::nullopt), std::invalid_argument);
  EXPECT_EQ(engine.order(rests).price, 9950000000);
  EXPECT_TRUE(engine.fills().empty());
}

TEST(ExecutionEngine, OrdersOfTwoStrategiesCrossInTheBook) {
  ExecutionEngine engine(config_with_fees(0.001, 0.002, 0.0));
  const auto maker = engine.submit(limit("X", OrderSide::kSell, 5, 10.0, TimeInForce::kGtc, "a"));
  const auto taker = engine.submit(limit("X", OrderSide::kBuy, 3, 10.0, TimeInForce::kGtc, "b"));
  EXPECT_EQ(engine.order(maker).status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(engine.order(taker).status, OrderStatus::kFilled);
  EXPECT_EQ(engine.position("X", "a")->qty(), -300000000);
  EXPECT_EQ(engine.position("X", "b")->qty(), 300000000);
  EXPECT_EQ(engine.net_position("X")->qty(), 0);
  EXPECT_NEAR(engine.account().cash, -(0.001 + 0.002) * 30.0, 1e-12);
  EXPECT_TRUE(engine.cancel(maker));
  EXPECT_EQ(engine.order(maker).status, OrderStatus::kCanceled);
  EXPECT_FALSE(engine.cancel(maker));
  EXPECT_THROW(engine.cancel(99), std::invalid_argument);
}

TEST(ExecutionEngine, StopsFireOnTradesAndFillAtTheMarket) {
  ExecutionEngine engine(funded());
  engine.update_price("X", 100.0);
  const auto buy_stop = engine.submit(stop("X", OrderSide::kBuy, 1, 105.0));
  const auto sell_stop_limit = engine.submit(stop("X", OrderSide::kSell, 1, 95.0, 94.0));
  EXPECT_EQ(engine.order(buy_stop).status, OrderStatus::kAccepted);
  engine.update_price("X", 104.0);
  EXPECT_FALSE(engine.order(buy_stop).triggered);
  engine.update_price("X", 107.0);  // gaps through the stop: fills at the trade
  EXPECT_TRUE(engine.order(buy_stop).triggered);
  EXPECT_EQ(engine.order(buy_stop).status, OrderStatus::kFilled);
  EXPECT_EQ(engine.fills().back().price, 10700000000);
  engine.update_price("X", 95.0);  // fires; 95 is above the 94 limit, so the sell fills at 95
  EXPECT_EQ(engine.order(sell_stop_limit).status, OrderStatus::kFilled);
  EXPECT_EQ(engine.fills().back().price, 9500000000);
  EXPECT_EQ(engine.net_position("X")->qty(), 0);
  EXPECT_DOUBLE_EQ(engine.net_position("X")->realized_pnl(), 95.0 - 107.0);
}

TEST(ExecutionEngine, ModifyKeepsOrLosesPriorityAndChecksTheGrid) {
  ExecutionEngine engine(funded());
  engine.add_instrument(Instrument("X", 0.5, 1));
  engine.update_price("X", 100.0);
  const auto a = engine.submit(limit("X", OrderSide::kBuy, 5, 99.0));
  EXPECT_THROW(engine.modify(a, 99.25, std::nullopt), std::invalid_argument);
  EXPECT_THROW(engine.modify(a, std::nullopt, 0.0), std::invalid_argument);
  EXPECT_THROW(engine.modify(a, std::nullopt, std::nullopt), std::invalid_argument);
  engine.modify(a, std::nullopt, 3.0);
  EXPECT_EQ(engine.order(a).quantity, 3);
  engine.modify(a, 101.0, std::nullopt);  // now marketable against the last trade
  EXPECT_EQ(engine.order(a).status, OrderStatus::kFilled);
  EXPECT_EQ(engine.fills().back().price, 200);  // 100.0 in ticks of 0.5
  EXPECT_THROW(engine.modify(a, 98.0, std::nullopt), std::invalid_argument);
}

TEST(ExecutionEngine, RiskLimitsRejectWithReasons) {
  EngineConfig config = funded();
  config.risk.max_order_qty = 10;
  config.risk.max_order_notional = 5000;
  config.risk.max_position = 12;
  config.risk.max_open_orders = 2;
  ExecutionEngine engine(config);
  engine.add_instrument(Instrument("X", 0.01, 1));
  engine.set_time(1'000);
  engine.update_price("X", 100.0);
  const auto reason = [&](std::uint64_t id) { return engine.order(id).reject_reason; };
  EXPECT_NE(reason(engine.submit(market("X", OrderSide::kBuy, 11))).find("max_order_qty"),
            std::string::npos);
  EXPECT_NE(reason(engine.submit(limit("X", OrderSide::kBuy, 10, 600.0))).find("notional"),
            std::string::npos);
  EXPECT_EQ(engine.order(engine.submit(limit("X", OrderSide::kBuy, 8, 90.0))).status,
            OrderStatus::kAccepted);
  // 8 open to buy plus 5 would make 13.
  EXPECT_NE(reason(engine.submit(limit("X", OrderSide::kBuy, 5, 90.0))).find("max_position"),
            std::string::npos);
  engine.submit(limit("X", OrderSide::kSell, 1, 110.0));
  EXPECT_NE(reason(engine.submit(limit("X", OrderSide::kSell, 1, 111.0))).find("max_open_orders"),
            std::string::npos);
  EXPECT_EQ(engine.statistics().orders_rejected, 4u);
  engine.engage_kill_switch(true);
  EXPECT_TRUE(engine.open_orders().empty());
  EXPECT_EQ(reason(engine.submit(market("X", OrderSide::kBuy, 1))), "kill switch is engaged");
  engine.release_kill_switch();
  EXPECT_EQ(engine.order(engine.submit(market("X", OrderSide::kBuy, 1))).status,
            OrderStatus::kFilled);
}

TEST(ExecutionEngine, OrdersPerSecondUsesTheEngineClock) {
  EngineConfig config = funded();
  config.risk.max_orders_per_second = 2;
  ExecutionEngine engine(config);
  engine.update_price("X", 1.0);
  engine.set_time(1'000'000'000);
  EXPECT_EQ(engine.order(engine.submit(market("X", OrderSide::kBuy, 1))).status,
            OrderStatus::kFilled);
  EXPECT_EQ(engine.order(engine.submit(market("X", OrderSide::kBuy, 1))).status,
            OrderStatus::kFilled);
  EXPECT_EQ(engine.order(engine.submit(market("X", OrderSide::kBuy, 1))).status,
            OrderStatus::kRejected);
  engine.set_time(2'000'000'000);
  EXPECT_EQ(engine.order(engine.submit(market("X", OrderSide::kBuy, 1))).status,
            OrderStatus::kFilled);
  EXPECT_THROW(engine.set_time(1), std::invalid_argument);
}

TEST(ExecutionEngine, BadInputThrowsAndChangesNothing) {
  ExecutionEngine engine(funded());
  engine.add_instrument(Instrument("X", 0.01, 0.1, 0.2));
  engine.update_price("X", 10.0);
  OrderRequest r = limit("X", OrderSide::kBuy, 1, 10.001);
  EXPECT_THROW(engine.submit(r), std::invalid_argument);  // off the tick grid
  EXPECT_THROW(engine.submit(limit("X", OrderSide::kBuy, 0.15, 10.0)), std::invalid_argument);
  EXPECT_THROW(engine.submit(limit("X", OrderSide::kBuy, 0.1, 10.0)), std::invalid_argument);
  EXPECT_THROW(engine.submit(limit("Y", OrderSide::kBuy, 1, 10.0)), std::invalid_argument);
  EXPECT_THROW(engine.submit(market("X", OrderSide::kBuy, -1)), std::invalid_argument);
  OrderRequest priced = market("X", OrderSide::kBuy, 1);
  priced.price = 10.0;
  EXPECT_THROW(engine.submit(priced), std::invalid_argument);
  OrderRequest named = limit("X", OrderSide::kBuy, 1, 9.0);
  named.client_order_id = "c1";
  engine.submit(named);
  EXPECT_THROW(engine.submit(named), std::invalid_argument);
  EXPECT_THROW(engine.update_quote("X", 10.0, 9.99), std::invalid_argument);
  engine.update_price("X", 10.004);  // market data off the grid is rounded, not refused
  EXPECT_EQ(*engine.mark_price("X"), 10.0);
  EXPECT_EQ(engine.statistics().orders_submitted, 1u);
  EXPECT_EQ(engine.open_orders().size(), 1u);
  EXPECT_EQ(*engine.find_client_order("c1"), 1u);
}

TEST(ExecutionEngine, PriceSourceSuppliesPricesItWasNotPushed) {
  struct Fixed : PriceSource {
    std::optional<LastTrade> last_trade(std::string_view) const override {
      return LastTrade{1, 250.0, 1.0};
    }
    std::optional<BestQuote> best_quote(std::string_view) const override { return std::nullopt; }
  } source;
  ExecutionEngine engine(funded(), &source);
  const auto id = engine.submit(market("X", OrderSide::kBuy, 2));
  EXPECT_EQ(engine.order(id).status, OrderStatus::kFilled);
  EXPECT_EQ(engine.fills().back().price, 25000000000);
}
