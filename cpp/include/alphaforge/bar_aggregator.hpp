#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "alphaforge/bar.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/market_data_validation.hpp"

namespace alphaforge {

// Floor division: bucket starts for timestamps before 1970 round down too.
inline std::int64_t floor_to_step(std::int64_t ts, std::int64_t step) noexcept {
  const std::int64_t q = ts / step;
  return (q * step > ts ? q - 1 : q) * step;
}

// Turns one symbol's trades, in timestamp order, into bars of one spec.
// A time bar closes on the first trade at or past its end (or on flush()): a bar is never
// emitted before a later trade proves it complete. Buckets with no trade produce no bar unless
// fill_gaps is set, in which case each empty bucket becomes a flat bar at the previous close
// with zero volume and zero trades.
// Tick bars close on their Nth trade; volume bars on the trade that brings their volume to at
// least the threshold (a trade is never split between bars).
class BarAggregator {
 public:
  explicit BarAggregator(BarSpec spec, std::uint32_t symbol_id = 0, bool fill_gaps = false)
      : spec_(spec), fill_gaps_(fill_gaps) {
    bar_.symbol_id = symbol_id;
  }

  // Calls emit(const Bar&) for every bar this trade completes, oldest first.
  template <typename Emit>
  void update(std::int64_t ts, double price, double size, Emit&& emit) {
    if (open_) {
      if (spec_.kind() != BarKind::kTime || ts < bucket_end_) {
        add(ts, price, size);
        if (spec_.kind() != BarKind::kTime && complete()) close(emit);
        return;
      }
      const double previous_close = bar_.close;
      const std::int64_t gap_start = bucket_end_;
      close(emit);
      if (fill_gaps_) {
        emit_gap_bars(gap_start, floor_to_step(ts, spec_.step_ns()), previous_close, emit);
      }
    }
    open(ts, price, size);
    if (spec_.kind() != BarKind::kTime && complete()) close(emit);
  }

  // Emits the open bar, if any, as it stands; returns whether there was one.
  template <typename Emit>
  bool flush(Emit&& emit) {
    if (!open_) return false;
    close(emit);
    return true;
  }

  [[nodiscard]] bool has_open_bar() const noexcept { return open_; }
  [[nodiscard]] const Bar& open_bar() const noexcept { return bar_; }
  [[nodiscard]] const BarSpec& spec() const noexcept { return spec_; }
  [[nodiscard]] bool fill_gaps() const noexcept { return fill_gaps_; }

 private:
  void open(std::int64_t ts, double price, double size) noexcept {
    open_ = true;
    if (spec_.kind() == BarKind::kTime) {
      bar_.ts_open_ns = floor_to_step(ts, spec_.step_ns());
      bucket_end_ = bar_.ts_open_ns + spec_.step_ns();
      bar_.ts_close_ns = bucket_end_;
    } else {
      bar_.ts_open_ns = ts;
      bar_.ts_close_ns = ts;
    }
    bar_.open = bar_.high = bar_.low = bar_.close = price;
    bar_.volume = size;
    bar_.trade_count = 1;
  }

  void add(std::int64_t ts, double price, double size) noexcept {
    bar_.high = std::max(bar_.high, price);
    bar_.low = std::min(bar_.low, price);
    bar_.close = price;
    bar_.volume += size;
    ++bar_.trade_count;
    if (spec_.kind() != BarKind::kTime) bar_.ts_close_ns = ts;
  }

  [[nodiscard]] bool complete() const noexcept {
    return spec_.kind() == BarKind::kTick ? bar_.trade_count >= spec_.tick_count()
                                          : bar_.volume >= spec_.volume_threshold();
  }

  template <typename Emit>
  void close(Emit& emit) {
    open_ = false;
    emit(static_cast<const Bar&>(bar_));
  }

  template <typename Emit>
  void emit_gap_bars(std::int64_t from, std::int64_t until, double price, Emit& emit) {
    Bar flat = bar_;
    flat.open = flat.high = flat.low = flat.close = price;
    flat.volume = 0.0;
    flat.trade_count = 0;
    for (std::int64_t start = from; start < until; start += spec_.step_ns()) {
      flat.ts_open_ns = start;
      flat.ts_close_ns = start + spec_.step_ns();
      emit(static_cast<const Bar&>(flat));
    }
  }

  BarSpec spec_;
  bool fill_gaps_;
  bool open_ = false;
  std::int64_t bucket_end_ = 0;
  Bar bar_{};
};

namespace detail {

// First index in [from, count) whose timestamp is >= bound, given ts[from] < bound. Gallops
// from `from`: a bar's run of trades is short next to the whole array.
inline std::size_t run_end(const std::int64_t* ts, std::size_t from, std::size_t count,
                           std::int64_t bound) noexcept {
  std::size_t base = from;
  std::size_t step = 1;
  while (base + step < count && ts[base + step] < bound) {
    base += step;
    step *= 2;
  }
  const std::size_t limit = std::min(base + step, count);
  return static_cast<std::size_t>(std::lower_bound(ts + base + 1, ts + limit, bound) - ts);
}

// High and low over four independent lanes (max and min are exact in any order); volume is
// summed in trade order so that it equals the streaming aggregator's bit for bit.
inline void fill_run(const double* price, const double* size, std::size_t n, Bar& bar) noexcept {
  double h0 = price[0], h1 = price[0], h2 = price[0], h3 = price[0];
  double l0 = price[0], l1 = price[0], l2 = price[0], l3 = price[0];
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    h0 = std::max(h0, price[k]);
    h1 = std::max(h1, price[k + 1]);
    h2 = std::max(h2, price[k + 2]);
    h3 = std::max(h3, price[k + 3]);
    l0 = std::min(l0, price[k]);
    l1 = std::min(l1, price[k + 1]);
    l2 = std::min(l2, price[k + 2]);
    l3 = std::min(l3, price[k + 3]);
  }
  for (; k < n; ++k) {
    h0 = std::max(h0, price[k]);
    l0 = std::min(l0, price[k]);
  }
  double volume = 0.0;
  for (std::size_t j = 0; j < n; ++j) volume += size[j];
  bar.open = price[0];
  bar.close = price[n - 1];
  bar.high = std::max(std::max(h0, h1), std::max(h2, h3));
  bar.low = std::min(std::min(l0, l1), std::min(l2, l3));
  bar.volume = volume;
  bar.trade_count = static_cast<std::int64_t>(n);
}

// Time bars run by run: find where each bucket's trades end, then reduce that slice. With
// `check`, each slice (and its first row's predecessor) also goes through trades_look_clean()
// while it is still in cache; returns false as soon as one looks wrong.
inline bool aggregate_time_bars(const std::int64_t* ts, const double* price, const double* size,
                                std::size_t count, std::int64_t step, bool fill_gaps, bool check,
                                std::vector<Bar>& out) {
  Bar bar{};
  double previous_close = 0.0;
  for (std::size_t i = 0; i < count;) {
    const std::int64_t open = floor_to_step(ts[i], step);
    if (fill_gaps && !out.empty()) {
      Bar flat{};
      flat.open = flat.high = flat.low = flat.close = previous_close;
      for (std::int64_t t = out.back().ts_close_ns; t < open; t += step) {
        flat.ts_open_ns = t;
        flat.ts_close_ns = t + step;
        out.push_back(flat);
      }
    }
    const std::size_t end = run_end(ts, i, count, open + step);
    const std::size_t from = i == 0 ? 0 : i - 1;
    if (check && !trades_look_clean(ts + from, price + from, size + from, end - from)) {
      return false;
    }
    bar.ts_open_ns = open;
    bar.ts_close_ns = open + step;
    fill_run(price + i, size + i, end - i, bar);
    out.push_back(bar);
    previous_close = bar.close;
    i = end;
  }
  return true;
}

}  // namespace detail

// The vectorised path: every bar of one symbol's sorted trades, the last one flushed. Equal to
// feeding the trades through a BarAggregator and flushing it. Inputs must already be validated
// (see market_data_validation.hpp).
inline void aggregate_bars(const std::int64_t* ts, const double* price, const double* size,
                           std::size_t count, BarSpec spec, bool fill_gaps, std::vector<Bar>& out) {
  if (spec.kind() == BarKind::kTime) {
    detail::aggregate_time_bars(ts, price, size, count, spec.step_ns(), fill_gaps, false, out);
    return;
  }
  BarAggregator aggregator(spec, 0, fill_gaps);
  auto emit = [&out](const Bar& bar) { out.push_back(bar); };
  for (std::size_t i = 0; i < count; ++i) aggregator.update(ts[i], price[i], size[i], emit);
  aggregator.flush(emit);
}

// Validates and aggregates; on bad input returns the first violation (as check_trades() names
// it) and leaves `out` empty. Time bars validate each run of trades just before reducing it, so
// the second read comes from cache rather than memory.
inline std::optional<Violation> aggregate_bars_checked(const std::int64_t* ts, const double* price,
                                                       const double* size, std::size_t count,
                                                       BarSpec spec, bool fill_gaps,
                                                       std::vector<Bar>& out) {
  if (spec.kind() == BarKind::kTime &&
      detail::aggregate_time_bars(ts, price, size, count, spec.step_ns(), fill_gaps, true, out)) {
    return std::nullopt;
  }
  out.clear();
  auto violation = check_trades(ts, price, size, count);
  if (!violation) aggregate_bars(ts, price, size, count, spec, fill_gaps, out);
  return violation;
}

}  // namespace alphaforge
