#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "alphaforge/bar_aggregator.hpp"
#include "alphaforge/batch_aggregate.hpp"
#include "alphaforge/market_data_validation.hpp"
#include "alphaforge/volume_lanes.hpp"

using alphaforge::Bar;
using alphaforge::BarAggregator;
using alphaforge::BarSpec;
using alphaforge::SimdLevel;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

struct Trades {
  std::vector<std::int64_t> ts;
  std::vector<double> price;
  std::vector<double> size;
};

// Buckets holding 1 to 40 trades (so every vector body and tail length occurs), repeated
// timestamps, and empty buckets between some of them.
Trades random_trades(std::size_t count, std::uint64_t seed) {
  Trades t;
  std::uint64_t state = seed;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  std::int64_t now = 1'700'000'000 * kSecond + 123;
  while (t.ts.size() < count) {
    const auto in_bucket = 1 + next() % 40;
    const std::int64_t spacing = kSecond / static_cast<std::int64_t>(in_bucket + 1);
    for (std::uint64_t j = 0; j < in_bucket && t.ts.size() < count; ++j) {
      if (next() % 4 != 0) now += spacing;
      t.ts.push_back(now);
      t.price.push_back(100.0 + static_cast<double>(next() % 100'000) / 997.0);
      t.size.push_back(static_cast<double>(1 + next() % 1'000'000) / 3.0e4);
    }
    now += kSecond * static_cast<std::int64_t>(next() % 3);
  }
  return t;
}

std::vector<Bar> streamed(const Trades& t, BarSpec spec, bool fill_gaps) {
  std::vector<Bar> bars;
  BarAggregator aggregator(spec, 0, fill_gaps);
  auto emit = [&bars](const Bar& bar) { bars.push_back(bar); };
  for (std::size_t i = 0; i < t.ts.size(); ++i) {
    aggregator.update(t.ts[i], t.price[i], t.size[i], emit);
  }
  aggregator.flush(emit);
  return bars;
}

void expect_same_bars(const std::vector<Bar>& got, const std::vector<Bar>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].ts_open_ns, want[i].ts_open_ns) << i;
    EXPECT_EQ(got[i].ts_close_ns, want[i].ts_close_ns) << i;
    EXPECT_EQ(got[i].open, want[i].open) << i;
    EXPECT_EQ(got[i].high, want[i].high) << i;
    EXPECT_EQ(got[i].low, want[i].low) << i;
    EXPECT_EQ(got[i].close, want[i].close) << i;
    EXPECT_EQ(got[i].volume, want[i].volume) << i;
    EXPECT_EQ(got[i].trade_count, want[i].trade_count) << i;
  }
}

std::vector<SimdLevel> supported_levels() {
  std::vector<SimdLevel> levels;
  for (auto level : {SimdLevel::kPortable, SimdLevel::kSse2, SimdLevel::kAvx2}) {
    if (alphaforge::simd_level_supported(level)) levels.push_back(level);
  }
  return levels;
}

}  // namespace

TEST(BatchAggregate, TheBestLevelIsSupportedAndThePortableOneAlways) {
  EXPECT_TRUE(alphaforge::simd_level_supported(alphaforge::best_simd_level()));
  EXPECT_TRUE(alphaforge::simd_level_supported(SimdLevel::kPortable));
}

TEST(BatchAggregate, EveryLevelEqualsTheStreamingAggregatorBitForBit) {
  const Trades t = random_trades(20'000, 0x9E3779B97F4A7C15ull);
  for (const char* text : {"1s", "250ms", "1min"}) {
    const BarSpec spec = BarSpec::parse(text);
    for (bool fill_gaps : {false, true}) {
      const auto want = streamed(t, spec, fill_gaps);
      for (SimdLevel level : supported_levels()) {
        SCOPED_TRACE(testing::Message() << text << " fill_gaps=" << fill_gaps
                                        << " level=" << static_cast<int>(level));
        std::vector<Bar> got;
        ASSERT_TRUE(alphaforge::aggregate_time_bars_fast(t.ts.data(), t.price.data(),
                                                         t.size.data(), t.ts.size(),
                                                         spec.step_ns(), fill_gaps, got, level));
        expect_same_bars(got, want);
      }
    }
  }
}

TEST(BatchAggregate, VolumeFollowsTheDocumentedLanes) {
  // Sizes whose sum depends on the order of the additions.
  std::vector<double> sizes;
  for (int j = 0; j < 37; ++j) sizes.push_back(j % 5 == 0 ? 1e16 : 1.0 + j / 7.0);
  for (std::size_t n = 1; n <= sizes.size(); ++n) {
    alphaforge::VolumeLanes lanes{};
    for (std::size_t j = 0; j < n; ++j) lanes[j % 8] += sizes[j];
    const double want = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) +
                        ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
    const std::vector<std::int64_t> ts(n, 5 * kSecond);
    const std::vector<double> price(n, 2.0);
    for (SimdLevel level : supported_levels()) {
      std::vector<Bar> bars;
      ASSERT_TRUE(alphaforge::aggregate_time_bars_fast(ts.data(), price.data(), sizes.data(), n,
                                                       kSecond, false, bars, level));
      ASSERT_EQ(bars.size(), 1u);
      EXPECT_EQ(bars[0].volume, want) << n << " trades, level " << static_cast<int>(level);
    }
    BarAggregator tick_bars(BarSpec::ticks(static_cast<std::int64_t>(n)));
    std::vector<Bar> bars;
    for (std::size_t j = 0; j < n; ++j) {
      tick_bars.update(ts[j], 2.0, sizes[j], [&bars](const Bar& b) { bars.push_back(b); });
    }
    ASSERT_EQ(bars.size(), 1u);
    EXPECT_EQ(bars[0].volume, want) << "tick bars sum in the same lanes";
  }
}

TEST(BatchAggregate, EveryLevelRefusesEveryBadValueAtEveryRow) {
  const Trades clean = random_trades(300, 42);
  const double inf = std::numeric_limits<double>::infinity();
  const double bad_values[] = {std::nan(""), -std::nan(""), inf, -inf, 0.0, -0.0, -1.0};
  for (SimdLevel level : supported_levels()) {
    for (std::size_t row = 0; row < clean.ts.size(); row += 7) {
      for (int field = 0; field < 3; ++field) {
        for (double value : bad_values) {
          Trades t = clean;
          if (field == 0) t.price[row] = value;
          if (field == 1) t.size[row] = value;
          if (field == 2) {
            if (row == 0 || value != 0.0) continue;
            t.ts[row] = t.ts[row - 1] - 1;
          }
          std::vector<Bar> bars;
          EXPECT_FALSE(alphaforge::aggregate_time_bars_fast(t.ts.data(), t.price.data(),
                                                            t.size.data(), t.ts.size(), kSecond,
                                                            false, bars, level))
              << "level " << static_cast<int>(level) << " row " << row << " field " << field
              << " value " << value;
          const auto violation = alphaforge::aggregate_bars_checked(
              t.ts.data(), t.price.data(), t.size.data(), t.ts.size(), BarSpec::time(kSecond),
              false, bars);
          ASSERT_TRUE(violation);
          EXPECT_EQ(violation->row, row);
          EXPECT_EQ(violation->field, field == 0 ? "price" : field == 1 ? "size" : "ts_ns");
          EXPECT_TRUE(bars.empty());
        }
      }
    }
  }
}

TEST(BatchAggregate, EveryLevelCatchesATimestampJumpingPastItsBucketAndBack) {
  const Trades clean = random_trades(300, 99);
  for (SimdLevel level : supported_levels()) {
    for (std::size_t row = 0; row + 1 < clean.ts.size(); row += 5) {
      Trades t = clean;
      t.ts[row] += 100 * kSecond;
      std::vector<Bar> bars;
      EXPECT_FALSE(alphaforge::aggregate_time_bars_fast(t.ts.data(), t.price.data(),
                                                        t.size.data(), t.ts.size(), kSecond,
                                                        false, bars, level))
          << "level " << static_cast<int>(level) << " row " << row;
      const auto violation = alphaforge::aggregate_bars_checked(
          t.ts.data(), t.price.data(), t.size.data(), t.ts.size(), BarSpec::time(kSecond), false,
          bars);
      ASSERT_TRUE(violation);
      EXPECT_EQ(violation->field, "ts_ns");
      EXPECT_EQ(violation->row, row + 1);
    }
  }
}

TEST(BatchAggregate, AStrayTimestampFillsNoGapsBeforeItIsRefused) {
  Trades t = random_trades(300, 5);
  t.ts[150] += 1'000'000 * kSecond;  // a million empty seconds ahead, then back
  for (SimdLevel level : supported_levels()) {
    std::vector<Bar> bars;
    EXPECT_FALSE(alphaforge::aggregate_time_bars_fast(t.ts.data(), t.price.data(), t.size.data(),
                                                      t.ts.size(), kSecond, true, bars, level));
    EXPECT_LT(bars.capacity(), 1000u) << "level " << static_cast<int>(level);
  }
  std::vector<Bar> bars;
  const auto violation = alphaforge::aggregate_bars_checked(
      t.ts.data(), t.price.data(), t.size.data(), t.ts.size(), BarSpec::time(kSecond), true, bars);
  ASSERT_TRUE(violation);
  EXPECT_EQ(violation->row, 151u);
}

TEST(BatchAggregate, TheSmallestPositiveNumbersAreValid) {
  const double tiny = std::numeric_limits<double>::denorm_min();
  const double max = std::numeric_limits<double>::max();
  const std::vector<std::int64_t> ts(19, 0);
  std::vector<double> price(19, tiny);
  std::vector<double> size(19, max / 32);
  price[11] = max;
  for (SimdLevel level : supported_levels()) {
    std::vector<Bar> bars;
    ASSERT_TRUE(alphaforge::aggregate_time_bars_fast(ts.data(), price.data(), size.data(), 19,
                                                     kSecond, false, bars, level));
    ASSERT_EQ(bars.size(), 1u);
    EXPECT_EQ(bars[0].high, max);
    EXPECT_EQ(bars[0].low, tiny);
  }
}

TEST(BatchAggregate, TimestampsFarFromTheEpochGiveTheStreamingBars) {
  // Beyond +/-2^62 ns the SSE2 order check cannot tell and the row-by-row path takes over;
  // either way the bars are the streaming aggregator's.
  constexpr std::int64_t kFar = (std::int64_t{1} << 62) + kSecond;
  Trades t;
  for (std::int64_t base : {-kFar, std::int64_t{0}, kFar}) {
    for (int j = 0; j < 13; ++j) {
      t.ts.push_back(base + j * kSecond / 4);
      t.price.push_back(1.0 + j);
      t.size.push_back(0.5 + j);
    }
  }
  const BarSpec spec = BarSpec::parse("1s");
  std::vector<Bar> bars;
  EXPECT_FALSE(alphaforge::aggregate_bars_checked(t.ts.data(), t.price.data(), t.size.data(),
                                                  t.ts.size(), spec, false, bars));
  expect_same_bars(bars, streamed(t, spec, false));
  bars.clear();
  alphaforge::aggregate_bars(t.ts.data(), t.price.data(), t.size.data(), t.ts.size(), spec,
                             false, bars);
  expect_same_bars(bars, streamed(t, spec, false));
}

TEST(BatchAggregate, AggregateBarsAppendsAfterWhatIsThere) {
  const Trades t = random_trades(500, 7);
  const BarSpec spec = BarSpec::parse("1s");
  std::vector<Bar> bars(3, Bar{});
  alphaforge::aggregate_bars(t.ts.data(), t.price.data(), t.size.data(), t.ts.size(), spec, true,
                             bars);
  const auto want = streamed(t, spec, true);
  ASSERT_EQ(bars.size(), want.size() + 3);
  expect_same_bars(std::vector<Bar>(bars.begin() + 3, bars.end()), want);
}
