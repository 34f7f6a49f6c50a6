#include "alphaforge/tick_matcher.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace alphaforge {

TickMatcher::TickMatcher(std::int64_t latency_ns) : latency_ns_(latency_ns) {
  if (latency_ns < 0) {
    throw std::invalid_argument("latency must be >= 0 ns, got " + std::to_string(latency_ns));
  }
}

TickMatcher::Book& TickMatcher::book(std::uint32_t symbol) {
  if (symbol >= books_.size()) books_.resize(symbol + 1);
  return books_[symbol];
}

void TickMatcher::add(std::uint32_t symbol, const BacktestOrder& order, std::uint64_t first_seq,
                      std::int64_t sent_ns) {
  const bool has_limit = order.type == OrderType::kLimit || order.type == OrderType::kStopLimit;
  const bool has_stop = order.type == OrderType::kStop || order.type == OrderType::kStopLimit;
  if (has_limit != order.price.has_value() || has_stop != order.stop_price.has_value()) {
    throw std::invalid_argument("order " + std::to_string(order.id) + " of type " +
                                std::string(to_string(order.type)) +
                                " needs exactly the prices its type takes");
  }
  for (const Book& b : books_) {
    for (const BacktestOrder& o : b.orders) {
      if (o.id == order.id) {
        throw std::invalid_argument("order " + std::to_string(order.id) + " is already pending");
      }
    }
  }
  BacktestOrder pending = order;
  pending.symbol = symbol;
  pending.first_seq = first_seq;
  pending.active_ns = sent_ns + latency_ns_;
  book(symbol).orders.push_back(pending);
}

bool TickMatcher::cancel(std::uint64_t order_id) {
  for (Book& b : books_) {
    const auto it = std::find_if(b.orders.begin(), b.orders.end(),
                                 [&](const BacktestOrder& o) { return o.id == order_id; });
    if (it != b.orders.end()) {
      b.orders.erase(it);
      return true;
    }
  }
  return false;
}

std::size_t TickMatcher::pending() const noexcept {
  std::size_t n = 0;
  for (const Book& b : books_) n += b.orders.size();
  return n;
}

void TickMatcher::settle(Book& b, std::uint64_t seq, std::int64_t ts_ns,
                         std::vector<MatchEvent>& out) {
  std::size_t kept = 0;
  for (BacktestOrder& o : b.orders) {
    FillDecision decision = FillDecision::wait();
    if (seq >= o.first_seq && ts_ns >= o.active_ns) decision = tick_fill(o, b.market);
    if (decision.kind == FillDecision::Kind::kWait) {
      b.orders[kept++] = o;
    } else {
      out.push_back(MatchEvent{o.id, decision});
    }
  }
  b.orders.resize(kept);
}

void TickMatcher::on_trade(std::uint32_t symbol, std::uint64_t seq, std::int64_t ts_ns,
                           double price, std::vector<MatchEvent>& out) {
  Book& b = book(symbol);
  b.market.is_trade = true;
  b.market.trade_price = price;
  if (!b.orders.empty()) settle(b, seq, ts_ns, out);
}

void TickMatcher::on_quote(std::uint32_t symbol, std::uint64_t seq, std::int64_t ts_ns,
                           double bid, double ask, std::vector<MatchEvent>& out) {
  Book& b = book(symbol);
  b.market.is_trade = false;
  b.market.has_quote = true;
  b.market.bid = bid;
  b.market.ask = ask;
  if (!b.orders.empty()) settle(b, seq, ts_ns, out);
}

}  // namespace alphaforge
