#include "alphaforge/book_queue.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace alphaforge {

QueueModelKind parse_queue_model(std::string_view name) {
  if (name == "risk_averse") return QueueModelKind::kRiskAverse;
  if (name == "power") return QueueModelKind::kPower;
  if (name == "power2") return QueueModelKind::kPower2;
  if (name == "power3") return QueueModelKind::kPower3;
  if (name == "log") return QueueModelKind::kLog;
  if (name == "log2") return QueueModelKind::kLog2;
  throw std::invalid_argument(
      "queue_model must be 'risk_averse', 'power', 'power2', 'power3', 'log' or 'log2', got '" +
      std::string(name) + "'");
}

QueueModel::QueueModel(QueueModelKind kind, double n) : kind_(kind), n_(n) {
  if (!std::isfinite(n) || n <= 0.0) {
    throw std::invalid_argument("queue_n must be finite and > 0, got " + std::to_string(n));
  }
}

double QueueModel::behind_share(double front, double back) const noexcept {
  const auto power = [this](double x) { return std::pow(x, n_); };
  const auto log = [](double x) { return std::log1p(x); };
  double share = 1.0;
  switch (kind_) {
    case QueueModelKind::kRiskAverse:
      return 1.0;
    case QueueModelKind::kPower:
      share = power(back) / (power(back) + power(front));
      break;
    case QueueModelKind::kPower2:
      share = power(back) / power(back + front);
      break;
    case QueueModelKind::kPower3:
      share = 1.0 - power(front / (front + back));
      break;
    case QueueModelKind::kLog:
      share = log(back) / (log(back) + log(front));
      break;
    case QueueModelKind::kLog2:
      share = log(back) / log(back + front);
      break;
  }
  return std::isinf(share) ? 1.0 : share;
}

double QueuePosition::on_trade(double qty) noexcept {
  ahead -= qty;
  traded += qty;
  // What trades took beyond the queue ahead reaches the order, until part of it fills.
  return std::max(0.0, -ahead);
}

void QueuePosition::on_level(const QueueModel& model, double before, double after) noexcept {
  // The decrease not already explained by trades at this price since the last update.
  const double change = before - after - traded;
  traded = 0.0;
  if (model.kind() == QueueModelKind::kRiskAverse || change < 0.0) {
    // Only trades move the order up; a level cannot hold more ahead than it displays.
    ahead = std::min(ahead, after);
    return;
  }
  const double front = ahead;
  const double back = before - front;
  const double p = model.behind_share(front, back);
  // (1 - p) of the decrease was ahead; what the back could not absorb was ahead as well.
  // fmin, as Rust's f64::min: a NaN share (an empty level, 0 / 0) leaves the level's size.
  const double estimate = front - (1.0 - p) * change + std::fmin(back - p * change, 0.0);
  ahead = std::fmin(estimate, after);
}

}  // namespace alphaforge
