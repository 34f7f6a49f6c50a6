#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "alphaforge/instrument.hpp"
#include "alphaforge/latency_histogram.hpp"
#include "alphaforge/order.hpp"
#include "alphaforge/order_index.hpp"
#include "alphaforge/position.hpp"
#include "alphaforge/risk.hpp"

using namespace alphaforge;

TEST(Instrument, ConvertsOnTheGridOnly) {
  const Instrument btc("BTCUSDT", 0.01, 0.00001);
  EXPECT_EQ(btc.price_precision(), 2);
  EXPECT_EQ(btc.size_precision(), 5);
  EXPECT_EQ(btc.price_to_ticks(100.01), 10001);
  EXPECT_EQ(btc.price_to_ticks(0.3), 30);
  EXPECT_EQ(btc.qty_to_lots(0.00003), 3);
  EXPECT_DOUBLE_EQ(btc.ticks_to_price(10001), 100.01);
  EXPECT_EQ(btc.ticks_to_price(30), 0.3);
  EXPECT_THROW(btc.price_to_ticks(100.005), std::invalid_argument);
  EXPECT_THROW(btc.price_to_ticks(0.0), std::invalid_argument);
  EXPECT_THROW(btc.price_to_ticks(-1.0), std::invalid_argument);
  EXPECT_THROW(btc.price_to_ticks(std::nan("")), std::invalid_argument);
  EXPECT_THROW(btc.price_to_ticks(std::numeric_limits<double>::infinity()), std::invalid_argument);
  EXPECT_THROW(btc.qty_to_lots(0.000015), std::invalid_argument);
  EXPECT_THROW(btc.price_to_ticks(1e300), std::invalid_argument);
  const Instrument es("ES", 0.25, 1);
  EXPECT_EQ(es.price_to_ticks(4500.75), 18003);
  EXPECT_THROW(es.price_to_ticks(4500.1), std::invalid_argument);
  EXPECT_THROW(Instrument("X", 0.0, 1.0), std::invalid_argument);
  EXPECT_THROW(Instrument("", 0.01, 1.0), std::invalid_argument);
  EXPECT_THROW(Instrument("X", 0.01, 1.0, 0.5), std::invalid_argument);  // min_qty off grid
  // A fine grid still tells a real fraction of a tick from the rounding of a decimal.
  const Instrument fine = Instrument::fine_grid("F");
  EXPECT_EQ(fine.price_to_ticks(65000.12345678), 6500012345678);
  EXPECT_THROW(fine.price_to_ticks(1.000000005), std::invalid_argument);
}

TEST(Order, LifecycleAllowsOnlyLegalTransitions) {
  Order o;
  o.id = 1;
  o.quantity = 10;
  EXPECT_THROW(o.fill(100, 1, 0), IllegalTransition);  // not accepted yet
  o.accept(1);
  EXPECT_THROW(o.accept(2), IllegalTransition);
  o.fill(100, 4, 2);
  EXPECT_EQ(o.status, OrderStatus::kPartiallyFilled);
  o.fill(102, 6, 3);
  EXPECT_EQ(o.status, OrderStatus::kFilled);
  EXPECT_DOUBLE_EQ(o.avg_fill_ticks(), (100.0 * 4 + 102.0 * 6) / 10.0);
  EXPECT_EQ(o.leaves(), 0);
  EXPECT_THROW(o.cancel(4), IllegalTransition);
  EXPECT_THROW(o.fill(100, 1, 4), IllegalTransition);
  EXPECT_EQ(o.ts_updated_ns, 3);

  Order r;
  r.quantity = 1;
  r.reject("too big", 5);
  EXPECT_EQ(r.status, OrderStatus::kRejected);
  EXPECT_EQ(r.reject_reason, "too big");
  EXPECT_THROW(r.accept(6), IllegalTransition);

  Order c;
  c.quantity = 5;
  c.accept(1);
  c.fill(10, 2, 2);
  EXPECT_THROW(c.fill(10, 4, 3), IllegalTransition);  // more than is left
  c.cancel(3);
  EXPECT_EQ(c.status, OrderStatus::kCanceled);
  EXPECT_EQ(c.filled, 2);
  EXPECT_THROW(c.expire(4), IllegalTransition);

  for (auto from : {OrderStatus::kFilled, OrderStatus::kCanceled, OrderStatus::kRejected,
                    OrderStatus::kExpired}) {
    for (int to = 0; to <= 7; ++to) {
      EXPECT_FALSE(transition_allowed(from, static_cast<OrderStatus>(to)));
    }
  }
  EXPECT_FALSE(transition_allowed(OrderStatus::kNew, OrderStatus::kFilled));
  EXPECT_FALSE(transition_allowed(OrderStatus::kAccepted, OrderStatus::kNew));
}

TEST(Position, AverageCostRealizedAndFlips) {
  Position p(1.0);
  p.apply_fill(OrderSide::kBuy, 10, 100.0, 1.0);
  p.apply_fill(OrderSide::kBuy, 10, 110.0, 1.0);
  EXPECT_EQ(p.qty(), 20);
  EXPECT_DOUBLE_EQ(p.avg_price(), 105.0);
  p.apply_fill(OrderSide::kSell, 5, 120.0, 0.5);
  EXPECT_DOUBLE_EQ(p.realized_pnl(), 75.0);   // 5 * (120 - 105)
  EXPECT_DOUBLE_EQ(p.avg_price(), 105.0);
  p.apply_fill(OrderSide::kSell, 25, 90.0, 0.5);  // closes 15, opens 10 short at 90
  EXPECT_DOUBLE_EQ(p.realized_pnl(), 75.0 - 225.0);
  EXPECT_EQ(p.qty(), -10);
  EXPECT_DOUBLE_EQ(p.avg_price(), 90.0);
  EXPECT_DOUBLE_EQ(p.unrealized_pnl(85.0), 50.0);
  p.apply_fill(OrderSide::kBuy, 10, 80.0, 0.0);
  EXPECT_EQ(p.qty(), 0);
  EXPECT_DOUBLE_EQ(p.realized_pnl(), -150.0 + 100.0);
  EXPECT_DOUBLE_EQ(p.avg_price(), 0.0);
  EXPECT_DOUBLE_EQ(p.fees(), 3.0);
  EXPECT_EQ(p.fill_count(), 5u);
  Position lots(0.001);  // lots of 0.001 units
  lots.apply_fill(OrderSide::kSell, 2000, 50.0, 0.0);
  lots.apply_fill(OrderSide::kBuy, 1000, 40.0, 0.0);
  EXPECT_DOUBLE_EQ(lots.realized_pnl(), 10.0);
  EXPECT_DOUBLE_EQ(lots.quantity(), -1.0);
}

TEST(RiskEngine, EachLimitAndTheRateWindow) {
  RiskLimits limits;
  limits.max_order_qty = 10;
  limits.max_order_notional = 1000;
  limits.max_position = 15;
  limits.max_open_orders = 2;
  limits.max_orders_per_second = 2;
  RiskEngine risk(limits);
  const auto ok = RiskCheck{5, 500.0, 0, 5, 0, 1'000'000'000, true};
  EXPECT_FALSE(risk.check(ok));
  auto c = ok;
  c.qty = 11;
  EXPECT_NE(risk.check(c)->find("max_order_qty"), std::string::npos);
  c = ok;
  c.notional = 1001;
  EXPECT_NE(risk.check(c)->find("max_order_notional"), std::string::npos);
  c = ok;
  c.position_after = -16;
  EXPECT_NE(risk.check(c)->find("max_position"), std::string::npos);
  c.position_now = -20;  // reducing a position beyond the limit is allowed
  EXPECT_FALSE(risk.check(c));
  c = ok;
  c.open_orders = 2;
  EXPECT_NE(risk.check(c)->find("max_open_orders"), std::string::npos);
  c.new_order = false;
  EXPECT_FALSE(risk.check(c));
  risk.record(1'000'000'000);
  risk.record(1'500'000'000);
  c = ok;
  c.now_ns = 1'900'000'000;
  EXPECT_NE(risk.check(c)->find("max_orders_per_second"), std::string::npos);
  c.now_ns = 2'000'000'001;
  EXPECT_FALSE(risk.check(c));
  risk.engage_kill_switch();
  EXPECT_EQ(*risk.check(c), "kill switch is engaged");
  risk.release_kill_switch();
  EXPECT_FALSE(risk.check(c));
  RiskLimits bad;
  bad.max_order_qty = -1;
  EXPECT_THROW(RiskEngine{bad}, std::invalid_argument);
  bad.max_order_qty = std::nan("");
  EXPECT_THROW(RiskEngine{bad}, std::invalid_argument);
}

TEST(LatencyHistogram, PercentilesWithinABucket) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_EQ(h.max(), 10000u);
  EXPECT_NEAR(h.mean(), 5000.5, 1e-9);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 5000.0, 5000.0 * 0.035);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 9900.0, 9900.0 * 0.035);
  EXPECT_EQ(h.percentile(1.0), 10000u);
  EXPECT_EQ(LatencyHistogram{}.percentile(0.5), 0u);
}

TEST(OrderIndex, MatchesAMapUnderChurn) {
  OrderIndex index(4);
  std::unordered_map<std::uint64_t, std::uint32_t> reference;
  std::uint64_t state = 12345;
  for (std::uint32_t step = 0; step < 200000; ++step) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const std::uint64_t key = (state >> 33) % 5000;
    if ((state >> 20) & 1) {
      EXPECT_EQ(index.insert(key, step), reference.emplace(key, step).second);
    } else {
      EXPECT_EQ(index.erase(key), reference.erase(key) == 1);
    }
  }
  EXPECT_EQ(index.size(), reference.size());
  for (const auto& [key, value] : reference) EXPECT_EQ(index.find(key), value);
  EXPECT_EQ(index.find(999999), OrderIndex::kMissing);
}
