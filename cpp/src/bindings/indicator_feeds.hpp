#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "alphaforge/backtest.hpp"

namespace alphaforge::bindings {

// A feed that updates `indicator`, a streaming object of alphaforge.indicators, with every bar
// in C++: an indicator of one series with the bar's `source` field ("open", "high", "low",
// "close" or "volume"; "close" when not given), an indicator of bars (ATR, ADX, Stochastic,
// OBV, VWAP) with the bar itself, which takes no source. TypeError for any other object,
// ValueError for a source it does not take. The feed holds a plain pointer: the caller keeps
// `indicator` alive for as long as the feed may run.
BarBacktest::BarFeed indicator_feed(pybind11::handle indicator,
                                    const std::optional<std::string>& source);

}  // namespace alphaforge::bindings
