#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "alphaforge/indicators.hpp"

namespace ind = alphaforge::indicators;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Bars {
  std::vector<double> high, low, close, volume;
};

// A random walk on a cent grid with a flat run (high == low == close) and zero-volume bars.
Bars walk(std::size_t n, double start = 100.0, unsigned seed = 7) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 1.0);
  std::uniform_real_distribution<double> wick(0.0, 0.5);
  Bars b;
  double price = start;
  for (std::size_t i = 0; i < n; ++i) {
    const bool flat = i >= n / 3 && i < n / 3 + 60;
    if (!flat) price = std::round((price + step(rng)) * 100.0) / 100.0;
    const double up = flat ? 0.0 : std::round(wick(rng) * 100.0) / 100.0;
    const double down = flat ? 0.0 : std::round(wick(rng) * 100.0) / 100.0;
    b.close.push_back(price);
    b.high.push_back(price + up);
    b.low.push_back(price - down);
    b.volume.push_back(i % 17 == 0 ? 0.0 : 1.0 + static_cast<double>(i % 5));
  }
  return b;
}

// Bitwise equality, NaN equal to NaN.
void expect_same(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "row " << i;
    } else {
      EXPECT_EQ(got[i], want[i]) << "row " << i;
    }
  }
}

std::size_t first_value(const std::vector<double>& v) {
  std::size_t i = 0;
  while (i < v.size() && std::isnan(v[i])) ++i;
  return i;
}

long double exact_variance(const std::vector<double>& x, std::size_t end, std::size_t n) {
  long double mean = 0.0L;
  for (std::size_t i = end - n; i < end; ++i) mean += x[i];
  mean /= static_cast<long double>(n);
  long double sq = 0.0L;
  for (std::size_t i = end - n; i < end; ++i) sq += (x[i] - mean) * (x[i] - mean);
  return sq / static_cast<long double>(n);
}

}  // namespace

TEST(Indicators, SmaEmaWmaOnHandComputedValues) {
  const std::vector<double> x{1, 2, 3, 4, 5, 6};
  std::vector<double> out(x.size());
  ind::sma(x, 3, out);
  expect_same(out, {kNaN, kNaN, 2, 3, 4, 5});
  ind::ema(x, 3, out);  // seed mean(1, 2, 3) = 2, k = 0.5
  expect_same(out, {kNaN, kNaN, 2, 3, 4, 5});
  ind::ema(std::vector<double>{2, 4, 6, 10, 2}, 3, std::span(out).first(5));
  expect_same(std::vector<double>(out.begin(), out.begin() + 5), {kNaN, kNaN, 4, 7, 4.5});
  ind::wma(x, 3, out);  // (1*1 + 2*2 + 3*3) / 6
  expect_same(out, {kNaN, kNaN, 14.0 / 6, 20.0 / 6, 26.0 / 6, 32.0 / 6});
}

TEST(Indicators, RsiAtrObvVwapOnHandComputedValues) {
  std::vector<double> out(5);
  // Changes +2, -1, +3: seed gain (2 + 0) / 2 = 1, loss 0.5 -> 66.67; then gain (1 + 3) / 2 = 2,
  // loss 0.25 -> 88.89.
  ind::rsi(std::vector<double>{10, 12, 11, 14, 14}, 2, out);
  EXPECT_TRUE(std::isnan(out[1]));
  EXPECT_DOUBLE_EQ(out[2], 100.0 * 1.0 / 1.5);
  EXPECT_DOUBLE_EQ(out[3], 100.0 * 2.0 / 2.25);
  EXPECT_DOUBLE_EQ(out[4], 100.0 * 1.0 / 1.125);

  const std::vector<double> high{11, 12, 15, 13, 13}, low{9, 10, 11, 12, 10},
      close{10, 11, 14, 12, 11}, volume{5, 1, 2, 3, 4};
  ind::atr(high, low, close, 2, out);  // true ranges 2, 4 (15 - 11), 2 (14 - 12), 3
  expect_same(out, {kNaN, kNaN, 3.0, 2.5, 2.75});
  ind::obv(close, volume, out);
  expect_same(out, {5, 6, 8, 5, 1});
  ind::vwap(high, low, close, volume, 0, {}, out);
  const double tp[] = {10, 11, 40.0 / 3, 37.0 / 3, 34.0 / 3};
  double pv = 0, v = 0;
  for (std::size_t i = 0; i < 5; ++i) {
    pv += tp[i] * volume[i];
    v += volume[i];
    EXPECT_DOUBLE_EQ(out[i], pv / v) << i;
  }
}

TEST(Indicators, StreamingEqualsVectorisedBitForBit) {
  const Bars b = walk(3000);
  const std::size_t n = b.close.size();
  std::vector<double> v1(n), v2(n), v3(n);
  const auto stream = [&](auto indicator, auto read) {
    std::vector<double> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(read(indicator, i));
    return out;
  };
  ind::sma(b.close, 20, v1);
  expect_same(stream(ind::Sma(20), [&](auto& s, std::size_t i) { return s.update(b.close[i]); }),
              v1);
  ind::ema(b.close, 20, v1);
  expect_same(stream(ind::Ema(20), [&](auto& s, std::size_t i) { return s.update(b.close[i]); }),
              v1);
  ind::wma(b.close, 20, v1);
  expect_same(stream(ind::Wma(20), [&](auto& s, std::size_t i) { return s.update(b.close[i]); }),
              v1);
  ind::rsi(b.close, 14, v1);
  expect_same(stream(ind::Rsi(14), [&](auto& s, std::size_t i) { return s.update(b.close[i]); }),
              v1);
  ind::rolling_std(b.close, 20, v1);
  expect_same(
      stream(ind::RollingStd(20), [&](auto& s, std::size_t i) { return s.update(b.close[i]); }),
      v1);
  ind::zscore(b.close, 20, v1);
  expect_same(
      stream(ind::ZScore(20), [&](auto& s, std::size_t i) { return s.update(b.close[i]); }), v1);
  ind::macd(b.close, 12, 26, 9, v1, v2, v3);
  expect_same(stream(ind::Macd(12, 26, 9),
                     [&](auto& s, std::size_t i) { return s.update(b.close[i]).signal; }),
              v2);
  ind::bollinger(b.close, 20, 2.0, v1, v2, v3);
  expect_same(stream(ind::Bollinger(20, 2.0),
                     [&](auto& s, std::size_t i) { return s.update(b.close[i]).lower; }),
              v3);
  ind::atr(b.high, b.low, b.close, 14, v1);
  expect_same(stream(ind::Atr(14),
                     [&](auto& s, std::size_t i) {
                       return s.update(b.high[i], b.low[i], b.close[i]);
                     }),
              v1);
  ind::stochastic(b.high, b.low, b.close, 5, 3, 3, v1, v2);
  expect_same(stream(ind::Stochastic(5, 3, 3),
                     [&](auto& s, std::size_t i) {
                       return s.update(b.high[i], b.low[i], b.close[i]).k;
                     }),
              v1);
  ind::adx(b.high, b.low, b.close, 14, v1);
  expect_same(stream(ind::Adx(14),
                     [&](auto& s, std::size_t i) {
                       return s.update(b.high[i], b.low[i], b.close[i]);
                     }),
              v1);
  ind::obv(b.close, b.volume, v1);
  expect_same(stream(ind::Obv(),
                     [&](auto& s, std::size_t i) { return s.update(b.close[i], b.volume[i]); }),
              v1);
  ind::vwap(b.high, b.low, b.close, b.volume, 10, {}, v1);
  expect_same(stream(ind::Vwap(10),
                     [&](auto& s, std::size_t i) {
                       return s.update(b.high[i], b.low[i], b.close[i], b.volume[i]);
                     }),
              v1);
}

TEST(Indicators, ReadyExactlyWhereTheVectorisedOutputStarts) {
  const Bars b = walk(400);
  std::vector<double> out(b.close.size()), d(b.close.size()), e(b.close.size());
  const auto check = [&](auto indicator, const std::vector<double>& vectorised, auto feed) {
    const std::size_t first = first_value(vectorised);
    EXPECT_EQ(first, indicator.lookback());
    for (std::size_t i = 0; i <= first; ++i) {
      EXPECT_FALSE(indicator.ready()) << i;
      feed(indicator, i);
    }
    EXPECT_TRUE(indicator.ready());
  };
  const auto series = [&](auto& s, std::size_t i) { s.update(b.close[i]); };
  const auto bars = [&](auto& s, std::size_t i) { s.update(b.high[i], b.low[i], b.close[i]); };
  ind::sma(b.close, 9, out);
  check(ind::Sma(9), out, series);
  ind::ema(b.close, 9, out);
  check(ind::Ema(9), out, series);
  ind::wma(b.close, 9, out);
  check(ind::Wma(9), out, series);
  ind::rsi(b.close, 9, out);
  check(ind::Rsi(9), out, series);
  ind::rolling_std(b.close, 9, out);
  check(ind::RollingStd(9), out, series);
  ind::macd(b.close, 5, 13, 4, out, d, e);
  check(ind::Macd(5, 13, 4), out, series);
  ind::atr(b.high, b.low, b.close, 9, out);
  check(ind::Atr(9), out, bars);
  ind::stochastic(b.high, b.low, b.close, 7, 3, 4, out, d);
  check(ind::Stochastic(7, 3, 4), out, bars);
  ind::adx(b.high, b.low, b.close, 9, out);
  check(ind::Adx(9), out, bars);
}

TEST(Indicators, MacdSeedsTheFastEmaWhereTheSlowSeedEnds) {
  const Bars b = walk(200);
  std::vector<double> line(200), signal(200), hist(200), slow(200);
  ind::macd(b.close, 3, 8, 4, line, signal, hist);
  ind::ema(b.close, 8, slow);
  // The fast EMA over closes[5..] starts where the slow one does.
  std::vector<double> tail(b.close.begin() + 5, b.close.end()), fast(195);
  ind::ema(tail, 3, fast);
  EXPECT_EQ(first_value(line), 7u + 3u);
  for (std::size_t i = 10; i < 200; ++i) {
    EXPECT_EQ(line[i], fast[i - 5] - slow[i]) << i;
    EXPECT_EQ(hist[i], line[i] - signal[i]) << i;
  }
}

TEST(Indicators, VarianceStaysExactAtBitcoinPrices) {
  const Bars b = walk(5000, 40000.0, 11);
  std::vector<double> sd(b.close.size());
  ind::rolling_std(b.close, 20, sd);
  for (std::size_t end = 20; end <= b.close.size(); ++end) {
    const long double want = std::sqrt(exact_variance(b.close, end, 20));
    EXPECT_NEAR(sd[end - 1], static_cast<double>(want), 1e-10 * (1.0 + static_cast<double>(want)))
        << end;
  }
  // The flat run: exactly 0, so the bands collapse onto the mean and the z-score is 0.
  const std::size_t flat_end = 5000 / 3 + 60;
  EXPECT_EQ(sd[flat_end - 1], 0.0);
  std::vector<double> z(b.close.size());
  ind::zscore(b.close, 20, z);
  EXPECT_EQ(z[flat_end - 1], 0.0);
}

TEST(Indicators, VarianceRecoversWhenAGapLeavesTheWindow) {
  std::vector<double> x;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> step(0.0, 0.2);
  double price = 40000.0;
  for (std::size_t i = 0; i < 400; ++i) {
    price += (i % 97 == 8) ? 943.46 : std::round(step(rng) * 100.0) / 100.0;
    x.push_back(price);
  }
  // Values one ulp apart: the rounding of the mean alone is a large share of the variance.
  const double v = 40000.17;
  for (std::size_t i = 0; i < 300; ++i) x.push_back(i % 3 == 0 ? std::nextafter(v, 1e9) : v);
  for (const std::size_t period : {5u, 20u, 100u}) {
    std::vector<double> sd(x.size());
    ind::rolling_std(x, period, sd);
    for (std::size_t end = period; end <= x.size(); ++end) {
      const double want = static_cast<double>(std::sqrt(exact_variance(x, end, period)));
      ASSERT_NEAR(sd[end - 1], want, 1e-12 * want + 1e-15) << period << " " << end;
    }
  }
}

TEST(Indicators, WmaStaysExactOverALongSeries) {
  const Bars b = walk(200000, 40000.0, 3);
  std::vector<double> out(b.close.size());
  ind::wma(b.close, 30, out);
  for (std::size_t end = 30; end <= b.close.size(); end += 997) {
    long double w = 0.0L;
    for (std::size_t j = 0; j < 30; ++j) w += static_cast<long double>(j + 1) * b.close[end - 30 + j];
    EXPECT_NEAR(out[end - 1], static_cast<double>(w / 465.0L), 1e-9) << end;
  }
}

TEST(Indicators, StochasticExtremesEqualABruteForceWindow) {
  const Bars b = walk(500);
  ind::ExtremeWindow<true> highest(7);
  ind::ExtremeWindow<false> lowest(7);
  for (std::size_t i = 0; i < b.high.size(); ++i) {
    highest.push(b.high[i]);
    lowest.push(b.low[i]);
    double hi = b.high[i], lo = b.low[i];
    for (std::size_t j = i >= 6 ? i - 6 : 0; j < i; ++j) {
      hi = std::max(hi, b.high[j]);
      lo = std::min(lo, b.low[j]);
    }
    ASSERT_EQ(highest.extreme(), hi) << i;
    ASSERT_EQ(lowest.extreme(), lo) << i;
  }
}

TEST(Indicators, LeadingNanRowsAreSkippedAndLaterOnesRejected) {
  std::vector<double> x{kNaN, kNaN, 1, 2, 3, 4};
  std::vector<double> out(x.size());
  ind::sma(x, 2, out);
  expect_same(out, {kNaN, kNaN, kNaN, 1.5, 2.5, 3.5});
  x[4] = kNaN;
  EXPECT_THROW(ind::sma(x, 2, out), std::invalid_argument);
  x[4] = std::numeric_limits<double>::infinity();
  try {
    ind::sma(x, 2, out);
    FAIL() << "inf accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "values[4] must be finite, got inf");
  }
}

TEST(Indicators, EveryNonFiniteOrInvertedBarIsRejected) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> out(3);
  for (const double bad : {kNaN, inf, -inf}) {
    for (int column = 0; column < 3; ++column) {
      std::vector<double> high{2, 3, 4}, low{1, 2, 3}, close{1.5, 2.5, 3.5};
      std::vector<double>* target = column == 0 ? &high : column == 1 ? &low : &close;
      (*target)[2] = bad;
      EXPECT_THROW(ind::atr(high, low, close, 1, out), std::invalid_argument) << bad << column;
      EXPECT_THROW(ind::adx(high, low, close, 1, out), std::invalid_argument) << bad << column;
      EXPECT_THROW(ind::stochastic(high, low, close, 1, 1, 1, out, out), std::invalid_argument)
          << bad << column;
      ind::Atr streaming(1);
      EXPECT_THROW(streaming.update(high[2], low[2], close[2]), std::invalid_argument);
    }
  }
  const std::vector<double> high{2, 3}, low{1, 3.5}, close{1.5, 3.2}, volume{1, 1};
  EXPECT_THROW(ind::vwap(high, low, close, volume, 0, {}, std::span(out).first(2)),
               std::invalid_argument);
  const std::vector<double> ok_high{2, 3}, ok_low{1, 2}, zero_width{2, 2};
  EXPECT_NO_THROW(ind::atr(ok_high, ok_low, close, 1, std::span(out).first(2)));
  EXPECT_NO_THROW(ind::atr(zero_width, zero_width, zero_width, 1, std::span(out).first(2)));
}

TEST(Indicators, BadArgumentsAreNamed) {
  const auto message = [](auto&& call) {
    try {
      call();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { ind::Sma(0); }), "period must be at least 1, got 0");
  EXPECT_EQ(message([] { ind::Macd(26, 12, 9); }),
            "fast must not exceed slow, got fast=26 slow=12");
  EXPECT_EQ(message([] { ind::Bollinger(20, -1.0); }), "num_std must be finite and >= 0, got -1");
  EXPECT_EQ(message([] { ind::Stochastic(5, 0, 3); }), "slowk must be at least 1, got 0");
  const std::vector<double> h{2, 3}, l{1, 4}, c{1.5, 3.5}, short_col{1};
  std::vector<double> out(2);
  EXPECT_EQ(message([&] { ind::atr(h, short_col, c, 2, out); }), "low has 1 rows, high has 2");
  EXPECT_EQ(message([&] { ind::atr(h, l, c, 2, out); }), "high[1] = 3 is below low[1] = 4");
  const std::vector<double> volume{1, -2};
  EXPECT_EQ(message([&] { ind::obv(c, volume, out); }), "volume[1] must be >= 0, got -2");
}

TEST(Indicators, RejectedUpdatesLeaveTheStateAsItWas) {
  ind::Atr atr(3);
  ind::Atr twin(3);
  const Bars b = walk(50);
  for (std::size_t i = 0; i < 50; ++i) {
    atr.update(b.high[i], b.low[i], b.close[i]);
    twin.update(b.high[i], b.low[i], b.close[i]);
    if (i % 7 == 0) {
      EXPECT_THROW(atr.update(b.low[i], b.high[i] + 1.0, b.close[i]), std::invalid_argument);
      EXPECT_THROW(atr.update(kNaN, b.low[i], b.close[i]), std::invalid_argument);
    }
    ASSERT_EQ(atr.ready(), twin.ready()) << i;
    if (twin.ready()) {
      ASSERT_EQ(atr.value(), twin.value()) << i;
    }
  }
  ind::Rsi rsi(5);
  EXPECT_THROW(rsi.update(kNaN), std::invalid_argument);
  EXPECT_FALSE(rsi.ready());
  ind::Obv obv;
  EXPECT_THROW(obv.update(1.0, -1.0), std::invalid_argument);
  EXPECT_FALSE(obv.ready());
}

TEST(Indicators, ResetStartsAgainAsANewObject) {
  const Bars b = walk(300);
  ind::Adx used(7);
  for (std::size_t i = 0; i < 100; ++i) used.update(b.high[i], b.low[i], b.close[i]);
  used.reset();
  ind::Adx fresh(7);
  for (std::size_t i = 100; i < 300; ++i) {
    ASSERT_EQ(std::isnan(used.update(b.high[i], b.low[i], b.close[i])),
              std::isnan(fresh.update(b.high[i], b.low[i], b.close[i])));
    if (fresh.ready()) {
      ASSERT_EQ(used.value(), fresh.value()) << i;
    }
  }
}

TEST(Indicators, VwapSessionsAndZeroVolume) {
  const std::vector<double> high{11, 12, 13, 14}, low{9, 10, 11, 12}, close{10, 11, 12, 13},
      volume{0, 2, 0, 0};
  std::vector<double> out(4);
  ind::vwap(high, low, close, volume, 0, {}, out);
  expect_same(out, {kNaN, 11, 11, 11});
  const std::vector<std::int64_t> session{1, 1, 2, 2};
  ind::vwap(high, low, close, volume, 0, session, out);
  expect_same(out, {kNaN, 11, kNaN, kNaN});
  ind::vwap(high, low, close, volume, 2, {}, out);
  expect_same(out, {kNaN, 11, 11, kNaN});
}
