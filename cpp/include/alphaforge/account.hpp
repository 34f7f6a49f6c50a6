#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alphaforge {

// How the account pays for orders.
//   kCash: one cash balance, as backtrader's default broker: an order that opens or grows a
//     position is refused when its cost would take cash below zero; closing is always allowed;
//     shorts are allowed (their proceeds are cash) unless allow_short is false.
//   kSpot: a balance per asset, as Binance Spot: a buy needs the quote asset, a sell the base
//     asset held; open orders lock what they would spend; no shorts.
//   kMargin: cash may be borrowed up to `leverage` times equity; equity below
//     maintenance_margin times the gross value of the positions is a margin call.
//   kUnlimited: no buying-power check at all (cash may go negative): for order-flow studies.
enum class AccountType : std::uint8_t { kCash = 0, kSpot = 1, kMargin = 2, kUnlimited = 3 };

struct AccountConfig {
  AccountType type = AccountType::kCash;
  bool allow_short = true;
  double leverage = 1.0;
  double maintenance_margin = 0.0;
  // What cash and equity are counted in; on a spot account, the asset that values the others.
  std::string currency = "USD";
  // Spot accounts: the starting balance of each asset (the engine's cash is added to currency).
  std::vector<std::pair<std::string, double>> balances;

  // std::invalid_argument naming the field for a leverage below 1, a maintenance margin
  // outside [0, 1), a negative or non-finite balance, or an empty currency.
  void validate() const;
};

// One asset's holding on a spot account: `locked` is held by open orders.
struct AssetBalance {
  double total = 0.0;
  double locked = 0.0;
  double free() const noexcept { return total - locked; }
};

std::string_view to_string(AccountType type) noexcept;

}  // namespace alphaforge
