#pragma once

namespace alphaforge {

// Fees as a fraction of the fill's notional; a negative maker rate is a rebate.
struct FeeSchedule {
  double maker_rate = 0.0;
  double taker_rate = 0.0;

  // std::invalid_argument when a rate is not finite or not within (-1, 1).
  void validate() const;
};

}  // namespace alphaforge
