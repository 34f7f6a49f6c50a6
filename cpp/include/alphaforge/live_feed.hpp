#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "alphaforge/backtest_records.hpp"
#include "alphaforge/bar.hpp"
#include "alphaforge/bar_spec.hpp"
#include "alphaforge/data_engine.hpp"
#include "alphaforge/market_data.hpp"
#include "alphaforge/tick_matcher.hpp"
#include "alphaforge/trade_tick.hpp"

namespace alphaforge {

// The live node's market-data path. Each trade or quote a venue sends goes, in this order,
// through a DataEngine (last prices, and the bars strategies subscribed to, cut as the tick
// backtest cuts them), then the paper venue's fill model when there is one, then the trade or
// quote handler: the order of the tick backtest's replay, so paper orders fill by its rules.
// An order sent from a time bar's handler may fill on the event that completed the bar; one
// sent from a tick or volume bar's handler, or from anywhere else, from the next event on.
class LiveFeed {
 public:
  using BarHandler = std::function<void(const Bar&)>;
  using TradeHandler = std::function<void(const TradeTick&)>;
  using QuoteHandler = std::function<void(const QuoteTick&)>;
  using MatchHandler = std::function<void(const MatchEvent&)>;

  // `paper_latency_ns`: match orders on the feed's data, with that latency; none for live.
  explicit LiveFeed(std::optional<std::int64_t> paper_latency_ns);

  std::uint32_t intern(std::string_view symbol) { return data_.intern(symbol); }
  std::optional<std::uint32_t> find_symbol(std::string_view symbol) const {
    return data_.find_symbol(symbol);
  }
  const DataEngine& data() const noexcept { return data_; }

  void subscribe_bars(std::string_view symbol, BarSpec spec, BarHandler handler);
  // Called for every trade (quote) of a symbol marked with watch_trades (watch_quotes).
  void set_handlers(TradeHandler on_trade, QuoteHandler on_quote, MatchHandler on_match);
  void watch_trades(std::uint32_t symbol);
  void watch_quotes(std::uint32_t symbol);

  // Bad data throws std::invalid_argument (a NaN, a non-positive price, a tick older than
  // the symbol's last one) and changes nothing.
  void on_trade(const TradeTick& trade);
  void on_quote(const QuoteTick& quote);
  // Emits the open bars (the node stopping).
  void flush() { data_.flush(); }

  bool paper() const noexcept { return matcher_.has_value(); }
  // Paper venue only: std::logic_error without one.
  void add_paper_order(std::uint32_t symbol, const BacktestOrder& order);
  bool cancel_paper_order(std::uint64_t order_id);
  std::size_t paper_pending() const noexcept { return matcher_ ? matcher_->pending() : 0; }

  std::int64_t now_ns() const noexcept { return now_; }
  std::uint64_t events() const noexcept { return seq_; }

 private:
  // Starts handling an event at `ts_ns` by running `apply` (the data engine's ingestion);
  // returns the event's number.
  template <typename Apply>
  std::uint64_t begin_event(std::int64_t ts_ns, Apply&& apply);
  void deliver_matches();
  std::vector<bool>& flags(std::vector<bool>& v, std::uint32_t symbol);

  DataEngine data_;
  std::optional<TickMatcher> matcher_;
  TradeHandler on_trade_;
  QuoteHandler on_quote_;
  MatchHandler on_match_;
  std::vector<bool> watch_trades_;
  std::vector<bool> watch_quotes_;
  std::vector<MatchEvent> matches_;
  std::uint64_t seq_ = 0;  // events begun; while one is handled, it is number seq_ - 1
  bool seen_ = true;       // whether the strategies have seen the event being handled
  bool handling_ = false;
  std::int64_t now_ = 0;
};

}  // namespace alphaforge
