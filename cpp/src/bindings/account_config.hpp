#pragma once

#include <pybind11/pybind11.h>

#include <map>
#include <string>

#include "alphaforge/account.hpp"

namespace alphaforge::bindings {

// The account keywords that ExecutionEngine and the backtests share, checked.
inline AccountConfig account_config(const std::string& type, bool allow_short, double leverage,
                                    double maintenance_margin, const std::string& currency,
                                    const std::map<std::string, double>& balances) {
  AccountConfig config;
  if (type == "cash") {
    config.type = AccountType::kCash;
  } else if (type == "spot") {
    config.type = AccountType::kSpot;
  } else if (type == "margin") {
    config.type = AccountType::kMargin;
  } else if (type == "unlimited") {
    config.type = AccountType::kUnlimited;
  } else {
    throw pybind11::value_error("account must be 'cash', 'spot', 'margin' or 'unlimited', got '" +
                                type + "'");
  }
  config.allow_short = allow_short;
  config.leverage = leverage;
  config.maintenance_margin = maintenance_margin;
  config.currency = currency;
  config.balances.assign(balances.begin(), balances.end());
  config.validate();
  return config;
}

}  // namespace alphaforge::bindings
