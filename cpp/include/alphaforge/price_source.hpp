#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace alphaforge {

struct LastTrade {
  std::int64_t ts_ns;
  double price;
  double size;
};

struct BestQuote {
  std::int64_t ts_ns;
  double bid;
  double ask;
  double bid_size;
  double ask_size;
};

// What an execution engine needs from market data to fill market orders and mark positions.
// Implementations must be safe to read from any thread while data is being ingested.
class PriceSource {
 public:
  virtual ~PriceSource() = default;
  [[nodiscard]] virtual std::optional<LastTrade> last_trade(std::string_view symbol) const = 0;
  [[nodiscard]] virtual std::optional<BestQuote> best_quote(std::string_view symbol) const = 0;
};

}  // namespace alphaforge
