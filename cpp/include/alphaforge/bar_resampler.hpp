#pragma once

#include <algorithm>
#include <cstdint>

#include "alphaforge/bar.hpp"
#include "alphaforge/bar_aggregator.hpp"

namespace alphaforge {

// Turns one symbol's time bars, labelled by their open times, into bars of a coarser time step
// on the epoch-aligned grid: the first open, the highest high, the lowest low, the last close
// and the summed volume of the bars whose timestamps fall in a period, labelled by the period's
// start. A period without bars gives no bar. trade_count counts the bars merged.
class BarResampler {
 public:
  // `interval_ns`: the spacing of the finer bars (0 when unknown: a series of one bar).
  BarResampler(std::int64_t step_ns, std::int64_t interval_ns, std::uint32_t symbol_id) noexcept
      : step_(step_ns), interval_(interval_ns) {
    bar_.symbol_id = symbol_id;
  }

  // Adds the next finer bar. The caller takes the open bar first once `ts` reaches its
  // period_end(). Returns whether this bar completes its period: the next finer bar cannot
  // start before the period's end.
  bool add(std::int64_t ts, double open, double high, double low, double close,
           double volume) noexcept {
    if (!open_) {
      open_ = true;
      bar_.ts_open_ns = floor_to_step(ts, step_);
      bar_.ts_close_ns = bar_.ts_open_ns + step_;
      bar_.open = open;
      bar_.high = high;
      bar_.low = low;
      bar_.volume = volume;
      bar_.trade_count = 1;
    } else {
      bar_.high = std::max(bar_.high, high);
      bar_.low = std::min(bar_.low, low);
      bar_.volume += volume;
      ++bar_.trade_count;
    }
    bar_.close = close;
    return interval_ > 0 && ts + interval_ >= bar_.ts_close_ns;
  }

  [[nodiscard]] bool has_open_bar() const noexcept { return open_; }
  // The end of the open bar's period; meaningful while has_open_bar().
  [[nodiscard]] std::int64_t period_end() const noexcept { return bar_.ts_close_ns; }
  [[nodiscard]] std::int64_t step_ns() const noexcept { return step_; }
  [[nodiscard]] std::uint32_t symbol_id() const noexcept { return bar_.symbol_id; }

  // Closes the open bar and returns it.
  const Bar& take() noexcept {
    open_ = false;
    return bar_;
  }

 private:
  std::int64_t step_;
  std::int64_t interval_;
  bool open_ = false;
  Bar bar_{};
};

}  // namespace alphaforge
