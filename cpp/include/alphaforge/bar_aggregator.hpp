#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "alphaforge/bar.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/volume_lanes.hpp"

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
// Volume: time and tick bars sum it in the lanes of volume_lanes.hpp, as the vectorised path
// does; volume bars keep the running total in trade order, since it decides where they close.
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
    lanes_ = VolumeLanes{size};
    bar_.trade_count = 1;
  }

  void add(std::int64_t ts, double price, double size) noexcept {
    bar_.high = std::max(bar_.high, price);
    bar_.low = std::min(bar_.low, price);
    bar_.close = price;
    if (spec_.kind() == BarKind::kVolume) {
      bar_.volume += size;
    } else {
      lanes_[static_cast<std::size_t>(bar_.trade_count) % kVolumeLanes] += size;
    }
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
    if (spec_.kind() != BarKind::kVolume) bar_.volume = combine_volume_lanes(lanes_);
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
  VolumeLanes lanes_{};
};

}  // namespace alphaforge
