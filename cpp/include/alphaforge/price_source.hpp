#pragma once

#include <optional>
#include <string_view>
#include <utility>

namespace alphaforge {

// Where the simulated venue reads market prices it was not pushed: the data engine implements
// this, so a market order fills at the last price or quote it holds. Prices are plain doubles
// as the data carries them; the venue puts them on the instrument's grid.
class PriceSource {
 public:
  virtual ~PriceSource() = default;
  virtual std::optional<double> last_price(std::string_view symbol) const = 0;
  // (bid, ask)
  virtual std::optional<std::pair<double, double>> best_bid_ask(std::string_view symbol) const = 0;
};

}  // namespace alphaforge
