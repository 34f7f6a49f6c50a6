#include "alphaforge/book_venue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using alphaforge::AggressorSide;
using alphaforge::BookVenue;
using alphaforge::Instrument;
using alphaforge::Liquidity;
using alphaforge::OrderSide;
using alphaforge::QueueModel;
using alphaforge::QueueModelKind;
using alphaforge::Ticks;
using alphaforge::TimeInForce;
using alphaforge::VenueEvents;

// Tick 0.5, lot 0.1. Bids 99 x 1, 98 x 2; asks 101 x 3, 102 x 4.
BookVenue venue(QueueModelKind kind = QueueModelKind::kRiskAverse) {
  BookVenue v(Instrument("X", 0.5, 0.1), QueueModel(kind));
  const std::vector<std::uint8_t> is_bid{1, 1, 0, 0};
  const std::vector<double> price{99.0, 98.0, 101.0, 102.0};
  const std::vector<double> size{1.0, 2.0, 3.0, 4.0};
  VenueEvents none;
  v.on_depth(is_bid.data(), price.data(), size.data(), 4, true, none);
  return v;
}

Ticks ticks(double price) { return static_cast<Ticks>(price / 0.5); }

void diff(BookVenue& v, bool bid, double price, double size, VenueEvents& out) {
  const std::uint8_t side = bid ? 1 : 0;
  v.on_depth(&side, &price, &size, 1, false, out);
}

TEST(BookVenue, AMarketOrderWalksTheLevelsAndTheRestExpires) {
  BookVenue v = venue();
  VenueEvents out;
  v.arrive(1, OrderSide::kBuy, std::nullopt, TimeInForce::kGtc, 8.0, out);
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[0].price, ticks(101.0));
  EXPECT_DOUBLE_EQ(out.fills[0].qty, 3.0);
  EXPECT_EQ(out.fills[1].price, ticks(102.0));
  EXPECT_DOUBLE_EQ(out.fills[1].qty, 4.0);
  EXPECT_EQ(out.fills[1].liquidity, Liquidity::kTaker);
  ASSERT_EQ(out.expiries.size(), 1u);  // 1 of 8 had no level left
  EXPECT_EQ(v.resting_count(), 0u);
}

TEST(BookVenue, LevelsAreTakenInWholeLots) {
  BookVenue v = venue();
  VenueEvents out;
  diff(v, false, 101.0, 0.25, out);  // 0.25 shown: 0.2 is whole lots
  v.arrive(1, OrderSide::kBuy, std::nullopt, TimeInForce::kGtc, 1.0, out);
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_DOUBLE_EQ(out.fills[0].qty, 0.2);
  EXPECT_DOUBLE_EQ(out.fills[1].qty, 0.8);
}

TEST(BookVenue, TimeInForceDecidesWhatIsLeftOfALimit) {
  BookVenue v = venue();
  VenueEvents out;
  v.arrive(1, OrderSide::kBuy, ticks(101.0), TimeInForce::kPostOnly, 1.0, out);
  v.arrive(2, OrderSide::kBuy, ticks(102.0), TimeInForce::kFok, 8.0, out);  // 7 shown
  v.arrive(3, OrderSide::kBuy, ticks(101.0), TimeInForce::kIoc, 5.0, out);  // 3 at 101
  v.arrive(4, OrderSide::kBuy, ticks(100.0), TimeInForce::kIoc, 1.0, out);  // nothing
  v.arrive(5, OrderSide::kBuy, ticks(101.5), TimeInForce::kGtc, 5.0, out);  // 3, 2 rest
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_EQ(out.fills[0].id, 3u);
  EXPECT_EQ(out.fills[1].id, 5u);
  std::vector<std::uint64_t> expired;
  for (const auto& e : out.expiries) expired.push_back(e.id);
  EXPECT_EQ(expired, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(v.resting(5));
  EXPECT_DOUBLE_EQ(v.ahead(5), 0.0);  // nothing displayed at 101.5
}

TEST(BookVenue, ARestingOrderFillsWhenTheQueueAheadIsGone) {
  BookVenue v = venue();
  VenueEvents out;
  v.arrive(1, OrderSide::kSell, ticks(101.0), TimeInForce::kGtc, 2.0, out);
  EXPECT_DOUBLE_EQ(v.ahead(1), 3.0);
  v.on_trade(101.0, 2.0, AggressorSide::kNone, out);
  EXPECT_TRUE(out.fills.empty());
  v.on_trade(101.0, 2.0, AggressorSide::kNone, out);  // 1 ahead, 1 reaches the order
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_DOUBLE_EQ(out.fills[0].qty, 1.0);
  EXPECT_EQ(out.fills[0].liquidity, Liquidity::kMaker);
  // The level shrinks by the 4 traded: no further move in the queue for it.
  diff(v, false, 101.0, 0.0, out);
  v.on_trade(101.5, 0.1, AggressorSide::kNone, out);  // through the order's price: the rest fills whole
  ASSERT_EQ(out.fills.size(), 2u);
  EXPECT_DOUBLE_EQ(out.fills[1].qty, 1.0);
  EXPECT_EQ(v.resting_count(), 0u);
}

TEST(BookVenue, AFallingBestAskFillsARestingBidItCrosses) {
  BookVenue v = venue();
  VenueEvents out;
  v.arrive(1, OrderSide::kBuy, ticks(99.0), TimeInForce::kGtc, 1.0, out);
  diff(v, false, 99.5, 2.0, out);  // new best ask 99.5: above the bid, nothing
  EXPECT_TRUE(out.fills.empty());
  diff(v, false, 99.0, 2.0, out);  // best ask 99 reaches the bid
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.fills[0].price, ticks(99.0));
  EXPECT_DOUBLE_EQ(out.fills[0].qty, 1.0);
}

TEST(BookVenue, ASnapshotMovesTheQueueByTheLevelItReplaces) {
  BookVenue v = venue();
  VenueEvents out;
  v.arrive(1, OrderSide::kSell, ticks(101.0), TimeInForce::kGtc, 1.0, out);
  const std::vector<std::uint8_t> is_bid{1, 0};
  const std::vector<double> price{99.0, 101.0};
  const std::vector<double> size{1.0, 1.5};  // 101 went from 3 to 1.5
  v.on_depth(is_bid.data(), price.data(), size.data(), 2, true, out);
  EXPECT_DOUBLE_EQ(v.ahead(1), 1.5);
  EXPECT_TRUE(out.fills.empty());
}

TEST(BookVenue, ATradeReachesOnlyTheOrdersOnTheOtherSideOfItsTaker) {
  BookVenue v = venue();
  VenueEvents out;
  v.arrive(1, OrderSide::kBuy, ticks(100.0), TimeInForce::kGtc, 1.0, out);  // nothing ahead
  v.on_trade(99.0, 1.0, AggressorSide::kBuyer, out);  // a buyer's print: not our bid's taker
  EXPECT_TRUE(out.fills.empty());
  v.on_trade(99.5, 1.0, AggressorSide::kSeller, out);  // a seller went through our bid
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_EQ(out.fills[0].price, ticks(100.0));
}

TEST(BookVenue, AReachUnderHalfALotCarriesToTheNextTrade) {
  BookVenue v(Instrument("X", 0.5, 1.0), QueueModel(QueueModelKind::kRiskAverse));
  const std::uint8_t ask = 0;
  const double price = 101.0;
  const double size = 5.0;
  VenueEvents out;
  v.on_depth(&ask, &price, &size, 1, true, out);
  v.arrive(1, OrderSide::kSell, ticks(101.0), TimeInForce::kGtc, 1.0, out);
  v.on_trade(101.0, 5.3, AggressorSide::kBuyer, out);  // 0.3 lot beyond the queue: nothing
  EXPECT_TRUE(out.fills.empty());
  v.on_trade(101.0, 0.4, AggressorSide::kBuyer, out);  // 0.7 lot reached: one lot fills
  ASSERT_EQ(out.fills.size(), 1u);
  EXPECT_DOUBLE_EQ(out.fills[0].qty, 1.0);
}

TEST(BookVenue, CanceledAndClosedOrdersLeaveTheQueue) {
  BookVenue v = venue();
  VenueEvents out;
  v.arrive(1, OrderSide::kSell, ticks(101.0), TimeInForce::kGtc, 1.0, out);
  v.arrive(2, OrderSide::kSell, ticks(102.0), TimeInForce::kGtc, 1.0, out);
  EXPECT_TRUE(v.cancel(1));
  EXPECT_FALSE(v.cancel(1));
  v.drop_if([](std::uint64_t id) { return id == 2; });
  EXPECT_EQ(v.resting_count(), 0u);
}

}  // namespace
