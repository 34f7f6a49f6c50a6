#include "alphaforge/batch_aggregate.hpp"

#include <algorithm>
#include <limits>

#include "alphaforge/bar_aggregator.hpp"
#include "alphaforge/volume_lanes.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ALPHAFORGE_X86_KERNELS 1
#include <immintrin.h>
#endif

namespace alphaforge {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One bucket's trades: how many, high, low and volume lanes.
struct RunSummary {
  std::size_t rows;
  double high;
  double low;
  VolumeLanes lanes;
};

// A kernel takes the run of rows from row 0 (which is in the bucket) while ts < bound, among
// the `available` rows, and reduces it into `run`. It returns whether every price and size of
// the run is finite and > 0 (ordered comparisons: NaN fails them) and no timestamp in it goes
// back; it may answer false for valid rows (the caller then checks row by row), never true for
// invalid ones. Sorted rows end the run where ts reaches the bound; the end is found by the
// same vector pass that checks the order, so every column is read from memory once and
// sequentially (a binary search would wait on memory once per probe).
using SummariseRun = bool (*)(const std::int64_t* ts, const double* price, const double* size,
                              std::size_t available, std::int64_t bound, RunSummary& run);

// The scalar end every kernel shares: from row k (all rows before it taken) to the end of the
// run, into lanes k % 8 onwards.
bool summarise_tail(const std::int64_t* ts, const double* price, const double* size,
                    std::size_t k, std::size_t available, std::int64_t bound, RunSummary& run) {
  std::size_t n = k;
  while (n < available && ts[n] < bound) ++n;
  run.rows = n;
  unsigned good = 1;
  for (std::size_t j = k + 1; j < n; ++j) good &= static_cast<unsigned>(ts[j - 1] <= ts[j]);
  for (; k < n; ++k) {
    const double p = price[k];
    const double s = size[k];
    run.high = std::max(run.high, p);
    run.low = std::min(run.low, p);
    run.lanes[k % kVolumeLanes] += s;
    good &= static_cast<unsigned>(p > 0.0) & static_cast<unsigned>(p < kInf) &
            static_cast<unsigned>(s > 0.0) & static_cast<unsigned>(s < kInf);
  }
  return good != 0;
}

bool summarise_portable(const std::int64_t* ts, const double* price, const double* size,
                        std::size_t available, std::int64_t bound, RunSummary& run) {
  run.high = run.low = price[0];
  run.lanes = VolumeLanes{};
  return summarise_tail(ts, price, size, 0, available, bound, run);
}

#ifdef ALPHAFORGE_X86_KERNELS

// SSE2, the x86-64 baseline: eight lanes of volume in four 2-wide accumulators. With no 64-bit
// compare, the sign of ts[k + 1] - ts[k] tells the order; it cannot overflow while both lie
// within +/-2^62 (their top two bits agree), and beyond that the kernel answers false.
bool summarise_sse2(const std::int64_t* ts, const double* price, const double* size,
                    std::size_t available, std::int64_t bound, RunSummary& run) {
  const __m128d zero = _mm_setzero_pd();
  const __m128d inf = _mm_set1_pd(kInf);
  __m128d high_a = _mm_set1_pd(price[0]);
  __m128d high_b = high_a;
  __m128d low_a = high_a;
  __m128d low_b = high_a;
  __m128d v01 = zero, v23 = zero, v45 = zero, v67 = zero;
  __m128d good = _mm_cmpeq_pd(zero, zero);
  __m128i bad_time = _mm_setzero_si128();
  std::size_t k = 0;
  // Rows k .. k + 7 are in the run if row k + 8 is: the order check proves it or fails.
  for (; k + kVolumeLanes < available && ts[k + kVolumeLanes] < bound; k += kVolumeLanes) {
    for (std::size_t j = 0; j < kVolumeLanes; j += 2) {
      const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ts + k + j));
      const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ts + k + j + 1));
      const __m128i range = _mm_or_si128(_mm_xor_si128(t, _mm_slli_epi64(t, 1)),
                                         _mm_xor_si128(next, _mm_slli_epi64(next, 1)));
      bad_time = _mm_or_si128(bad_time, _mm_or_si128(_mm_sub_epi64(next, t), range));
    }
    const __m128d p0 = _mm_loadu_pd(price + k);
    const __m128d p1 = _mm_loadu_pd(price + k + 2);
    const __m128d p2 = _mm_loadu_pd(price + k + 4);
    const __m128d p3 = _mm_loadu_pd(price + k + 6);
    const __m128d s0 = _mm_loadu_pd(size + k);
    const __m128d s1 = _mm_loadu_pd(size + k + 2);
    const __m128d s2 = _mm_loadu_pd(size + k + 4);
    const __m128d s3 = _mm_loadu_pd(size + k + 6);
    high_a = _mm_max_pd(_mm_max_pd(high_a, p0), p2);
    high_b = _mm_max_pd(_mm_max_pd(high_b, p1), p3);
    low_a = _mm_min_pd(_mm_min_pd(low_a, p0), p2);
    low_b = _mm_min_pd(_mm_min_pd(low_b, p1), p3);
    v01 = _mm_add_pd(v01, s0);
    v23 = _mm_add_pd(v23, s1);
    v45 = _mm_add_pd(v45, s2);
    v67 = _mm_add_pd(v67, s3);
    const __m128d positive =
        _mm_and_pd(_mm_cmpgt_pd(_mm_min_pd(_mm_min_pd(p0, p1), _mm_min_pd(p2, p3)), zero),
                   _mm_cmpgt_pd(_mm_min_pd(_mm_min_pd(s0, s1), _mm_min_pd(s2, s3)), zero));
    // min() could hide a NaN, so each value meets the upper bound itself; a NaN fails it.
    const __m128d finite = _mm_and_pd(
        _mm_and_pd(_mm_and_pd(_mm_cmplt_pd(p0, inf), _mm_cmplt_pd(p1, inf)),
                   _mm_and_pd(_mm_cmplt_pd(p2, inf), _mm_cmplt_pd(p3, inf))),
        _mm_and_pd(_mm_and_pd(_mm_cmplt_pd(s0, inf), _mm_cmplt_pd(s1, inf)),
                   _mm_and_pd(_mm_cmplt_pd(s2, inf), _mm_cmplt_pd(s3, inf))));
    good = _mm_and_pd(good, _mm_and_pd(positive, finite));
  }
  alignas(16) double high[2];
  alignas(16) double low[2];
  _mm_store_pd(high, _mm_max_pd(high_a, high_b));
  _mm_store_pd(low, _mm_min_pd(low_a, low_b));
  run.high = std::max(high[0], high[1]);
  run.low = std::min(low[0], low[1]);
  _mm_storeu_pd(run.lanes.data(), v01);
  _mm_storeu_pd(run.lanes.data() + 2, v23);
  _mm_storeu_pd(run.lanes.data() + 4, v45);
  _mm_storeu_pd(run.lanes.data() + 6, v67);
  const bool vectors_good = _mm_movemask_pd(good) == 3 &&
                            _mm_movemask_pd(_mm_castsi128_pd(bad_time)) == 0;
  return summarise_tail(ts, price, size, k, available, bound, run) && vectors_good;
}

// AVX2: two 4-wide accumulators per quantity, 64-bit compares for the timestamps.
__attribute__((target("avx2"))) bool summarise_avx2(const std::int64_t* ts, const double* price,
                                                    const double* size, std::size_t available,
                                                    std::int64_t bound, RunSummary& run) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d inf = _mm256_set1_pd(kInf);
  __m256d high_a = _mm256_set1_pd(price[0]);
  __m256d high_b = high_a;
  __m256d low_a = high_a;
  __m256d low_b = high_a;
  __m256d v0123 = zero, v4567 = zero;
  __m256d good = _mm256_cmp_pd(zero, zero, _CMP_EQ_OQ);
  __m256i back = _mm256_setzero_si256();
  std::size_t k = 0;
  // Rows k .. k + 7 are in the run if row k + 8 is: the order check proves it or fails.
  for (; k + kVolumeLanes < available && ts[k + kVolumeLanes] < bound; k += kVolumeLanes) {
    const auto* t = reinterpret_cast<const __m256i*>(ts + k);
    const auto* next = reinterpret_cast<const __m256i*>(ts + k + 1);
    back = _mm256_or_si256(
        back, _mm256_or_si256(
                  _mm256_cmpgt_epi64(_mm256_loadu_si256(t), _mm256_loadu_si256(next)),
                  _mm256_cmpgt_epi64(_mm256_loadu_si256(t + 1), _mm256_loadu_si256(next + 1))));
    const __m256d p0 = _mm256_loadu_pd(price + k);
    const __m256d p1 = _mm256_loadu_pd(price + k + 4);
    const __m256d s0 = _mm256_loadu_pd(size + k);
    const __m256d s1 = _mm256_loadu_pd(size + k + 4);
    high_a = _mm256_max_pd(high_a, p0);
    high_b = _mm256_max_pd(high_b, p1);
    low_a = _mm256_min_pd(low_a, p0);
    low_b = _mm256_min_pd(low_b, p1);
    v0123 = _mm256_add_pd(v0123, s0);
    v4567 = _mm256_add_pd(v4567, s1);
    const __m256d positive =
        _mm256_and_pd(_mm256_cmp_pd(_mm256_min_pd(p0, p1), zero, _CMP_GT_OQ),
                      _mm256_cmp_pd(_mm256_min_pd(s0, s1), zero, _CMP_GT_OQ));
    // min() could hide a NaN, so each value meets the upper bound itself; a NaN fails it.
    const __m256d finite =
        _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(p0, inf, _CMP_LT_OQ),
                                    _mm256_cmp_pd(p1, inf, _CMP_LT_OQ)),
                      _mm256_and_pd(_mm256_cmp_pd(s0, inf, _CMP_LT_OQ),
                                    _mm256_cmp_pd(s1, inf, _CMP_LT_OQ)));
    good = _mm256_and_pd(good, _mm256_and_pd(positive, finite));
  }
  alignas(32) double high[4];
  alignas(32) double low[4];
  _mm256_store_pd(high, _mm256_max_pd(high_a, high_b));
  _mm256_store_pd(low, _mm256_min_pd(low_a, low_b));
  run.high = std::max(std::max(high[0], high[1]), std::max(high[2], high[3]));
  run.low = std::min(std::min(low[0], low[1]), std::min(low[2], low[3]));
  _mm256_storeu_pd(run.lanes.data(), v0123);
  _mm256_storeu_pd(run.lanes.data() + 4, v4567);
  const bool vectors_good = _mm256_movemask_pd(good) == 0xF && _mm256_testz_si256(back, back);
  return summarise_tail(ts, price, size, k, available, bound, run) && vectors_good;
}

#endif  // ALPHAFORGE_X86_KERNELS

SummariseRun kernel_for(SimdLevel level) {
#ifdef ALPHAFORGE_X86_KERNELS
  if (level == SimdLevel::kAvx2) return summarise_avx2;
  if (level == SimdLevel::kSse2) return summarise_sse2;
#endif
  (void)level;
  return summarise_portable;
}

SimdLevel detect_simd_level() noexcept {
#ifdef ALPHAFORGE_X86_KERNELS
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? SimdLevel::kAvx2 : SimdLevel::kSse2;
#else
  return SimdLevel::kPortable;
#endif
}

void append_gap_bars(std::int64_t until, std::int64_t step, std::vector<Bar>& out) {
  Bar flat{};
  flat.open = flat.high = flat.low = flat.close = out.back().close;
  for (std::int64_t t = out.back().ts_close_ns; t < until; t += step) {
    flat.ts_open_ns = t;
    flat.ts_close_ns = t + step;
    out.push_back(flat);
  }
}

void stream_bars(const std::int64_t* ts, const double* price, const double* size,
                 std::size_t count, BarSpec spec, bool fill_gaps, std::vector<Bar>& out) {
  BarAggregator aggregator(spec, 0, fill_gaps);
  auto emit = [&out](const Bar& bar) { out.push_back(bar); };
  for (std::size_t i = 0; i < count; ++i) aggregator.update(ts[i], price[i], size[i], emit);
  aggregator.flush(emit);
}

}  // namespace

SimdLevel best_simd_level() noexcept {
  static const SimdLevel level = detect_simd_level();
  return level;
}

bool simd_level_supported(SimdLevel level) noexcept {
  return static_cast<int>(level) <= static_cast<int>(best_simd_level());
}

bool aggregate_time_bars_fast(const std::int64_t* ts, const double* price, const double* size,
                              std::size_t count, std::int64_t step, bool fill_gaps,
                              std::vector<Bar>& out, SimdLevel level) {
  const SummariseRun summarise = kernel_for(level);
  // Within these bounds floor_to_step() and a bucket's end stay inside int64.
  const std::int64_t lowest = std::numeric_limits<std::int64_t>::min() + step;
  const std::int64_t highest = std::numeric_limits<std::int64_t>::max() - step;
  const std::size_t first_bar = out.size();
  RunSummary run{};
  for (std::size_t i = 0; i < count;) {
    if (ts[i] <= lowest || ts[i] >= highest) return false;
    const std::int64_t open = floor_to_step(ts[i], step);
    // The pair across the previous bucket's end here, the pairs inside it in the kernel.
    if ((i > 0 && ts[i] < ts[i - 1]) ||
        !summarise(ts + i, price + i, size + i, count - i, open + step, run)) {
      return false;
    }
    // Only after the run passed: a stray timestamp far ahead must not fill gaps up to it.
    if (fill_gaps && out.size() > first_bar) append_gap_bars(open, step, out);
    const std::size_t end = i + run.rows;
    out.push_back(Bar{open, open + step, price[i], run.high, run.low, price[end - 1],
                      combine_volume_lanes(run.lanes), static_cast<std::int64_t>(end - i), 0});
    i = end;
  }
  return true;
}

void aggregate_bars(const std::int64_t* ts, const double* price, const double* size,
                    std::size_t count, BarSpec spec, bool fill_gaps, std::vector<Bar>& out) {
  const std::size_t first_bar = out.size();
  if (spec.kind() == BarKind::kTime &&
      aggregate_time_bars_fast(ts, price, size, count, spec.step_ns(), fill_gaps, out)) {
    return;
  }
  out.resize(first_bar);
  stream_bars(ts, price, size, count, spec, fill_gaps, out);
}

std::optional<Violation> aggregate_bars_checked(const std::int64_t* ts, const double* price,
                                                const double* size, std::size_t count,
                                                BarSpec spec, bool fill_gaps,
                                                std::vector<Bar>& out) {
  out.clear();
  if (spec.kind() == BarKind::kTime &&
      aggregate_time_bars_fast(ts, price, size, count, spec.step_ns(), fill_gaps, out)) {
    return std::nullopt;
  }
  out.clear();
  auto violation = check_trades(ts, price, size, count);
  if (!violation) stream_bars(ts, price, size, count, spec, fill_gaps, out);
  return violation;
}

}  // namespace alphaforge
