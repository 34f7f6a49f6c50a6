#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "alphaforge/order_book.hpp"

using alphaforge::AddOutcome;
using alphaforge::BookFill;
using alphaforge::BookResult;
using alphaforge::LevelView;
using alphaforge::OrderBook;
using alphaforge::OrderSide;
using alphaforge::RestingOrder;
using alphaforge::TimeInForce;

namespace {

constexpr auto kBuy = OrderSide::kBuy;
constexpr auto kSell = OrderSide::kSell;
constexpr auto kGtc = TimeInForce::kGtc;

std::vector<std::uint64_t> queue(const OrderBook& book, OrderSide side) {
  std::vector<std::uint64_t> ids;
  book.for_each_order(side, [&](const RestingOrder& o) { ids.push_back(o.id); });
  return ids;
}

bool same(const BookFill& f, std::uint64_t maker, std::uint64_t taker, std::int64_t price,
          std::int64_t qty) {
  return f.maker_order_id == maker && f.taker_order_id == taker && f.price == price &&
         f.qty == qty;
}

}  // namespace

TEST(OrderBook, RestsAndReportsBestPrices) {
  OrderBook book;
  std::vector<BookFill> fills;
  EXPECT_EQ(book.add_limit(1, kBuy, 99, 10, kGtc, fills).result, BookResult::kRested);
  book.add_limit(2, kBuy, 100, 5, kGtc, fills);
  book.add_limit(3, kBuy, 100, 7, kGtc, fills);
  book.add_limit(4, kSell, 102, 3, kGtc, fills);
  book.add_limit(5, kSell, 101, 4, kGtc, fills);
  EXPECT_TRUE(fills.empty());
  EXPECT_EQ(book.best_bid()->price, 100);
  EXPECT_EQ(book.best_bid()->qty, 12);
  EXPECT_EQ(book.best_bid()->orders, 2u);
  EXPECT_EQ(book.best_ask()->price, 101);
  std::vector<LevelView> bids, asks;
  book.depth(10, bids, asks);
  ASSERT_EQ(bids.size(), 2u);
  EXPECT_EQ(bids[1].price, 99);
  ASSERT_EQ(asks.size(), 2u);
  EXPECT_EQ(asks[1].price, 102);
  EXPECT_EQ(queue(book, kBuy), (std::vector<std::uint64_t>{2, 3, 1}));
  EXPECT_EQ(book.order_count(), 5u);
}

TEST(OrderBook, MatchesInPriceThenTimePriorityAtMakerPrices) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kSell, 101, 5, kGtc, fills);
  book.add_limit(2, kSell, 100, 5, kGtc, fills);
  book.add_limit(3, kSell, 100, 5, kGtc, fills);
  const AddOutcome out = book.add_limit(9, kBuy, 101, 12, kGtc, fills);
  EXPECT_EQ(out.result, BookResult::kFilled);
  EXPECT_EQ(out.filled, 12);
  ASSERT_EQ(fills.size(), 3u);
  EXPECT_TRUE(same(fills[0], 2, 9, 100, 5));
  EXPECT_TRUE(same(fills[1], 3, 9, 100, 5));
  EXPECT_TRUE(same(fills[2], 1, 9, 101, 2));
  EXPECT_EQ(book.best_ask()->qty, 3);
  EXPECT_EQ(book.level_count(kSell), 1u);
  EXPECT_EQ(*book.last_trade_price(), 101);
}

TEST(OrderBook, PartialFillRestsTheRemainder) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kSell, 100, 4, kGtc, fills);
  const AddOutcome out = book.add_limit(2, kBuy, 100, 10, kGtc, fills);
  EXPECT_EQ(out.result, BookResult::kRested);
  EXPECT_EQ(out.filled, 4);
  EXPECT_EQ(out.rested, 6);
  EXPECT_FALSE(book.best_ask());
  EXPECT_EQ(book.best_bid()->qty, 6);
  EXPECT_TRUE(book.contains(2));
  EXPECT_FALSE(book.contains(1));
}

TEST(OrderBook, IocDropsTheRemainder) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kSell, 100, 4, kGtc, fills);
  const AddOutcome out = book.add_limit(2, kBuy, 100, 10, TimeInForce::kIoc, fills);
  EXPECT_EQ(out.result, BookResult::kCanceled);
  EXPECT_EQ(out.filled, 4);
  EXPECT_FALSE(book.best_bid());
  EXPECT_FALSE(book.contains(2));
}

TEST(OrderBook, FokFillsAllOrNothing) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kSell, 100, 4, kGtc, fills);
  book.add_limit(2, kSell, 101, 4, kGtc, fills);
  EXPECT_EQ(book.add_limit(3, kBuy, 100, 5, TimeInForce::kFok, fills).result, BookResult::kKilled);
  EXPECT_TRUE(fills.empty());
  EXPECT_EQ(book.best_ask()->qty, 4);
  const AddOutcome out = book.add_limit(4, kBuy, 101, 8, TimeInForce::kFok, fills);
  EXPECT_EQ(out.result, BookResult::kFilled);
  EXPECT_EQ(fills.size(), 2u);
  EXPECT_FALSE(book.best_ask());
}

TEST(OrderBook, PostOnlyNeverTakes) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kSell, 100, 4, kGtc, fills);
  EXPECT_EQ(book.add_limit(2, kBuy, 100, 1, TimeInForce::kPostOnly, fills).result,
            BookResult::kWouldCross);
  EXPECT_FALSE(book.contains(2));
  EXPECT_EQ(book.add_limit(3, kBuy, 99, 1, TimeInForce::kPostOnly, fills).result,
            BookResult::kRested);
  EXPECT_TRUE(fills.empty());
  // A post-only order may not be moved across the spread either.
  EXPECT_THROW(book.modify(3, 100, 1, fills), std::invalid_argument);
  EXPECT_EQ(book.order(3)->price, 99);
}

TEST(OrderBook, MarketOrdersSweepAndDropTheRest) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kBuy, 100, 3, kGtc, fills);
  book.add_limit(2, kBuy, 98, 3, kGtc, fills);
  const AddOutcome out = book.add_market(7, kSell, 10, fills);
  EXPECT_EQ(out.result, BookResult::kCanceled);
  EXPECT_EQ(out.filled, 6);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_TRUE(same(fills[1], 2, 7, 98, 3));
  EXPECT_EQ(book.order_count(), 0u);
  EXPECT_THROW(book.add_market(8, kSell, 1, fills, TimeInForce::kPostOnly), std::invalid_argument);
}

TEST(OrderBook, CancelAndUnknownIds) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kBuy, 100, 3, kGtc, fills);
  book.add_limit(2, kBuy, 100, 4, kGtc, fills);
  EXPECT_TRUE(book.cancel(1));
  EXPECT_FALSE(book.cancel(1));
  EXPECT_FALSE(book.cancel(42));
  EXPECT_EQ(book.best_bid()->qty, 4);
  EXPECT_TRUE(book.cancel(2));
  EXPECT_FALSE(book.best_bid());
  EXPECT_EQ(book.level_count(kBuy), 0u);
}

TEST(OrderBook, RejectsBadInputWithoutChange) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kBuy, 100, 3, kGtc, fills);
  EXPECT_THROW(book.add_limit(1, kSell, 101, 3, kGtc, fills), std::invalid_argument);
  EXPECT_THROW(book.add_limit(2, kBuy, 0, 3, kGtc, fills), std::invalid_argument);
  EXPECT_THROW(book.add_limit(2, kBuy, 100, 0, kGtc, fills), std::invalid_argument);
  EXPECT_THROW(book.add_limit(2, kBuy, 100, -1, kGtc, fills), std::invalid_argument);
  EXPECT_THROW(book.modify(9, 100, 1, fills), std::invalid_argument);
  EXPECT_THROW(book.modify(1, 100, 0, fills), std::invalid_argument);
  EXPECT_EQ(book.order_count(), 1u);
  EXPECT_EQ(book.best_bid()->qty, 3);
  EXPECT_FALSE(book.best_ask());
}

TEST(OrderBook, ModifyPriorityRules) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kBuy, 100, 5, kGtc, fills);
  book.add_limit(2, kBuy, 100, 5, kGtc, fills);
  book.modify(1, 100, 3, fills);  // smaller: keeps its place
  EXPECT_EQ(queue(book, kBuy), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(book.best_bid()->qty, 8);
  book.modify(1, 100, 6, fills);  // larger: to the back
  EXPECT_EQ(queue(book, kBuy), (std::vector<std::uint64_t>{2, 1}));
  book.modify(2, 99, 5, fills);   // new price: back of the new level
  EXPECT_EQ(queue(book, kBuy), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(book.level_count(kBuy), 2u);
  book.add_limit(3, kSell, 101, 2, kGtc, fills);
  const AddOutcome out = book.modify(2, 101, 5, fills);  // crosses: trades on the way
  EXPECT_EQ(out.filled, 2);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_TRUE(same(fills[0], 3, 2, 101, 2));
  EXPECT_EQ(book.best_bid()->price, 101);
  EXPECT_EQ(book.best_bid()->qty, 3);
}

TEST(OrderBook, StopsFireOnTradesAndCascade) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kSell, 101, 2, kGtc, fills);
  book.add_limit(2, kSell, 103, 2, kGtc, fills);
  book.add_limit(3, kSell, 105, 5, kGtc, fills);
  // Buy stop at 103 as a market order; a buy stop-limit at 104 limited to 105.
  EXPECT_EQ(book.add_stop(10, kBuy, 103, 2, 0, TimeInForce::kIoc, fills).result,
            BookResult::kStopPending);
  EXPECT_EQ(book.add_stop(11, kBuy, 104, 1, 105, kGtc, fills).result, BookResult::kStopPending);
  EXPECT_EQ(book.stop_count(), 2u);
  book.add_limit(20, kBuy, 101, 2, kGtc, fills);  // prints 101: no stop fires
  EXPECT_EQ(book.stop_count(), 2u);
  fills.clear();
  book.add_limit(21, kBuy, 103, 1, kGtc, fills);  // prints 103: stop 10 takes 103 then 105
  ASSERT_EQ(book.triggered().size(), 2u);
  EXPECT_EQ(book.triggered()[0].order_id, 10u);
  EXPECT_EQ(book.triggered()[1].order_id, 11u);  // fired by stop 10's print at 105
  ASSERT_EQ(fills.size(), 4u);
  EXPECT_TRUE(same(fills[0], 2, 21, 103, 1));
  EXPECT_TRUE(same(fills[1], 2, 10, 103, 1));
  EXPECT_TRUE(same(fills[2], 3, 10, 105, 1));
  EXPECT_TRUE(same(fills[3], 3, 11, 105, 1));
  EXPECT_EQ(book.best_ask()->qty, 3);
  EXPECT_EQ(book.stop_count(), 0u);
}

TEST(OrderBook, StopsCancelAndExternalTrades) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kBuy, 95, 5, kGtc, fills);
  book.add_stop(2, kSell, 97, 2, 0, TimeInForce::kIoc, fills);
  book.add_stop(3, kSell, 96, 2, 0, TimeInForce::kIoc, fills);
  EXPECT_THROW(book.add_limit(2, kBuy, 90, 1, kGtc, fills), std::invalid_argument);
  EXPECT_TRUE(book.cancel(3));
  book.apply_trade(98, fills);
  EXPECT_TRUE(fills.empty());
  book.apply_trade(97, fills);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_TRUE(same(fills[0], 1, 2, 95, 2));
}

TEST(OrderBook, SweepTradesRestingOrdersThroughAPrice) {
  OrderBook book;
  std::vector<BookFill> fills;
  book.add_limit(1, kBuy, 100, 2, kGtc, fills);
  book.add_limit(2, kBuy, 99, 2, kGtc, fills);
  book.add_limit(3, kBuy, 98, 2, kGtc, fills);
  EXPECT_EQ(book.sweep(kBuy, 99, 0, fills), 4);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_TRUE(same(fills[0], 1, 0, 100, 2));
  EXPECT_TRUE(same(fills[1], 2, 0, 99, 2));
  EXPECT_EQ(book.best_bid()->price, 98);
}

// Pools are reused: a long random stream keeps totals consistent and leaves no stray nodes.
TEST(OrderBook, RandomStreamKeepsLevelTotalsConsistent) {
  OrderBook book;
  std::vector<BookFill> fills;
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> live;
  for (std::uint64_t id = 1; id < 20000; ++id) {
    const auto action = rng() % 10;
    if (action < 3 && !live.empty()) {
      const std::size_t k = rng() % live.size();
      book.cancel(live[k]);
      live[k] = live.back();
      live.pop_back();
      continue;
    }
    const OrderSide side = (rng() & 1) ? kBuy : kSell;
    const auto price = static_cast<std::int64_t>(90 + rng() % 21);
    const auto qty = static_cast<std::int64_t>(1 + rng() % 10);
    fills.clear();
    if (book.add_limit(id, side, price, qty, kGtc, fills).result == BookResult::kRested) {
      live.push_back(id);
    }
    const auto bid = book.best_bid();
    const auto ask = book.best_ask();
    if (bid && ask) {
      ASSERT_LT(bid->price, ask->price);
    }
  }
  for (const OrderSide side : {kBuy, kSell}) {
    std::vector<LevelView> bids, asks;
    book.depth(1000, bids, asks);
    std::int64_t total = 0;
    book.for_each_order(side, [&](const RestingOrder& o) {
      ASSERT_GT(o.qty, 0);
      total += o.qty;
    });
    std::int64_t levels = 0;
    for (const auto& l : side == kBuy ? bids : asks) levels += l.qty;
    EXPECT_EQ(total, levels);
  }
}
