#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alphaforge/backtest_records.hpp"
#include "alphaforge/execution_engine.hpp"

namespace alphaforge {

// What the bar and the tick replays share: the ExecutionEngine that keeps cash, positions and
// fees; the orders the replay holds until its fill model settles them, pending per symbol in
// submission order; the fills; and the equity curve.
class BacktestLedger {
 public:
  using FillHandler = std::function<void(const BacktestFill&)>;
  using OrderHandler = std::function<void(const BacktestOrder&)>;

  explicit BacktestLedger(const BacktestConfig& config);

  // False when the order is no longer open; std::invalid_argument for an unknown id.
  bool cancel(std::uint64_t id);
  double position(std::string_view symbol, std::string_view strategy) const;

  std::int64_t now_ns() const noexcept { return now_; }
  const std::vector<BacktestOrder>& orders() const noexcept { return orders_; }
  const std::vector<BacktestFill>& fills() const noexcept { return fills_; }
  const std::vector<EquityPoint>& equity() const noexcept { return equity_; }
  const ExecutionEngine& engine() const noexcept { return engine_; }

 protected:
  // The request checked and kept as an ACCEPTED order of `symbol` sent now, pending.
  BacktestOrder& accept(const OrderRequest& request, std::uint32_t symbol);

  // Offers each pending order of `symbol` (named `name`) to `decide`, which returns where it
  // fills, or nothing (the order stays pending unless decide made it terminal). Fills get the
  // slippage (market and stop orders) and are booked through the engine; then on_order and
  // on_fill see every order settled, in submission order; they may submit and cancel.
  template <typename Decide>
  void settle_pending(std::uint32_t symbol, const std::string& name, Decide&& decide,
                      const FillHandler& on_fill, const OrderHandler& on_order);

  void record_equity(std::int64_t ts);

  BacktestConfig config_;
  ExecutionEngine engine_;
  std::vector<BacktestOrder> orders_;  // id - 1
  std::vector<std::vector<std::uint64_t>> pending_;  // by symbol
  std::vector<BacktestFill> fills_;
  std::vector<EquityPoint> equity_;
  std::int64_t now_ = 0;

 private:
  // Books `fill` of order `id` and notes the order as settled.
  void book(std::uint64_t id, const std::string& name, FillAt fill);
  void notify(std::size_t first_fill, const FillHandler& on_fill, const OrderHandler& on_order);

  std::vector<std::uint64_t> settled_;
};

template <typename Decide>
void BacktestLedger::settle_pending(std::uint32_t symbol, const std::string& name,
                                    Decide&& decide, const FillHandler& on_fill,
                                    const OrderHandler& on_order) {
  std::vector<std::uint64_t>& pending = pending_[symbol];
  const std::size_t first_fill = fills_.size();
  settled_.clear();
  std::size_t kept = 0;
  for (const std::uint64_t id : pending) {
    const std::optional<FillAt> fill = decide(orders_[id - 1]);
    if (fill) {
      book(id, name, *fill);
    } else if (is_terminal(orders_[id - 1].status)) {
      settled_.push_back(id);  // expired by its time in force
    } else {
      pending[kept++] = id;
    }
  }
  pending.resize(kept);
  notify(first_fill, on_fill, on_order);
}

}  // namespace alphaforge
