#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "alphaforge/backtest.hpp"
#include "alphaforge/bar_resampler.hpp"

namespace af = alphaforge;

namespace {

constexpr std::int64_t kMinute = 60'000'000'000;

// Bars at the given minutes; bar i opens at 100 + i, spans 1 either side and closes 0.5 up.
struct Minutes {
  std::vector<std::int64_t> ts;
  std::vector<double> open, high, low, close, volume;

  explicit Minutes(const std::vector<std::int64_t>& minutes) {
    for (std::size_t i = 0; i < minutes.size(); ++i) {
      const double o = 100.0 + static_cast<double>(i);
      ts.push_back(minutes[i] * kMinute);
      open.push_back(o);
      high.push_back(o + 1.0);
      low.push_back(o - 1.0);
      close.push_back(o + 0.5);
      volume.push_back(1.0 + static_cast<double>(i));
    }
  }
  std::uint32_t add(af::BarBacktest& b, const std::string& symbol = "X") const {
    return b.add_bars(symbol, ts.data(), open.data(), high.data(), low.data(), close.data(),
                      volume.data(), ts.size());
  }
};

af::BacktestConfig config() {
  af::BacktestConfig c;
  c.engine.starting_cash = 1e6;
  return c;
}

af::OrderRequest market_buy() {
  af::OrderRequest r;
  r.symbol = "X";
  r.strategy_id = "s";
  r.side = af::OrderSide::kBuy;
  r.type = af::OrderType::kMarket;
  r.quantity = 1.0;
  return r;
}

}  // namespace

TEST(BarResampler, MergesBarsOfAPeriodAndSaysWhenItIsComplete) {
  af::BarResampler r(5 * kMinute, kMinute, 3);
  EXPECT_FALSE(r.add(2 * kMinute, 10.0, 12.0, 9.0, 11.0, 1.0));
  EXPECT_FALSE(r.add(3 * kMinute, 11.0, 15.0, 10.0, 14.0, 2.0));
  EXPECT_TRUE(r.add(4 * kMinute, 14.0, 14.5, 8.0, 13.0, 4.0));
  EXPECT_EQ(r.period_end(), 5 * kMinute);
  const af::Bar bar = r.take();
  EXPECT_FALSE(r.has_open_bar());
  EXPECT_EQ(bar.ts_open_ns, 0);
  EXPECT_EQ(bar.ts_close_ns, 5 * kMinute);
  EXPECT_EQ(bar.open, 10.0);
  EXPECT_EQ(bar.high, 15.0);
  EXPECT_EQ(bar.low, 8.0);
  EXPECT_EQ(bar.close, 13.0);
  EXPECT_EQ(bar.volume, 7.0);
  EXPECT_EQ(bar.trade_count, 3);
  EXPECT_EQ(bar.symbol_id, 3U);
}

TEST(BarBacktest, HandsOutResampledBarsWithoutLookAhead) {
  af::BarBacktest b(config());
  Minutes({0, 1, 2, 3, 5, 6, 7, 8, 9, 10}).add(b);  // minute 4 is missing
  const std::uint32_t stream = b.resample("X", af::BarSpec::parse("5min"));
  EXPECT_EQ(b.resample("X", af::BarSpec::parse("5min")), stream);
  std::vector<double> fed;
  b.add_feed({true, stream}, [&](const af::BacktestBar& bar) { fed.push_back(bar.close); });
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;  // (bar, clock) in minutes
  b.run([](const af::BacktestBar&) {}, {}, {},
        [&](std::uint32_t s, const af::BacktestBar& bar) {
          EXPECT_EQ(s, stream);
          seen.emplace_back(bar.ts_ns / kMinute, b.now_ns() / kMinute);
          b.submit(market_buy());
        });
  // 0..3 is over once minute 5 shows the period ended: handed out at the period's end.
  const std::vector<std::pair<std::int64_t, std::int64_t>> want{{0, 5}, {5, 9}, {10, 10}};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(fed, (std::vector<double>{103.5, 108.5, 109.5}));
  ASSERT_EQ(b.fills().size(), 2U);
  EXPECT_EQ(b.fills()[0].price, 104.0);  // minute 5's open
  EXPECT_EQ(b.fills()[0].ts_ns, 5 * kMinute);
  EXPECT_EQ(b.fills()[1].price, 109.0);  // minute 10's open
}

TEST(BarBacktest, RefusesResamplingThatCannotBeExact) {
  af::BarBacktest b(config());
  Minutes({0, 2, 4, 6}).add(b);
  EXPECT_THROW(b.resample("X", af::BarSpec::parse("3min")), std::invalid_argument);
  EXPECT_THROW(b.resample("X", af::BarSpec::parse("1min")), std::invalid_argument);
  EXPECT_THROW(b.resample("X", af::BarSpec::parse("10tick")), std::invalid_argument);
  EXPECT_THROW(b.resample("Y", af::BarSpec::parse("4min")), std::invalid_argument);
  EXPECT_NO_THROW(b.resample("X", af::BarSpec::parse("4min")));
  EXPECT_EQ(af::BarSpec::parse("1D"), af::BarSpec::parse("1d"));
}
