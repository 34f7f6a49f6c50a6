#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "alphaforge/cache_clock.hpp"
#include "alphaforge/sharded_cache.hpp"

using alphaforge::CacheClock;
using alphaforge::ManualClock;
using alphaforge::ShardedCache;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

using U64Cache = ShardedCache<std::uint64_t, std::uint64_t>;

// The contract the cache relies on: coarse <= exact < coarse + slack, both monotonic.
TEST(CacheClock, CoarseReadingTrailsTheExactOneWithinTheSlack) {
  const CacheClock clock;
  std::int64_t last_coarse = clock.coarse_ns();
  for (int i = 0; i < 100'000; ++i) {
    const std::int64_t coarse = clock.coarse_ns();
    const std::int64_t exact = clock.now_ns();
    ASSERT_LE(coarse, exact);
    ASSERT_LT(exact - coarse, clock.coarse_slack_ns());
    ASSERT_GE(coarse, last_coarse);
    last_coarse = coarse;
  }
}

TEST(CacheClock, CoarseReadingMovesWithTime) {
  const CacheClock clock;
  const std::int64_t before = clock.coarse_ns();
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_GT(clock.coarse_ns(), before);
}

TEST(CacheClock, ManualClockHasNoLagUnlessTold) {
  auto manual = std::make_shared<ManualClock>(500);
  const CacheClock clock(manual);
  EXPECT_EQ(clock.coarse_ns(), 500);
  EXPECT_EQ(clock.now_ns(), 500);
  EXPECT_EQ(clock.coarse_slack_ns(), 0);
  manual->set_coarse_lag(nanoseconds(30), nanoseconds(100));
  EXPECT_EQ(clock.coarse_ns(), 470);
  EXPECT_EQ(clock.now_ns(), 500);
  EXPECT_EQ(clock.coarse_slack_ns(), 100);
  EXPECT_THROW(manual->set_coarse_lag(nanoseconds(100), nanoseconds(100)), std::invalid_argument);
  EXPECT_THROW(manual->set_coarse_lag(nanoseconds(-1), nanoseconds(100)), std::invalid_argument);
}

// A coarse clock 30 ns behind, trusted to within 100 ns. The TTL runs from the coarse reading
// (so it ends up to the lag early, never late), and near the end the exact clock decides.
TEST(CacheClock, LaggingCoarseClockNeverServesAnEntryPastItsTtl) {
  auto manual = std::make_shared<ManualClock>(10'000);
  manual->set_coarse_lag(nanoseconds(30), nanoseconds(100));
  U64Cache cache(8, 1, nanoseconds(1'000), CacheClock(manual));
  cache.put(1, 10);  // coarse 9'970: expires at 10'970, 30 ns before 11'000
  cache.put(2, 20);
  manual->advance(nanoseconds(500));  // far from expiry: the coarse reading settles it
  EXPECT_EQ(cache.get(std::uint64_t{1}), 10u);
  manual->advance(nanoseconds(469));  // exact 10'969, coarse 10'939: within the slack
  EXPECT_EQ(cache.get(std::uint64_t{1}), 10u);
  EXPECT_TRUE(cache.contains(std::uint64_t{2}));
  manual->advance(nanoseconds(1));  // exact 10'970: expired, though the coarse reading is not
  EXPECT_FALSE(cache.get(std::uint64_t{1}).has_value());
  EXPECT_FALSE(cache.contains(std::uint64_t{2}));
  EXPECT_FALSE(cache.erase(std::uint64_t{2}));
  const auto stats = cache.statistics();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.expirations, 2u);
  EXPECT_EQ(cache.size(), 0u);
}

// Also a clock below zero (a ManualClock may start there): the expiry must not overflow.
TEST(CacheClock, BatchesDecideExpiryLikeSingleCalls) {
  auto manual = std::make_shared<ManualClock>(0);
  manual->set_coarse_lag(nanoseconds(20), nanoseconds(50));
  U64Cache cache(64, 1, nanoseconds(100), CacheClock(manual));
  const std::vector<std::uint64_t> keys{1, 2, 3};
  const std::vector<std::uint64_t> values{10, 20, 30};
  cache.put_many(keys.data(), values.data(), keys.size());  // expire at -20 + 100 = 80
  std::vector<std::uint64_t> out(keys.size());
  std::unique_ptr<bool[]> found(new bool[keys.size()]);
  manual->advance(nanoseconds(79));
  EXPECT_EQ(cache.get_many(keys.data(), keys.size(), out.data(), found.get()), 3u);
  manual->advance(nanoseconds(1));
  EXPECT_EQ(cache.get_many(keys.data(), keys.size(), out.data(), found.get()), 0u);
  EXPECT_EQ(cache.statistics().expirations, 3u);
}

// The system clock: an entry is gone once its TTL has passed on the exact clock, measured from
// before the put, and is served right after the put (the TTL is far longer than a tick).
TEST(CacheClock, SystemClockExpiresOnTime) {
  U64Cache cache(8, 1);
  const CacheClock& clock = cache.clock();
  const std::int64_t before_put = clock.now_ns();
  cache.put(1, 10, milliseconds(40));
  cache.put(2, 20, std::chrono::seconds(60));
  EXPECT_EQ(cache.get(std::uint64_t{1}), 10u);
  while (clock.now_ns() - before_put < nanoseconds(milliseconds(40)).count()) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_FALSE(cache.get(std::uint64_t{1}).has_value());
  EXPECT_EQ(cache.get(std::uint64_t{2}), 20u);
}
