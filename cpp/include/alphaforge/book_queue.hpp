#pragma once

#include <string_view>

namespace alphaforge {

// How a resting order's place in the queue of its price level moves on L2 data, where only
// the level's total displayed size is known. The definitions are hftbacktest 2.4's
// (backtest/models/queue.rs): RiskAdverseQueueModel, and ProbQueueModel with the probability
// functions PowerProbQueueFunc, PowerProbQueueFunc2, PowerProbQueueFunc3, LogProbQueueFunc and
// LogProbQueueFunc2.
enum class QueueModelKind : unsigned char { kRiskAverse, kPower, kPower2, kPower3, kLog, kLog2 };

// "risk_averse", "power", "power2", "power3", "log" or "log2"; std::invalid_argument naming
// the value otherwise.
QueueModelKind parse_queue_model(std::string_view name);

class QueueModel {
 public:
  // `n`: the exponent of the power forms (finite and > 0); std::invalid_argument otherwise.
  explicit QueueModel(QueueModelKind kind = QueueModelKind::kRiskAverse, double n = 3.0);

  QueueModelKind kind() const noexcept { return kind_; }

  // The share of a decrease of the level that came from behind the order, with `front` the
  // size ahead of it and `back` the size behind. hftbacktest's forms:
  //   power:  f(back) / (f(back) + f(front)),  f(x) = x^n
  //   power2: f(back) / f(back + front),       f(x) = x^n
  //   power3: 1 - f(front / (front + back)),   f(x) = x^n
  //   log:    f(back) / (f(back) + f(front)),  f(x) = log(1 + x)
  //   log2:   f(back) / f(back + front),       f(x) = log(1 + x)
  // An infinite value counts as 1 (hftbacktest's rule); risk_averse has no such share.
  double behind_share(double front, double back) const noexcept;

 private:
  QueueModelKind kind_;
  double n_;
};

// One resting order's place: the size displayed ahead of it, and the size traded at its price
// since the level's size was last updated (a trade shows twice in L2 data: as the print, then
// as the level's decrease; the second is discounted by the first).
struct QueuePosition {
  double ahead = 0.0;
  double traded = 0.0;

  // The order joins behind everything displayed at its price.
  static QueuePosition join(double level_size) noexcept { return {level_size, 0.0}; }

  // A trade of `qty` at the order's price. Returns what the trades at its price have taken
  // beyond the queue ahead since the order last filled: 0 while the queue ahead absorbs them.
  // A reach too small to fill (under half a lot) carries over to the next trade.
  double on_trade(double qty) noexcept;
  // Part of the order filled: it is at the front now, and what reached it is used.
  void filled() noexcept { ahead = 0.0; }

  // The level's displayed size changed from `before` to `after` by a venue update.
  void on_level(const QueueModel& model, double before, double after) noexcept;
};

}  // namespace alphaforge
