#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "alphaforge/backtest_records.hpp"
#include "alphaforge/tick_fill_model.hpp"

namespace alphaforge {

// What became of a pending order at one event: filled whole at a price as maker or taker, or
// expired by its time in force (FillDecision carries which, and why).
struct MatchEvent {
  std::uint64_t order_id;
  FillDecision decision;
};

// Pending orders matched against trades and quotes as they arrive, by the tick backtest's
// fill model (tick_fill): the paper venue of the live node. Orders are held per symbol in
// submission order. An order reaches the market `latency_ns` after it was sent, and may fill
// on the first event, from `first_seq` on, whose timestamp is at or past that.
class TickMatcher {
 public:
  explicit TickMatcher(std::int64_t latency_ns = 0);

  // std::invalid_argument for an id already pending, or a price missing for its type.
  void add(std::uint32_t symbol, const BacktestOrder& order, std::uint64_t first_seq,
           std::int64_t sent_ns);
  bool cancel(std::uint64_t order_id);
  std::size_t pending() const noexcept;

  // Event number `seq` of `symbol`: offers its pending orders to the fill model and appends
  // those filled or expired to `out`, in submission order; they are no longer pending.
  void on_trade(std::uint32_t symbol, std::uint64_t seq, std::int64_t ts_ns, double price,
                std::vector<MatchEvent>& out);
  void on_quote(std::uint32_t symbol, std::uint64_t seq, std::int64_t ts_ns, double bid,
                double ask, std::vector<MatchEvent>& out);

 private:
  struct Book {
    TickMarket market{false, 0.0, false, 0.0, 0.0};
    std::vector<BacktestOrder> orders;
  };
  Book& book(std::uint32_t symbol);
  void settle(Book& b, std::uint64_t seq, std::int64_t ts_ns, std::vector<MatchEvent>& out);

  std::int64_t latency_ns_;
  std::vector<Book> books_;  // by symbol
};

}  // namespace alphaforge
