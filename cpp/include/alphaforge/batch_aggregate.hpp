#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "alphaforge/bar.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/market_data_validation.hpp"

namespace alphaforge {

// The instruction sets the time-bar kernel is built for. Each gives the same bits: max and min
// are exact in any order and volume follows the fixed lanes of volume_lanes.hpp.
enum class SimdLevel : std::uint8_t { kPortable, kSse2, kAvx2 };

// The fastest level this CPU runs, found once.
[[nodiscard]] SimdLevel best_simd_level() noexcept;
[[nodiscard]] bool simd_level_supported(SimdLevel level) noexcept;

// Time bars run by run: each bucket's end is found by galloping over the sorted timestamps,
// then its slice is reduced (high, low, volume) while checking, in the same vector pass, that
// prices and sizes are finite and > 0 and that no timestamp goes back. Appends the bars and
// returns true, or returns false (with `out` partly filled) as soon as a value looks wrong or
// a timestamp lies within one step of the ends of int64; the caller then takes the row-by-row
// path, which names the exact offending row.
bool aggregate_time_bars_fast(const std::int64_t* ts, const double* price, const double* size,
                              std::size_t count, std::int64_t step, bool fill_gaps,
                              std::vector<Bar>& out, SimdLevel level = best_simd_level());

// Every bar of one symbol's sorted trades, the last one flushed, appended to `out`. Equal bit
// for bit to feeding the trades through a BarAggregator and flushing it. Inputs must already be
// valid (see market_data_validation.hpp).
void aggregate_bars(const std::int64_t* ts, const double* price, const double* size,
                    std::size_t count, BarSpec spec, bool fill_gaps, std::vector<Bar>& out);

// Validates and aggregates: on bad input returns the first violation (as check_trades() names
// it) and leaves `out` empty. Time bars are validated inside the aggregation pass, so each
// value is read from memory once.
std::optional<Violation> aggregate_bars_checked(const std::int64_t* ts, const double* price,
                                                const double* size, std::size_t count,
                                                BarSpec spec, bool fill_gaps,
                                                std::vector<Bar>& out);

}  // namespace alphaforge
