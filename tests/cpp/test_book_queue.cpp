#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "alphaforge/book_queue.hpp"
#include "alphaforge/order_latency.hpp"

namespace alphaforge {
namespace {

// An order that joined a level of 10, which then grew to 16 behind it: front 10, back 6.
QueuePosition joined_ten_of_sixteen(const QueueModel& model) {
  QueuePosition q = QueuePosition::join(10.0);
  q.on_level(model, 10.0, 16.0);
  EXPECT_DOUBLE_EQ(q.ahead, 10.0);  // a growing level adds behind the order
  return q;
}

// The level then loses 4 without a trade. Each model's share of it from behind (p), and the
// queue ahead left, 10 - (1 - p) * 4, by hand:
TEST(QueueModel, PowerTakesTheShareBehindAsBackSquaredOverBothSquared) {
  const QueueModel model(QueueModelKind::kPower, 2.0);
  QueuePosition q = joined_ten_of_sixteen(model);
  q.on_level(model, 16.0, 12.0);
  // p = 36 / (36 + 100)
  EXPECT_NEAR(q.ahead, 10.0 - 4.0 * (100.0 / 136.0), 1e-12);
}

TEST(QueueModel, PowerTwoDividesByTheWholeLevelSquared) {
  const QueueModel model(QueueModelKind::kPower2, 2.0);
  QueuePosition q = joined_ten_of_sixteen(model);
  q.on_level(model, 16.0, 12.0);
  EXPECT_DOUBLE_EQ(q.ahead, 6.5625);  // p = 36 / 256
}

TEST(QueueModel, PowerThreeIsOneMinusTheFrontShareSquared) {
  const QueueModel model(QueueModelKind::kPower3, 2.0);
  QueuePosition q = joined_ten_of_sixteen(model);
  q.on_level(model, 16.0, 12.0);
  EXPECT_DOUBLE_EQ(q.ahead, 8.4375);  // p = 1 - (10 / 16)^2
}

TEST(QueueModel, LogUsesLogOnePlusSizes) {
  const QueueModel model(QueueModelKind::kLog);
  QueuePosition q = joined_ten_of_sixteen(model);
  q.on_level(model, 16.0, 12.0);
  EXPECT_NEAR(q.ahead, 7.7918944, 1e-6);  // p = ln 7 / (ln 7 + ln 11)
}

TEST(QueueModel, LogTwoDividesByTheLogOfTheWholeLevel) {
  const QueueModel model(QueueModelKind::kLog2);
  QueuePosition q = joined_ten_of_sixteen(model);
  q.on_level(model, 16.0, 12.0);
  EXPECT_NEAR(q.ahead, 8.7472836, 1e-6);  // p = ln 7 / ln 17
}

TEST(QueueModel, RiskAverseMovesOnlyByTradesAndIsCappedByTheLevel) {
  const QueueModel model(QueueModelKind::kRiskAverse);
  QueuePosition q = joined_ten_of_sixteen(model);
  q.on_level(model, 16.0, 12.0);
  EXPECT_DOUBLE_EQ(q.ahead, 10.0);
  q.on_level(model, 12.0, 4.0);
  EXPECT_DOUBLE_EQ(q.ahead, 4.0);
}

TEST(QueueModel, ATradeThenItsLevelUpdateCountOnce) {
  const QueueModel model(QueueModelKind::kPower, 2.0);
  QueuePosition q = joined_ten_of_sixteen(model);
  EXPECT_DOUBLE_EQ(q.on_trade(3.0), 0.0);
  EXPECT_DOUBLE_EQ(q.ahead, 7.0);
  q.on_level(model, 16.0, 13.0);  // the venue shows the same 3 leaving the level
  EXPECT_DOUBLE_EQ(q.ahead, 7.0);
  q.on_level(model, 13.0, 11.0);  // a later decrease of 2 is a cancel again: front 7, back 6
  EXPECT_NEAR(q.ahead, 7.0 - 2.0 * (49.0 / 85.0), 1e-12);
}

TEST(QueueModel, TheTradeBeyondTheQueueAheadReachesTheOrder) {
  QueuePosition q = QueuePosition::join(2.0);
  EXPECT_DOUBLE_EQ(q.on_trade(5.0), 3.0);
  EXPECT_DOUBLE_EQ(q.on_trade(1.0), 4.0);  // nothing filled: what reached it adds up
  q.filled();
  EXPECT_DOUBLE_EQ(q.on_trade(1.0), 1.0);  // at the front: the whole trade reaches it
}

TEST(QueueModel, RefusesUnknownNamesAndBadExponents) {
  EXPECT_EQ(parse_queue_model("log2"), QueueModelKind::kLog2);
  EXPECT_THROW(parse_queue_model("square"), std::invalid_argument);
  EXPECT_THROW(QueueModel(QueueModelKind::kPower, 0.0), std::invalid_argument);
}

TEST(OrderLatency, InterpolatesLinearlyAndHoldsTheEndsOutside) {
  const std::vector<std::int64_t> ts{1000, 2000};
  const std::vector<std::int64_t> entry{100, 300};
  const std::vector<std::int64_t> response{50, 10};
  const OrderLatency latency(ts.data(), entry.data(), response.data(), ts.size());
  EXPECT_EQ(latency.entry(1500), 200);
  EXPECT_EQ(latency.entry(1250), 150);
  EXPECT_EQ(latency.response(1750), 20);
  EXPECT_EQ(latency.entry(500), 100);
  EXPECT_EQ(latency.entry(2500), 300);
  const OrderLatency constant(7, 9);
  EXPECT_EQ(constant.entry(123), 7);
  EXPECT_EQ(constant.response(-5), 9);
}

TEST(OrderLatency, RefusesUnsortedTimesAndNegativeLatenciesNamingTheRow) {
  const std::vector<std::int64_t> ts{1000, 1000};
  const std::vector<std::int64_t> ok{1, 1};
  const std::vector<std::int64_t> negative{1, -1};
  try {
    OrderLatency(ts.data(), ok.data(), ok.data(), 2);
    FAIL() << "equal timestamps were accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("ts[1]"), std::string::npos) << e.what();
  }
  const std::vector<std::int64_t> sorted{1000, 2000};
  try {
    OrderLatency(sorted.data(), negative.data(), ok.data(), 2);
    FAIL() << "a negative latency was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("entry latency[1]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(OrderLatency(-1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace alphaforge
