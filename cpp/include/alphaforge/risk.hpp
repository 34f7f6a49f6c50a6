#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace alphaforge {

// Pre-trade limits; an empty optional is no limit. Quantities and notionals are in instrument
// units (not lots), positions are the account's net position per symbol.
struct RiskLimits {
  std::optional<double> max_order_qty;
  std::optional<double> max_order_notional;
  std::optional<double> max_position;
  std::optional<std::uint32_t> max_open_orders;
  std::optional<std::uint32_t> max_orders_per_second;
  bool kill_switch = false;

  // std::invalid_argument naming the field when a limit is not finite and > 0.
  void validate() const;
};

// What the risk engine needs to know about one new order.
struct RiskCheck {
  double qty;                  // units
  std::optional<double> notional;
  double position_now;         // net position of the account in the symbol
  double position_after;       // ... if this order and the open ones on its side all fill
  std::size_t open_orders;     // open orders before this one
  std::int64_t now_ns;
  bool new_order;              // false for a modification: no open-order or rate limit
};

class RiskEngine {
 public:
  explicit RiskEngine(RiskLimits limits = {});

  const RiskLimits& limits() const noexcept { return limits_; }
  bool kill_switch_engaged() const noexcept { return limits_.kill_switch; }
  void engage_kill_switch() noexcept { limits_.kill_switch = true; }
  void release_kill_switch() noexcept { limits_.kill_switch = false; }

  // The reason the order must be rejected, or nothing when it may go.
  std::optional<std::string> check(const RiskCheck& order) const;
  // Counts an order that passed against the orders-per-second window.
  void record(std::int64_t now_ns);

 private:
  RiskLimits limits_;
  std::vector<std::int64_t> recent_;  // ring of the last max_orders_per_second admissions
  std::size_t next_ = 0;
};

}  // namespace alphaforge
