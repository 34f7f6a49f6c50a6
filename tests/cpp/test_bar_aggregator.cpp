#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "alphaforge/bar_aggregator.hpp"
#include "alphaforge/batch_aggregate.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/market_data_validation.hpp"

using alphaforge::Bar;
using alphaforge::BarAggregator;
using alphaforge::BarKind;
using alphaforge::BarSpec;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMinute = 60 * kSecond;

struct Collect {
  std::vector<Bar>* bars;
  void operator()(const Bar& b) const { bars->push_back(b); }
};

}  // namespace

TEST(BarSpec, ParsesEveryUnitAndPrintsItBack) {
  EXPECT_EQ(BarSpec::parse("1s").step_ns(), kSecond);
  EXPECT_EQ(BarSpec::parse("1min").step_ns(), kMinute);
  EXPECT_EQ(BarSpec::parse("5min").step_ns(), 5 * kMinute);
  EXPECT_EQ(BarSpec::parse("1h").step_ns(), 60 * kMinute);
  EXPECT_EQ(BarSpec::parse("1d").step_ns(), 1440 * kMinute);
  EXPECT_EQ(BarSpec::parse("250ms").step_ns(), 250'000'000);
  EXPECT_EQ(BarSpec::parse("100tick").kind(), BarKind::kTick);
  EXPECT_EQ(BarSpec::parse("100tick").tick_count(), 100);
  EXPECT_EQ(BarSpec::parse("2.5volume").kind(), BarKind::kVolume);
  EXPECT_DOUBLE_EQ(BarSpec::parse("2.5volume").volume_threshold(), 2.5);
  for (const char* text :
       {"1s", "1min", "5min", "1h", "1d", "250ms", "90s", "100tick", "2.5volume"}) {
    EXPECT_EQ(BarSpec::parse(text).to_string(), text);
  }
  EXPECT_EQ(BarSpec::parse("60s").to_string(), "1min");
  EXPECT_EQ(BarSpec::parse("24h").to_string(), "1d");
}

TEST(BarSpec, RejectsMalformedText) {
  for (const char* text : {"", "min", "1", "0s", "-1s", "1.5s", "5 min", "3weeks", "0tick",
                           "0volume", "1e400volume"}) {
    EXPECT_THROW(BarSpec::parse(text), std::invalid_argument) << text;
  }
  EXPECT_THROW(BarSpec::time(0), std::invalid_argument);
  EXPECT_THROW(BarSpec::ticks(-3), std::invalid_argument);
  EXPECT_THROW(BarSpec::volume(std::nan("")), std::invalid_argument);
}

TEST(BarAggregator, TimeBarClosesOnFirstTradePastItsEnd) {
  BarAggregator agg(BarSpec::parse("1min"));
  std::vector<Bar> bars;
  agg.update(10 * kSecond, 100.0, 1.0, Collect{&bars});
  agg.update(30 * kSecond, 105.0, 2.0, Collect{&bars});
  agg.update(59 * kSecond, 95.0, 1.5, Collect{&bars});
  EXPECT_TRUE(bars.empty()) << "no bar before a later trade proves it complete";
  agg.update(kMinute, 101.0, 1.0, Collect{&bars});  // exactly on the boundary: the next bar
  ASSERT_EQ(bars.size(), 1u);
  const Bar& b = bars[0];
  EXPECT_EQ(b.ts_open_ns, 0);
  EXPECT_EQ(b.ts_close_ns, kMinute);
  EXPECT_EQ(b.open, 100.0);
  EXPECT_EQ(b.high, 105.0);
  EXPECT_EQ(b.low, 95.0);
  EXPECT_EQ(b.close, 95.0);
  EXPECT_EQ(b.volume, 4.5);
  EXPECT_EQ(b.trade_count, 3);
  EXPECT_TRUE(agg.flush(Collect{&bars}));
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[1].ts_open_ns, kMinute);
  EXPECT_EQ(bars[1].open, 101.0);
  EXPECT_FALSE(agg.flush(Collect{&bars})) << "nothing open after a flush";
}

TEST(BarAggregator, GapsProduceNoBarsUnlessAsked) {
  std::vector<Bar> plain, filled;
  BarAggregator a(BarSpec::parse("1min")), b(BarSpec::parse("1min"), 0, true);
  for (auto* agg : {&a, &b}) {
    auto& out = agg == &a ? plain : filled;
    agg->update(5 * kSecond, 10.0, 1.0, Collect{&out});
    agg->update(3 * kMinute + kSecond, 12.0, 1.0, Collect{&out});
    agg->flush(Collect{&out});
  }
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain[1].ts_open_ns, 3 * kMinute);
  ASSERT_EQ(filled.size(), 4u);
  for (int i = 1; i <= 2; ++i) {
    EXPECT_EQ(filled[static_cast<std::size_t>(i)].ts_open_ns, i * kMinute);
    EXPECT_EQ(filled[static_cast<std::size_t>(i)].open, 10.0) << "flat at the previous close";
    EXPECT_EQ(filled[static_cast<std::size_t>(i)].close, 10.0);
    EXPECT_EQ(filled[static_cast<std::size_t>(i)].volume, 0.0);
    EXPECT_EQ(filled[static_cast<std::size_t>(i)].trade_count, 0);
  }
}

TEST(BarAggregator, TimestampsBeforeTheEpochFloorDown) {
  BarAggregator agg(BarSpec::parse("1min"));
  std::vector<Bar> bars;
  agg.update(-kSecond, 1.0, 1.0, Collect{&bars});
  agg.flush(Collect{&bars});
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(bars[0].ts_open_ns, -kMinute);
  EXPECT_EQ(bars[0].ts_close_ns, 0);
}

TEST(BarAggregator, TickBarsCloseOnTheNthTrade) {
  BarAggregator agg(BarSpec::ticks(3));
  std::vector<Bar> bars;
  for (int i = 0; i < 7; ++i) agg.update(i * kSecond, 100.0 + i, 1.0, Collect{&bars});
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0].ts_open_ns, 0);
  EXPECT_EQ(bars[0].ts_close_ns, 2 * kSecond);
  EXPECT_EQ(bars[1].open, 103.0);
  EXPECT_EQ(bars[1].close, 105.0);
  EXPECT_EQ(bars[1].trade_count, 3);
  agg.flush(Collect{&bars});
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_EQ(bars[2].trade_count, 1) << "flush emits the partial bar";
}

TEST(BarAggregator, VolumeBarsCloseOnTheTradeReachingTheThreshold) {
  BarAggregator agg(BarSpec::volume(5.0));
  std::vector<Bar> bars;
  const double sizes[] = {2.0, 2.0, 1.0, 7.0, 0.5};
  for (int i = 0; i < 5; ++i) agg.update(i, 10.0 + i, sizes[i], Collect{&bars});
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0].volume, 5.0);
  EXPECT_EQ(bars[0].trade_count, 3);
  EXPECT_EQ(bars[1].volume, 7.0) << "a large trade is not split";
  EXPECT_EQ(bars[1].trade_count, 1);
}

TEST(BarAggregator, VectorisedPathMatchesStreaming) {
  std::vector<std::int64_t> ts;
  std::vector<double> price, size;
  for (int i = 0; i < 1000; ++i) {
    ts.push_back(i * 7 * kSecond);
    price.push_back(100.0 + (i * 37 % 11));
    size.push_back(1.0 + (i % 3));
  }
  std::vector<Bar> vectorised, streamed;
  alphaforge::aggregate_bars(ts.data(), price.data(), size.data(), ts.size(),
                             BarSpec::parse("5min"), false, vectorised);
  BarAggregator agg(BarSpec::parse("5min"));
  for (std::size_t i = 0; i < ts.size(); ++i) {
    agg.update(ts[i], price[i], size[i], Collect{&streamed});
  }
  agg.flush(Collect{&streamed});
  ASSERT_EQ(vectorised.size(), streamed.size());
  std::int64_t trades = 0;
  for (std::size_t i = 0; i < vectorised.size(); ++i) {
    EXPECT_EQ(vectorised[i].ts_open_ns, streamed[i].ts_open_ns);
    EXPECT_EQ(vectorised[i].open, streamed[i].open);
    EXPECT_EQ(vectorised[i].high, streamed[i].high);
    EXPECT_EQ(vectorised[i].low, streamed[i].low);
    EXPECT_EQ(vectorised[i].close, streamed[i].close);
    EXPECT_EQ(vectorised[i].volume, streamed[i].volume) << "summed in the same order";
    EXPECT_EQ(vectorised[i].trade_count, streamed[i].trade_count);
    trades += vectorised[i].trade_count;
  }
  EXPECT_EQ(trades, 1000);
}

TEST(Validation, NamesTheFirstBadRowAndField) {
  const std::int64_t ts[] = {1, 2, 2, 1};
  const double price[] = {1.0, 2.0, 3.0, 4.0};
  const double size[] = {1.0, 1.0, 1.0, 1.0};
  auto v = alphaforge::check_trades(ts, price, size, 4);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "ts_ns");
  EXPECT_EQ(v->row, 3u);
  const double bad_price[] = {1.0, std::nan(""), -1.0, 1.0};
  v = alphaforge::check_trades(ts, bad_price, size, 3);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "price");
  EXPECT_EQ(v->row, 1u);
  EXPECT_NE(v->message().find("price[1] = nan"), std::string::npos) << v->message();
  const double bad_size[] = {1.0, 0.0};
  v = alphaforge::check_trades(ts, price, bad_size, 2);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "size");
  const double bid[] = {1.0, 2.0}, ask[] = {1.5, 1.9}, bsz[] = {1.0, 1.0}, asz[] = {1.0, -1.0};
  v = alphaforge::check_quotes(ts, bid, ask, bsz, asz, 2);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->field, "bid");
  EXPECT_EQ(v->row, 1u);
  EXPECT_FALSE(alphaforge::check_quotes(ts, bid, ask, bsz, asz, 1));
}

TEST(Validation, FastPreCheckAgreesWithTheRowByRowRules) {
  const double max = std::numeric_limits<double>::max();
  const double tiny = std::numeric_limits<double>::denorm_min();
  const double inf = std::numeric_limits<double>::infinity();
  for (double p : {1.0, max, tiny, 0.0, -0.0, -1.0, inf, -inf, std::nan(""), -std::nan("")}) {
    const std::int64_t ts[] = {0, 1};
    const double price[] = {1.0, p};
    const double size[] = {p, 1.0};
    const bool valid = std::isfinite(p) && p > 0.0;
    EXPECT_EQ(alphaforge::trades_look_clean(ts, price, size, 2), valid) << p;
    EXPECT_EQ(!alphaforge::check_trades(ts, price, size, 2), valid) << p;
  }
  const double ones[] = {1.0, 1.0};
  const std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  const std::int64_t highest = std::numeric_limits<std::int64_t>::max();
  const std::int64_t down[] = {highest, lowest};
  EXPECT_FALSE(alphaforge::trades_look_clean(down, ones, ones, 2));
  EXPECT_TRUE(alphaforge::check_trades(down, ones, ones, 2));
  const std::int64_t up[] = {lowest, highest};
  EXPECT_FALSE(alphaforge::check_trades(up, ones, ones, 2)) << "the row check has the last word";
}

TEST(Validation, CheckedAggregationRejectsWhatCheckTradesRejects) {
  std::vector<std::int64_t> ts;
  std::vector<double> price, size;
  for (int i = 0; i < 500; ++i) {
    ts.push_back(i * kSecond / 3);
    price.push_back(10.0 + i % 7);
    size.push_back(1.0);
  }
  const auto spec = BarSpec::parse("1s");
  std::vector<Bar> bars;
  EXPECT_FALSE(alphaforge::aggregate_bars_checked(ts.data(), price.data(), size.data(), ts.size(),
                                                  spec, false, bars));
  EXPECT_EQ(bars.size(), 167u);
  for (auto [row, field] : {std::pair{0, 0}, std::pair{250, 1}, std::pair{499, 2}}) {
    auto bad_ts = ts;
    auto bad_price = price;
    auto bad_size = size;
    if (field == 0) bad_price[static_cast<std::size_t>(row)] = std::nan("");
    if (field == 1) bad_size[static_cast<std::size_t>(row)] = -1.0;
    if (field == 2) bad_ts[static_cast<std::size_t>(row)] = 0;
    bars.clear();
    const auto v = alphaforge::aggregate_bars_checked(
        bad_ts.data(), bad_price.data(), bad_size.data(), ts.size(), spec, false, bars);
    ASSERT_TRUE(v) << row;
    EXPECT_EQ(v->row, static_cast<std::size_t>(row));
    EXPECT_TRUE(bars.empty()) << "nothing half-built";
  }
  // In order but beyond +/-2^62 ns: the fused pass hesitates, the row check clears it.
  constexpr std::int64_t kBeyond = (std::int64_t{1} << 62) + kSecond;
  const std::int64_t far[] = {-kBeyond, 0, kBeyond};
  const double ones[] = {1.0, 1.0, 1.0};
  bars.clear();
  EXPECT_FALSE(alphaforge::aggregate_bars_checked(far, ones, ones, 3, BarSpec::parse("1d"), false,
                                                  bars));
  EXPECT_EQ(bars.size(), 3u);
}
