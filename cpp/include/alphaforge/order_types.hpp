#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace alphaforge {

// Prices inside the engine are whole ticks and quantities whole lots of the instrument; doubles
// exist only at the API edge, converted once by Instrument.
using Ticks = std::int64_t;
using Lots = std::int64_t;
__extension__ typedef __int128 WideTicks;  // products of ticks and lots

enum class OrderSide : std::uint8_t { kBuy = 0, kSell = 1 };
enum class OrderType : std::uint8_t { kMarket = 0, kLimit = 1, kStop = 2, kStopLimit = 3 };
// GTD rests as GTC does; its expiry time is kept and enforced by whatever runs it (the bar
// and tick replays, the live node).
enum class TimeInForce : std::uint8_t { kGtc = 0, kIoc = 1, kFok = 2, kPostOnly = 3, kGtd = 4 };
enum class OrderStatus : std::uint8_t {
  kNew = 0,
  kAccepted = 1,
  kPartiallyFilled = 2,
  kFilled = 3,
  kCanceled = 4,
  kRejected = 5,
  kExpired = 6,
  kSubmitted = 7,  // sent to an external venue, not yet acknowledged by it
};
enum class Liquidity : std::uint8_t { kMaker = 0, kTaker = 1 };
// What happens when an order would trade with a resting order of the same strategy (Binance's
// selfTradePreventionMode values): the incoming order expires, the resting one, or both.
enum class SelfTradePrevention : std::uint8_t {
  kNone = 0,
  kExpireTaker = 1,
  kExpireMaker = 2,
  kExpireBoth = 3,
};

constexpr OrderSide opposite(OrderSide side) noexcept {
  return side == OrderSide::kBuy ? OrderSide::kSell : OrderSide::kBuy;
}

// +1 for a buy, -1 for a sell: the sign a fill adds to a position.
constexpr std::int64_t sign_of(OrderSide side) noexcept {
  return side == OrderSide::kBuy ? 1 : -1;
}

constexpr bool is_terminal(OrderStatus status) noexcept {
  return status == OrderStatus::kFilled || status == OrderStatus::kCanceled ||
         status == OrderStatus::kRejected || status == OrderStatus::kExpired;
}

std::string_view to_string(OrderSide side) noexcept;
std::string_view to_string(OrderType type) noexcept;
std::string_view to_string(TimeInForce tif) noexcept;
std::string_view to_string(OrderStatus status) noexcept;
std::string_view to_string(Liquidity liquidity) noexcept;
std::string_view to_string(SelfTradePrevention mode) noexcept;

// The shortest text that reads back as `value` (100.01, not 100.010000000000005), for messages.
std::string to_decimal(double value);

}  // namespace alphaforge
