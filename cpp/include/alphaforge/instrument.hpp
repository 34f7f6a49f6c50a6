#pragma once

#include <optional>
#include <string>

#include "alphaforge/fees.hpp"
#include "alphaforge/order_types.hpp"

namespace alphaforge {

// What a contract is worth and costs beyond its grid: the multiplier that turns price times
// quantity into money (125,000 for a 6E euro future), fees of its own in place of the
// engine's, and the assets a spot pair exchanges (BTC for USDT in BTCUSDT).
struct InstrumentTerms {
  double multiplier = 1.0;
  std::optional<FeeSchedule> fees;
  std::string base;
  std::string quote;
};

// A tradable symbol and its grid. Every price and quantity entering the engine is converted
// here, once, and rejected with std::invalid_argument when it is not on the grid.
class Instrument {
 public:
  // precision < 0 derives the number of decimals from the tick or lot size.
  Instrument(std::string symbol, double tick_size, double lot_size, double min_qty = 0.0,
             double min_notional = 0.0, int price_precision = -1, int size_precision = -1,
             InstrumentTerms terms = {});

  // The grid used for a symbol when no instrument is registered: 1e-8 in price and size.
  static Instrument fine_grid(std::string symbol);

  const std::string& symbol() const noexcept { return symbol_; }
  double tick_size() const noexcept { return tick_size_; }
  double lot_size() const noexcept { return lot_size_; }
  double min_qty() const noexcept { return min_qty_; }
  double min_notional() const noexcept { return min_notional_; }
  int price_precision() const noexcept { return price_precision_; }
  int size_precision() const noexcept { return size_precision_; }
  double multiplier() const noexcept { return terms_.multiplier; }
  const std::optional<FeeSchedule>& fees() const noexcept { return terms_.fees; }
  const std::string& base() const noexcept { return terms_.base; }
  const std::string& quote() const noexcept { return terms_.quote; }

  // `field` names the argument in the error message.
  Ticks price_to_ticks(double price, const char* field = "price") const;
  Lots qty_to_lots(double qty, const char* field = "qty") const;
  // The nearest tick to a price recorded by a venue or vendor, which may sit off the grid
  // (adjusted closes, computed prices). std::invalid_argument when not finite and positive.
  Ticks nearest_ticks(double price, const char* field = "price") const;
  // A price brought onto the grid on the side that never overpays: down for a buy, up for a
  // sell (the helper behind Instrument.round_price).
  Ticks passive_ticks(double price, OrderSide side, const char* field = "price") const;
  double ticks_to_price(Ticks ticks) const noexcept;
  double lots_to_qty(Lots lots) const noexcept;
  // Money changing hands for `qty` at `price`: price times quantity times the multiplier.
  double notional(Ticks price, Lots qty) const noexcept {
    return ticks_to_price(price) * lots_to_qty(qty) * terms_.multiplier;
  }

 private:
  std::string symbol_;
  double tick_size_;
  double lot_size_;
  double min_qty_;
  double min_notional_;
  int price_precision_;
  int size_precision_;
  double price_scale_;  // 10^price_precision, to print ticks back as the nearest decimal
  double size_scale_;
  InstrumentTerms terms_;
};

}  // namespace alphaforge
