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

// Where `order` fills within `bar`, by backtrader's default conventions; nothing when it does
// not. Sets order.triggered when a stop fires; the first bar a limit sees is its arrival,
// where an IOC or FOK that cannot take at the open, or a POST_ONLY that would, expires (the
// order's status says so). Slippage is not applied here.
std::optional<double> fill_price(BacktestOrder& order, const BacktestBar& bar);

// Replays bars of several symbols in time order. Orders go through an ExecutionEngine, which
// keeps cash, positions and fees; this class decides the fill price of each order from the
// bar after the one it was sent in, and records the equity curve at every timestamp.
class BarBacktest : public BacktestLedger {
 public:
  explicit BarBacktest(BacktestConfig config);

  void add_instrument(const Instrument& instrument);
  // Columns of one symbol's bars. std::invalid_argument naming the field for an empty series,
  // unsorted or repeated timestamps, a non-finite or non-positive price, high below open,
  // close or low, low above open or close, a negative volume, or a symbol already added.
  std::uint32_t add_bars(const std::string& symbol, const std::int64_t* ts, const double* open,
                         const double* high, const double* low, const double* close,
                         const double* volume, std::size_t n);

  std::uint64_t submit(const OrderRequest& request);

  using BarHandler = std::function<void(const BacktestBar&)>;
  // Runs once: every timestamp fills pending orders of the symbols that have a bar there,
  // marks them at the close, records equity, then calls on_bar for each of those bars.
  void run(const BarHandler& on_bar, const FillHandler& on_fill = {},
           const OrderHandler& on_order = {});

  const std::vector<std::string>& symbols() const noexcept { return symbols_; }
  std::optional<std::uint32_t> symbol_id(std::string_view symbol) const;
  std::size_t bar_count() const noexcept;

 private:
  struct Series {
    std::vector<std::int64_t> ts;
    std::vector<double> open, high, low, close, volume;
  };
  void fill_pending(const BacktestBar& bar, const FillHandler& on_fill,
                    const OrderHandler& on_order);

  std::vector<std::string> symbols_;
  std::vector<Series> series_;
  bool ran_ = false;
};

}  // namespace alphaforge
