// Orders of a tick replay on a symbol with depth: filled by its book venue, with entry and
// response latencies, late cancels, modifies and bracket children (the order-book fill
// model's wiring, run under the sanitizers).
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alphaforge/tick_backtest.hpp"

namespace af = alphaforge;

namespace {

// A snapshot at t=0 (bids 99 x 1, 98 x 2; asks 101 x 3, 102 x 4), then one diff a ns at t=1..4
// that leaves the book as it was, and trades at 101 at t=2 (2) and t=3 (2).
struct BookReplay {
  std::vector<std::int64_t> ts{0, 0, 0, 0, 1, 2, 3, 4};
  std::vector<std::uint8_t> is_bid{1, 1, 0, 0, 1, 1, 1, 1};
  std::vector<double> price{99.0, 98.0, 101.0, 102.0, 97.0, 97.0, 97.0, 97.0};
  std::vector<double> size{1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 1.0, 2.0};
  std::vector<std::int64_t> update_id{10, 10, 10, 10, 11, 12, 13, 14};
  std::vector<std::uint8_t> snapshot{1, 1, 1, 1, 0, 0, 0, 0};
  std::vector<std::int64_t> trade_ts{2, 3};
  std::vector<double> trade_price{101.0, 101.0};
  std::vector<double> trade_size{2.0, 2.0};
  af::TickBacktestConfig config;

  BookReplay() { config.backtest.engine.starting_cash = 100'000.0; }

  void add_to(af::TickBacktest& b) const {
    b.add_instrument(af::Instrument("X", 0.5, 0.1));
    b.add_depth("X", ts.data(), is_bid.data(), price.data(), size.data(), update_id.data(),
                snapshot.data(), ts.size());
    b.add_trades("X", trade_ts.data(), trade_price.data(), trade_size.data(), trade_ts.size());
    b.subscribe_book("X");
  }

  static af::OrderRequest order(af::OrderSide side, double qty, std::optional<double> limit) {
    // Copied from strings, not assigned from literals: GCC 12 warns wrongly (-Wrestrict) on
    // a short literal assigned to a string there.
    static const std::string symbol = "X";
    static const std::string strategy = "s";
    af::OrderRequest r;
    r.symbol = symbol;
    r.strategy_id = strategy;
    r.side = side;
    r.quantity = qty;
    if (limit) {
      r.type = af::OrderType::kLimit;
      r.price = limit;
    }
    return r;
  }
};

void no_trade(const af::TradeTick&) {}
void no_quote(const af::QuoteTick&) {}

}  // namespace

TEST(TickBacktestBook, ATakerWalksTheBookAndAMakerWaitsForTheQueue) {
  BookReplay r;
  af::TickBacktest b(r.config);
  r.add_to(b);
  int books = 0;
  b.run(no_trade, no_quote, {}, {}, [&](std::uint32_t, const af::DepthBook&) {
    if (books++ == 0) {
      b.submit(BookReplay::order(af::OrderSide::kBuy, 5.0, std::nullopt));  // 3 @101, 2 @102
      b.submit(BookReplay::order(af::OrderSide::kSell, 2.0, 101.0));        // behind 3
    }
  });
  const auto& fills = b.fills();
  ASSERT_EQ(fills.size(), 3u);
  EXPECT_EQ(fills[0].price, 101.0);
  EXPECT_DOUBLE_EQ(fills[0].qty, 3.0);
  EXPECT_EQ(fills[1].price, 102.0);
  EXPECT_DOUBLE_EQ(fills[1].qty, 2.0);
  EXPECT_EQ(fills[0].liquidity, af::Liquidity::kTaker);
  // The trades at 101 (2, then 2) take the 3 ahead, then 1 of the sell.
  EXPECT_EQ(fills[2].ts_ns, 3);
  EXPECT_DOUBLE_EQ(fills[2].qty, 1.0);
  EXPECT_EQ(fills[2].liquidity, af::Liquidity::kMaker);
  EXPECT_EQ(b.order_record(2).status, af::OrderStatus::kPartiallyFilled);
}

TEST(TickBacktestBook, NoticesArriveAfterTheResponseLatencyAndCancelsAfterTheEntryLatency) {
  BookReplay r;
  r.config.latency_ns = 1;
  r.config.response_latency_ns = 2;
  af::TickBacktest b(r.config);
  r.add_to(b);
  int books = 0;
  std::uint64_t sell = 0;
  std::vector<std::pair<af::OrderStatus, std::int64_t>> seen;
  b.run(
      no_trade, no_quote, {},
      [&](const af::OrderRecord& o) { seen.emplace_back(o.status, b.now_ns()); },
      [&](std::uint32_t, const af::DepthBook&) {
        ++books;
        if (books == 1) sell = b.submit(BookReplay::order(af::OrderSide::kSell, 1.0, 101.0));
        // Sent at t=2, the cancel lands at t=3, after the trade at 3 filled the order.
        if (books == 3) {
          EXPECT_TRUE(b.cancel(sell));
        }
      });
  EXPECT_EQ(b.order_record(sell).status, af::OrderStatus::kFilled);
  // ACCEPTED as sent (t=0), seen at t=2; FILLED at t=3 (trades of 2 and 2 past the 3
  // ahead), seen at t=5.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(af::OrderStatus::kAccepted, std::int64_t{2}));
  EXPECT_EQ(seen[1], std::make_pair(af::OrderStatus::kFilled, std::int64_t{5}));
}

TEST(TickBacktestBook, AModifyReQueuesAndABracketsChildrenReachTheBook) {
  BookReplay r;
  af::TickBacktest b(r.config);
  r.add_to(b);
  int books = 0;
  std::uint64_t entry = 0;
  std::uint64_t resting = 0;
  b.run(no_trade, no_quote, {}, {}, [&](std::uint32_t, const af::DepthBook&) {
    ++books;
    if (books == 1) {
      entry = b.submit_bracket(BookReplay::order(af::OrderSide::kBuy, 1.0, std::nullopt),
                               95.0, 101.0);
      resting = b.submit(BookReplay::order(af::OrderSide::kSell, 1.0, 102.0));
    }
    // Re-priced to 101 at t=1: behind the 3 there, after the bracket's take-profit.
    if (books == 2) {
      EXPECT_TRUE(b.modify(resting, 101.0, std::nullopt, std::nullopt));
    }
  });
  const auto children = b.bracket_children(entry);
  ASSERT_NE(children.take_profit, 0u);
  // The entry took 1 at 101. The take-profit rests at 101 behind 3 from t=0; the trades at 101
  // (2, 2) reach it by 1 at t=3 and its stop-loss is canceled with it; the re-priced sell,
  // behind 3 too, is reached by 1 at t=3 as well (our orders do not queue behind each other).
  EXPECT_EQ(b.order_record(entry).status, af::OrderStatus::kFilled);
  EXPECT_EQ(b.order_record(children.take_profit).status, af::OrderStatus::kFilled);
  EXPECT_EQ(b.order_record(children.stop_loss).status, af::OrderStatus::kCanceled);
  EXPECT_EQ(b.order_record(resting).status, af::OrderStatus::kFilled);
  EXPECT_DOUBLE_EQ(b.position("X", "s"), -1.0);
}
