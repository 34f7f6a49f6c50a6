#include <gtest/gtest.h>

#include <vector>

#include "alphaforge/book_queue_orders.hpp"

namespace alphaforge {
namespace {

// Bids 99.9 x 5, 99.8 x 2; asks 100.0 x 4 (tick 0.1, so 99.9 is 999 ticks).
DepthBook recorded_book() {
  DepthBook book(Instrument("X", 0.1, 0.001));
  book.set(OrderSide::kBuy, 99.9, 5.0);
  book.set(OrderSide::kBuy, 99.8, 2.0);
  book.set(OrderSide::kSell, 100.0, 4.0);
  return book;
}

TEST(BookQueueOrders, JoinsBehindTheDisplayedSizeAndFillsWithWhatATradeLeaves) {
  const DepthBook book = recorded_book();
  BookQueueOrders orders{QueueModel(QueueModelKind::kRiskAverse)};
  orders.rest(1, OrderSide::kBuy, 999, 2.0, book);
  EXPECT_DOUBLE_EQ(orders.ahead(1), 5.0);
  std::vector<RestingFill> fills;
  orders.on_trade(999, 4.0, AggressorSide::kNone, fills);  // 4 of the 5 ahead
  EXPECT_TRUE(fills.empty());
  orders.on_trade(999, 2.5, AggressorSide::kNone, fills);  // 1 ahead, then 1.5 for us
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_DOUBLE_EQ(fills[0].qty, 1.5);
  EXPECT_EQ(fills[0].price, 999);
  orders.on_trade(999, 3.0, AggressorSide::kNone, fills);  // the last 0.5
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_DOUBLE_EQ(fills[1].qty, 0.5);
  EXPECT_EQ(orders.size(), 0u);
}

TEST(BookQueueOrders, ATradeThroughThePriceFillsWhole) {
  const DepthBook book = recorded_book();
  BookQueueOrders orders{QueueModel(QueueModelKind::kRiskAverse)};
  orders.rest(1, OrderSide::kBuy, 999, 2.0, book);
  orders.rest(2, OrderSide::kSell, 1000, 1.0, book);
  std::vector<RestingFill> fills;
  // Below our bid: the queue at 99.9 was taken.
  orders.on_trade(998, 0.1, AggressorSide::kNone, fills);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].order_id, 1u);
  EXPECT_DOUBLE_EQ(fills[0].qty, 2.0);
  EXPECT_EQ(orders.size(), 1u);  // the ask at 100.0 did not trade
}

TEST(BookQueueOrders, TheOppositeBestCrossingThePriceFillsAtTheOrdersPrice) {
  DepthBook book = recorded_book();
  BookQueueOrders orders{QueueModel(QueueModelKind::kRiskAverse)};
  orders.rest(1, OrderSide::kBuy, 998, 1.0, book);
  std::vector<RestingFill> fills;
  const auto best_ask = [&] { return std::optional<Ticks>(book.best(OrderSide::kSell)->price); };
  const auto best_bid = [&] { return std::optional<Ticks>(book.best(OrderSide::kBuy)->price); };
  auto ask_before = best_ask();
  book.set(OrderSide::kSell, 99.9, 1.0);  // an ask at 99.9: above our 99.8, no fill
  orders.on_book(book, best_bid(), ask_before, fills);
  EXPECT_TRUE(fills.empty());
  ask_before = best_ask();
  book.set(OrderSide::kSell, 99.8, 3.0);
  orders.on_book(book, best_bid(), ask_before, fills);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, 998);
}

TEST(BookQueueOrders, AnOrderAlreadyThroughTheOldBestWaitsForTheBestToCrossItAnew) {
  DepthBook book = recorded_book();
  BookQueueOrders orders{QueueModel(QueueModelKind::kRiskAverse)};
  const Ticks ask = book.best(OrderSide::kSell)->price;
  orders.rest(1, OrderSide::kBuy, ask + 5, 1.0, book);  // through the displayed asks
  std::vector<RestingFill> fills;
  book.set(OrderSide::kBuy, 99.0, 2.0);  // the asks did not move
  orders.on_book(book, book.best(OrderSide::kBuy)->price, ask, fills);
  EXPECT_TRUE(fills.empty());
  // The asks leave and come back down through the order: now it fills.
  const Ticks higher = ask + 10;
  orders.on_book(book, book.best(OrderSide::kBuy)->price, higher, fills);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].price, ask + 5);
}

TEST(BookQueueOrders, LevelDecreasesMoveTheQueueByTheModel) {
  const DepthBook book = recorded_book();
  BookQueueOrders averse{QueueModel(QueueModelKind::kRiskAverse)};
  BookQueueOrders power{QueueModel(QueueModelKind::kPower, 1.0)};
  averse.rest(1, OrderSide::kBuy, 999, 1.0, book);
  power.rest(1, OrderSide::kBuy, 999, 1.0, book);
  for (BookQueueOrders* o : {&averse, &power}) {
    o->on_level(OrderSide::kBuy, 999, 5.0, 8.0);  // 3 join behind
    o->on_level(OrderSide::kBuy, 999, 8.0, 6.0);  // 2 cancelled: front 5, back 3
  }
  EXPECT_DOUBLE_EQ(averse.ahead(1), 5.0);
  EXPECT_DOUBLE_EQ(power.ahead(1), 5.0 - 2.0 * 5.0 / 8.0);  // p = 3 / (3 + 5)
}

TEST(BookQueueOrders, OurOrdersDoNotQueueBehindEachOther) {
  const DepthBook book = recorded_book();
  BookQueueOrders orders{QueueModel(QueueModelKind::kRiskAverse)};
  orders.rest(1, OrderSide::kBuy, 999, 1.0, book);
  orders.rest(2, OrderSide::kBuy, 999, 1.0, book);
  EXPECT_DOUBLE_EQ(orders.ahead(2), 5.0);
  std::vector<RestingFill> fills;
  orders.on_trade(999, 6.0, AggressorSide::kNone, fills);
  EXPECT_EQ(fills.size(), 2u);
  EXPECT_FALSE(orders.cancel(3));
}

TEST(BookQueueOrders, ACancelledOrderNoLongerFills) {
  const DepthBook book = recorded_book();
  BookQueueOrders orders{QueueModel(QueueModelKind::kRiskAverse)};
  orders.rest(1, OrderSide::kSell, 1000, 1.0, book);
  EXPECT_TRUE(orders.cancel(1));
  std::vector<RestingFill> fills;
  orders.on_trade(1001, 10.0, AggressorSide::kNone, fills);
  EXPECT_TRUE(fills.empty());
  EXPECT_THROW(orders.ahead(1), std::invalid_argument);
}

}  // namespace
}  // namespace alphaforge
