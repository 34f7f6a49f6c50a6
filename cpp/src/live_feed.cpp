#include "alphaforge/live_feed.hpp"

#include <stdexcept>
#include <utility>

namespace alphaforge {
namespace {

DataEngineConfig live_data_config() {
  DataEngineConfig config;
  config.enable_statistics = true;
  return config;
}

// Ends the handling of an event however its handlers leave the scope.
struct EventEnd {
  bool& handling;
  ~EventEnd() { handling = false; }
};

}  // namespace

LiveFeed::LiveFeed(std::optional<std::int64_t> paper_latency_ns) : data_(live_data_config()) {
  if (paper_latency_ns) matcher_.emplace(*paper_latency_ns);
}

std::vector<bool>& LiveFeed::flags(std::vector<bool>& v, std::uint32_t symbol) {
  if (symbol >= v.size()) v.resize(symbol + 1, false);
  return v;
}

void LiveFeed::subscribe_bars(std::string_view symbol, BarSpec spec, BarHandler handler) {
  if (spec.kind() == BarKind::kTime) {
    data_.subscribe_bars(symbol, spec, std::move(handler));
    return;
  }
  // A tick or volume bar holds the event that completed it, which its handler thus sees.
  data_.subscribe_bars(symbol, spec, [this, handler = std::move(handler)](const Bar& bar) {
    const bool before = seen_;
    seen_ = true;
    handler(bar);
    seen_ = before;
  });
}

void LiveFeed::set_handlers(TradeHandler on_trade, QuoteHandler on_quote,
                            MatchHandler on_match) {
  on_trade_ = std::move(on_trade);
  on_quote_ = std::move(on_quote);
  on_match_ = std::move(on_match);
}

void LiveFeed::watch_trades(std::uint32_t symbol) { flags(watch_trades_, symbol)[symbol] = true; }

void LiveFeed::watch_quotes(std::uint32_t symbol) { flags(watch_quotes_, symbol)[symbol] = true; }

template <typename Apply>
std::uint64_t LiveFeed::begin_event(std::int64_t ts_ns, Apply&& apply) {
  // Bar handlers run inside `apply`, on the new event. Bad data throws std::invalid_argument
  // before anything is applied: the feed is left as it was. A handler's error leaves the
  // event applied, and counted.
  const std::uint64_t seq = seq_++;
  const std::int64_t before = now_;
  now_ = ts_ns;
  seen_ = false;
  handling_ = true;
  try {
    apply();
  } catch (const std::invalid_argument&) {
    --seq_;
    now_ = before;
    seen_ = true;
    handling_ = false;
    throw;
  } catch (...) {
    seen_ = true;
    handling_ = false;
    throw;
  }
  seen_ = true;
  return seq;
}

void LiveFeed::on_trade(const TradeTick& trade) {
  const std::uint64_t seq = begin_event(trade.ts_ns, [&] { data_.process_trade(trade); });
  const EventEnd end{handling_};
  if (matcher_) {
    matcher_->on_trade(trade.symbol_id, seq, trade.ts_ns, trade.price, matches_);
    deliver_matches();
  }
  if (on_trade_ && trade.symbol_id < watch_trades_.size() && watch_trades_[trade.symbol_id]) {
    on_trade_(trade);
  }
}

void LiveFeed::on_quote(const QuoteTick& quote) {
  const std::uint64_t seq = begin_event(quote.ts_ns, [&] { data_.process_quote(quote); });
  const EventEnd end{handling_};
  if (matcher_) {
    matcher_->on_quote(quote.symbol_id, seq, quote.ts_ns, quote.bid, quote.ask, matches_);
    deliver_matches();
  }
  if (on_quote_ && quote.symbol_id < watch_quotes_.size() && watch_quotes_[quote.symbol_id]) {
    on_quote_(quote);
  }
}

void LiveFeed::deliver_matches() {
  if (matches_.empty()) return;
  // Handlers may send orders, which only adds pending ones: hand out a copy.
  const std::vector<MatchEvent> matched = std::exchange(matches_, {});
  for (const MatchEvent& m : matched) {
    if (on_match_) on_match_(m);
  }
}

void LiveFeed::add_paper_order(std::uint32_t symbol, const BacktestOrder& order) {
  if (!matcher_) throw std::logic_error("this feed has no paper venue");
  // During an event not yet seen (a time bar's handler) the order may fill on that event;
  // otherwise from the next one.
  const std::uint64_t first = handling_ && !seen_ ? seq_ - 1 : seq_;
  matcher_->add(symbol, order, first, now_);
}

bool LiveFeed::cancel_paper_order(std::uint64_t order_id) {
  return matcher_ && matcher_->cancel(order_id);
}

}  // namespace alphaforge
