#include <gtest/gtest.h>

#include "alphaforge/book_sweep.hpp"

namespace alphaforge {
namespace {

// Asks 100.1 x 1, 100.2 x 2, 100.4 x 3; bids 99.9 x 5, 99.8 x 1 (tick 0.1: prices in ticks).
DepthBook recorded_book() {
  DepthBook book(Instrument("X", 0.1, 0.001));
  book.set(OrderSide::kSell, 100.1, 1.0);
  book.set(OrderSide::kSell, 100.2, 2.0);
  book.set(OrderSide::kSell, 100.4, 3.0);
  book.set(OrderSide::kBuy, 99.9, 5.0);
  book.set(OrderSide::kBuy, 99.8, 1.0);
  return book;
}

TEST(BookSweep, AMarketBuyWalksTheAsksAtEachLevelsPriceAndSize) {
  const DepthBook book = recorded_book();
  const Sweep s = sweep(book, OrderSide::kBuy, 4.5, std::nullopt, TimeInForce::kGtc);
  ASSERT_EQ(s.fills.size(), 3u);
  EXPECT_EQ(s.fills[0].price, 1001);
  EXPECT_DOUBLE_EQ(s.fills[0].qty, 1.0);
  EXPECT_EQ(s.fills[1].price, 1002);
  EXPECT_DOUBLE_EQ(s.fills[1].qty, 2.0);
  EXPECT_EQ(s.fills[2].price, 1004);
  EXPECT_DOUBLE_EQ(s.fills[2].qty, 1.5);
  EXPECT_DOUBLE_EQ(s.rest, 0.0);
}

TEST(BookSweep, AMarketSellLargerThanTheBookLeavesTheRest) {
  const DepthBook book = recorded_book();
  const Sweep s = sweep(book, OrderSide::kSell, 8.0, std::nullopt, TimeInForce::kGtc);
  ASSERT_EQ(s.fills.size(), 2u);
  EXPECT_DOUBLE_EQ(s.fills[0].qty + s.fills[1].qty, 6.0);
  EXPECT_DOUBLE_EQ(s.rest, 2.0);
}

TEST(BookSweep, AMarketableLimitStopsAtItsPrice) {
  const DepthBook book = recorded_book();
  const Sweep s = sweep(book, OrderSide::kBuy, 5.0, Ticks{1003}, TimeInForce::kIoc);
  ASSERT_EQ(s.fills.size(), 2u);
  EXPECT_EQ(s.fills[1].price, 1002);
  EXPECT_DOUBLE_EQ(s.rest, 2.0);  // IOC: the caller expires it; GTC: it rests at 100.3
}

TEST(BookSweep, FillOrKillTakesNothingUnlessAllFits) {
  const DepthBook book = recorded_book();
  const Sweep short_of = sweep(book, OrderSide::kBuy, 3.5, Ticks{1002}, TimeInForce::kFok);
  EXPECT_TRUE(short_of.fills.empty());
  EXPECT_DOUBLE_EQ(short_of.rest, 3.5);
  const Sweep fits = sweep(book, OrderSide::kBuy, 3.0, Ticks{1002}, TimeInForce::kFok);
  ASSERT_EQ(fits.fills.size(), 2u);
  EXPECT_DOUBLE_EQ(fits.rest, 0.0);
}

TEST(BookSweep, OwnOrdersDoNotMoveTheRecordedBook) {
  const DepthBook book = recorded_book();
  sweep(book, OrderSide::kBuy, 2.0, std::nullopt, TimeInForce::kGtc);
  const Sweep again = sweep(book, OrderSide::kBuy, 1.0, std::nullopt, TimeInForce::kGtc);
  ASSERT_EQ(again.fills.size(), 1u);
  EXPECT_EQ(again.fills[0].price, 1001);  // the first order's take left the level as recorded
  EXPECT_DOUBLE_EQ(book.size_at(OrderSide::kSell, 100.1), 1.0);
}

TEST(BookSweep, ALimitThatCannotTakeGetsNothing) {
  const DepthBook book = recorded_book();
  const Sweep s = sweep(book, OrderSide::kSell, 1.0, Ticks{1000}, TimeInForce::kGtc);
  EXPECT_TRUE(s.fills.empty());
  EXPECT_DOUBLE_EQ(s.rest, 1.0);
}

}  // namespace
}  // namespace alphaforge
