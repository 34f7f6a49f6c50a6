#include <gtest/gtest.h>

#include <map>
#include <random>

#include "alphaforge/depth_book.hpp"

namespace alphaforge {
namespace {

DepthBook book_of_cents() { return DepthBook(Instrument("X", 0.01, 1e-8)); }

TEST(DepthBook, KeepsTheBestLevelOfEachSideOnTop) {
  DepthBook book = book_of_cents();
  book.set(OrderSide::kBuy, 100.00, 1.0);
  book.set(OrderSide::kBuy, 100.02, 2.0);
  book.set(OrderSide::kBuy, 99.98, 3.0);
  book.set(OrderSide::kSell, 100.05, 4.0);
  book.set(OrderSide::kSell, 100.03, 5.0);
  EXPECT_EQ(book.best(OrderSide::kBuy)->price, 10002);
  EXPECT_EQ(book.best(OrderSide::kSell)->price, 10003);
  EXPECT_EQ(book.level(OrderSide::kBuy, 2)->price, 9998);
  EXPECT_FALSE(book.level(OrderSide::kBuy, 3).has_value());
  EXPECT_DOUBLE_EQ(book.size_at(OrderSide::kSell, 100.05), 4.0);
  EXPECT_DOUBLE_EQ(book.size_at(OrderSide::kSell, 100.04), 0.0);
}

TEST(DepthBook, SizesAreAbsoluteAndZeroRemovesTheLevel) {
  DepthBook book = book_of_cents();
  book.set(OrderSide::kBuy, 100.0, 1.0);
  book.set(OrderSide::kBuy, 100.0, 7.5);
  EXPECT_DOUBLE_EQ(book.best(OrderSide::kBuy)->size, 7.5);
  book.set(OrderSide::kBuy, 100.0, 0.0);
  EXPECT_FALSE(book.best(OrderSide::kBuy).has_value());
  book.set(OrderSide::kBuy, 101.0, 0.0);  // removing an absent level changes nothing
  EXPECT_EQ(book.depth(OrderSide::kBuy), 0U);
}

TEST(DepthBook, RoundsVenuePricesToTheNearestTickAndRefusesBadInput) {
  DepthBook book = book_of_cents();
  book.set(OrderSide::kSell, 0.1 + 0.2, 1.0);  // 0.30000000000000004
  EXPECT_EQ(book.best(OrderSide::kSell)->price, 30);
  EXPECT_THROW(book.set(OrderSide::kSell, -1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(book.set(OrderSide::kSell, 1.0, -1.0), std::invalid_argument);
  EXPECT_THROW(book.set(OrderSide::kSell, 1.0, std::nan("")), std::invalid_argument);
  EXPECT_EQ(book.depth(OrderSide::kSell), 1U);
}

TEST(DepthBook, MatchesAnOrderedMapOnRandomUpdates) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> price(9900, 10100);
  std::uniform_int_distribution<int> size(0, 3);
  DepthBook book = book_of_cents();
  std::map<Ticks, double> bids;
  std::map<Ticks, double> asks;
  for (int i = 0; i < 20000; ++i) {
    const bool bid = (rng() & 1U) != 0;
    const Ticks ticks = price(rng);
    const double qty = size(rng);
    book.set(bid ? OrderSide::kBuy : OrderSide::kSell, static_cast<double>(ticks) * 0.01, qty);
    auto& model = bid ? bids : asks;
    if (qty == 0.0) {
      model.erase(ticks);
    } else {
      model[ticks] = qty;
    }
  }
  ASSERT_EQ(book.depth(OrderSide::kBuy), bids.size());
  ASSERT_EQ(book.depth(OrderSide::kSell), asks.size());
  std::size_t rank = 0;
  for (auto it = bids.rbegin(); it != bids.rend(); ++it, ++rank) {
    EXPECT_EQ(book.level(OrderSide::kBuy, rank)->price, it->first);
    EXPECT_DOUBLE_EQ(book.level(OrderSide::kBuy, rank)->size, it->second);
  }
  rank = 0;
  for (const auto& [ticks, qty] : asks) {
    EXPECT_EQ(book.level(OrderSide::kSell, rank)->price, ticks);
    EXPECT_DOUBLE_EQ(book.level(OrderSide::kSell, rank++)->size, qty);
  }
}

}  // namespace
}  // namespace alphaforge
