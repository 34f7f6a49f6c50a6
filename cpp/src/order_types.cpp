#include "alphaforge/order_types.hpp"

#include <charconv>
#include <system_error>

namespace alphaforge {

std::string_view to_string(OrderSide side) noexcept {
  return side == OrderSide::kBuy ? "BUY" : "SELL";
}

std::string_view to_string(OrderType type) noexcept {
  switch (type) {
    case OrderType::kMarket:
      return "MARKET";
    case OrderType::kLimit:
      return "LIMIT";
    case OrderType::kStop:
      return "STOP";
    case OrderType::kStopLimit:
      return "STOP_LIMIT";
  }
  return "?";
}

std::string_view to_string(TimeInForce tif) noexcept {
  switch (tif) {
    case TimeInForce::kGtc:
      return "GTC";
    case TimeInForce::kIoc:
      return "IOC";
    case TimeInForce::kFok:
      return "FOK";
    case TimeInForce::kPostOnly:
      return "POST_ONLY";
    case TimeInForce::kGtd:
      return "GTD";
  }
  return "?";
}

std::string_view to_string(OrderStatus status) noexcept {
  switch (status) {
    case OrderStatus::kNew:
      return "NEW";
    case OrderStatus::kAccepted:
      return "ACCEPTED";
    case OrderStatus::kPartiallyFilled:
      return "PARTIALLY_FILLED";
    case OrderStatus::kFilled:
      return "FILLED";
    case OrderStatus::kCanceled:
      return "CANCELED";
    case OrderStatus::kRejected:
      return "REJECTED";
    case OrderStatus::kExpired:
      return "EXPIRED";
    case OrderStatus::kSubmitted:
      return "SUBMITTED";
  }
  return "?";
}

std::string_view to_string(Liquidity liquidity) noexcept {
  return liquidity == Liquidity::kMaker ? "MAKER" : "TAKER";
}

std::string_view to_string(SelfTradePrevention mode) noexcept {
  switch (mode) {
    case SelfTradePrevention::kNone:
      return "NONE";
    case SelfTradePrevention::kExpireTaker:
      return "EXPIRE_TAKER";
    case SelfTradePrevention::kExpireMaker:
      return "EXPIRE_MAKER";
    case SelfTradePrevention::kExpireBoth:
      return "EXPIRE_BOTH";
  }
  return "?";
}

std::string to_decimal(double value) {
  char text[64];
  // Plain digits read best for prices and sizes; numbers too long for that go scientific.
  auto result = std::to_chars(text, text + sizeof(text), value, std::chars_format::fixed);
  if (result.ec != std::errc{}) result = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

}  // namespace alphaforge
