#include "alphaforge/instrument.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>

namespace alphaforge {
namespace {

constexpr int kMaxPrecision = 12;

void require_positive(double value, const char* field) {
  if (!std::isfinite(value) || value <= 0.0) {
    throw std::invalid_argument(std::string(field) + " must be a finite number > 0, got " +
                                to_decimal(value));
  }
}

// The fewest decimals that write `step` exactly (0.25 -> 2, 5 -> 0, 1e-8 -> 8).
int decimals_of(double step) {
  double scale = 1.0;
  for (int p = 0; p <= kMaxPrecision; ++p, scale *= 10.0) {
    const double scaled = step * scale;
    if (std::abs(scaled - std::round(scaled)) <= scaled * 1e-9) return p;
  }
  return kMaxPrecision;
}

// The nearest whole number of steps to `value`.
std::int64_t steps_near(double value, double step, const char* field) {
  const double steps = std::round(value / step);
  if (steps > 9.0e18) {
    throw std::invalid_argument(std::string(field) + " " + to_decimal(value) +
                                " is too large for the step " + to_decimal(step));
  }
  return static_cast<std::int64_t>(steps);
}

// Whether `steps` whole steps write `value`. The tolerance covers the rounding of a decimal
// written as a double (100.01 is 100.010000000000005...), never a real fraction of a step.
bool on_step(double value, std::int64_t steps, double step) {
  const double tolerance = std::max(step * 1e-9, std::abs(value) * 1e-14);
  return std::abs(static_cast<double>(steps) * step - value) <= tolerance;
}

// Whole steps in `value`, or an error when `value` is between two steps.
std::int64_t to_steps(double value, double step, const char* field, const char* unit) {
  const std::int64_t steps = steps_near(value, step, field);
  if (!on_step(value, steps, step)) {
    throw std::invalid_argument(std::string(field) + " " + to_decimal(value) +
                                " is not a multiple of the " + unit + " " + to_decimal(step));
  }
  return steps;
}

}  // namespace

Instrument::Instrument(std::string symbol, double tick_size, double lot_size, double min_qty,
                       double min_notional, int price_precision, int size_precision,
                       InstrumentTerms terms)
    : symbol_(std::move(symbol)),
      tick_size_(tick_size),
      lot_size_(lot_size),
      min_qty_(min_qty),
      min_notional_(min_notional),
      terms_(std::move(terms)) {
  if (symbol_.empty()) throw std::invalid_argument("symbol must not be empty");
  require_positive(tick_size, "tick_size");
  require_positive(lot_size, "lot_size");
  if (!std::isfinite(min_qty) || min_qty < 0.0) {
    throw std::invalid_argument("min_qty must be a finite number >= 0, got " + to_decimal(min_qty));
  }
  if (!std::isfinite(min_notional) || min_notional < 0.0) {
    throw std::invalid_argument("min_notional must be a finite number >= 0, got " +
                                to_decimal(min_notional));
  }
  if (price_precision > kMaxPrecision || size_precision > kMaxPrecision) {
    throw std::invalid_argument("precision must be at most " + std::to_string(kMaxPrecision));
  }
  price_precision_ = price_precision < 0 ? decimals_of(tick_size) : price_precision;
  size_precision_ = size_precision < 0 ? decimals_of(lot_size) : size_precision;
  if (price_precision_ < decimals_of(tick_size)) {
    throw std::invalid_argument("price_precision " + std::to_string(price_precision_) +
                                " cannot write the tick_size " + to_decimal(tick_size));
  }
  if (size_precision_ < decimals_of(lot_size)) {
    throw std::invalid_argument("size_precision " + std::to_string(size_precision_) +
                                " cannot write the lot_size " + to_decimal(lot_size));
  }
  if (min_qty > 0.0) to_steps(min_qty, lot_size, "min_qty", "lot_size");
  require_positive(terms_.multiplier, "multiplier");
  if (terms_.fees) terms_.fees->validate();
  price_scale_ = std::pow(10.0, price_precision_);
  size_scale_ = std::pow(10.0, size_precision_);
}

Instrument Instrument::fine_grid(std::string symbol) {
  return Instrument(std::move(symbol), 1e-8, 1e-8);
}

Ticks Instrument::price_to_ticks(double price, const char* field) const {
  require_positive(price, field);
  return to_steps(price, tick_size_, field, "tick_size");
}

Ticks Instrument::nearest_ticks(double price, const char* field) const {
  require_positive(price, field);
  return steps_near(price, tick_size_, field);
}

Ticks Instrument::passive_ticks(double price, OrderSide side, const char* field) const {
  require_positive(price, field);
  const Ticks near = steps_near(price, tick_size_, field);
  if (on_step(price, near, tick_size_)) return near;
  const double steps = price / tick_size_;
  return static_cast<Ticks>(side == OrderSide::kBuy ? std::floor(steps) : std::ceil(steps));
}

Lots Instrument::qty_to_lots(double qty, const char* field) const {
  require_positive(qty, field);
  return to_steps(qty, lot_size_, field, "lot_size");
}

double Instrument::ticks_to_price(Ticks ticks) const noexcept {
  return std::round(static_cast<double>(ticks) * tick_size_ * price_scale_) / price_scale_;
}

double Instrument::lots_to_qty(Lots lots) const noexcept {
  return std::round(static_cast<double>(lots) * lot_size_ * size_scale_) / size_scale_;
}

}  // namespace alphaforge
