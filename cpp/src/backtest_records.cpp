#include "alphaforge/backtest_records.hpp"

#include <cmath>
#include <stdexcept>

namespace alphaforge {

void BacktestConfig::validate() const {
  if (!std::isfinite(slippage_price) || slippage_price < 0.0) {
    throw std::invalid_argument("slippage_price must be a finite price distance >= 0, got " +
                                to_decimal(slippage_price));
  }
  if (!std::isfinite(slippage_bps) || slippage_bps < 0.0 || slippage_bps >= 10'000.0) {
    throw std::invalid_argument("slippage_bps must be in [0, 10000) basis points, got " +
                                to_decimal(slippage_bps));
  }
}

std::optional<std::string_view> expiry_on_arrival(TimeInForce tif, bool marketable) noexcept {
  if (marketable && tif == TimeInForce::kPostOnly) return "post-only order would take liquidity";
  if (!marketable && tif == TimeInForce::kIoc) return "IOC order found no price at its limit";
  if (!marketable && tif == TimeInForce::kFok) return "FOK order found no price at its limit";
  return std::nullopt;
}

}  // namespace alphaforge
