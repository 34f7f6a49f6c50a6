#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alphaforge/backtest_ledger.hpp"
#include "alphaforge/backtest_records.hpp"
#include "alphaforge/bar_resampler.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/execution_engine.hpp"

namespace alphaforge {

// The bar handed to strategies; `symbol` indexes BarBacktest::symbols().
struct BacktestBar {
  std::int64_t ts_ns;
  double open;
  double high;
  double low;
  double close;
  double volume;
  std::uint32_t symbol;
};

// What `order` does within `bar`, by backtrader's default conventions: a market order fills
// at the open; a limit at the open when the open is at or better than the limit, else at the
// limit when the bar reaches it; a stop at the open when the bar opens through it, else at the
// stop; a stop-limit fired inside the bar follows backtrader's reading of the bar's path (see
// backtest.cpp). Sets order.triggered and order.resting. The first bar a limit sees is its
// arrival: it takes (TAKER) when marketable there, where a POST_ONLY expires, and an IOC or
// FOK expires when it is not; a limit that rested fills as MAKER. Slippage is not applied.
FillDecision fill_decision(BacktestOrder& order, const BacktestBar& bar);

// Replays bars of several symbols in time order. Orders go through an ExecutionEngine, which
// keeps cash, positions and fees; this class decides the fill price of each order from the
// bar after the one it was sent in, and records the equity curve at every timestamp.
class BarBacktest : public BacktestLedger {
 public:
  explicit BarBacktest(BacktestConfig config);

  void add_instrument(const Instrument& instrument);
  // Columns of one symbol's bars, prices as the vendor recorded them (on the symbol's grid or
  // not). std::invalid_argument naming the field for an empty series, unsorted or repeated
  // timestamps, a non-finite or non-positive price, high below open, close or low, low above
  // open or close, a negative volume, a symbol already added, or a slippage_price that is not
  // whole ticks of the symbol or would push its lowest low to zero.
  std::uint32_t add_bars(const std::string& symbol, const std::int64_t* ts, const double* open,
                         const double* high, const double* low, const double* close,
                         const double* volume, std::size_t n);

  std::uint64_t submit(const OrderRequest& request);
  // With contingent terms: a trailing stop starts from the symbol's last close, is checked at
  // each later bar as a stop, then, still open, follows that bar's close (backtrader's
  // StopTrail). An OCO group or a bracket settles its orders in the order they were placed:
  // when one bar reaches two of them, the first placed fills and the others are canceled.
  std::uint64_t submit(const OrderRequest& request, const Contingency& terms);
  std::uint64_t submit_bracket(const OrderRequest& entry, double stop_loss, double take_profit);

  // Bars of `symbol` resampled to the time step of `spec` (see BarResampler); returns the
  // resampled stream's index, the same one for the same symbol and step. std::invalid_argument
  // for a spec that is not a time span, or is not a whole multiple of the interval of the
  // symbol's bars (the smallest step between two of its timestamps).
  std::uint32_t resample(std::string_view symbol, const BarSpec& spec);

  // A symbol's bars as added (resampled false, index: the symbol's id) or a resampled stream.
  struct BarSource {
    bool resampled;
    std::uint32_t index;
  };
  using BarFeed = std::function<void(const BacktestBar&)>;
  // Calls `feed` with every bar of `source`, before any on_bar of the bar's timestamp.
  void add_feed(BarSource source, BarFeed feed);

  using BarHandler = std::function<void(const BacktestBar&)>;
  using ResampledHandler = std::function<void(std::uint32_t stream, const BacktestBar&)>;
  // Runs once: every timestamp fills pending orders of the symbols that have a bar there,
  // marks them at the close (rounded to the grid), records equity, then calls on_bar for each
  // of those bars, and on_resampled for each resampled bar they complete (their period's
  // last possible bar). A resampled bar whose period ended without such a bar is handed out
  // at the first timestamp at or past its end, before that timestamp's fills, with the clock
  // at its end: orders sent then fill from that timestamp's bars on. When the data end, the
  // periods still open are handed out as they stand.
  void run(const BarHandler& on_bar, const FillHandler& on_fill = {},
           const OrderHandler& on_order = {}, const ResampledHandler& on_resampled = {});

  std::optional<std::uint32_t> symbol_id(std::string_view symbol) const;
  std::size_t bar_count() const noexcept;
  // The close of `symbol`'s last bar replayed so far; nothing before its first.
  std::optional<double> last_price(std::string_view symbol) const {
    return engine().mark_price(symbol);
  }

 private:
  struct Series {
    std::vector<std::int64_t> ts;
    std::vector<double> open, high, low, close, volume;
    std::int64_t interval = 0;  // the smallest step between two timestamps; 0 for one bar
  };
  struct Resampled {
    BarResampler bars;
    std::vector<BarFeed> feeds;
  };
  // `sent_before`: orders up to this id were sent before the timestamp's fills and may fill
  // on its bars even when stamped with its time (see run()).
  void fill_pending(const BacktestBar& bar, const FillHandler& on_fill,
                    const OrderHandler& on_order, std::uint64_t sent_before);
  // Hands out the resampled bars whose periods ended at or before `ts`; returns the order
  // count after their handlers.
  std::uint64_t hand_out_ended(std::int64_t ts, const ResampledHandler& on_resampled,
                               const OrderHandler& on_order);

  std::vector<Series> series_;
  std::vector<std::vector<BarFeed>> feeds_;  // by symbol
  std::vector<Resampled> resampled_;
  bool ran_ = false;
};

}  // namespace alphaforge
