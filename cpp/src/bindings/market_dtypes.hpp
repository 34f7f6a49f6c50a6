#pragma once

#include <pybind11/numpy.h>

#include "alphaforge/bar.hpp"
#include "alphaforge/market_data.hpp"

namespace alphaforge::bindings {

// numpy dtypes of the market data records. Registered once per process: several binding
// files use them, and pybind11 refuses a second registration of the same type.
inline void register_market_dtypes() {
  static const bool registered = [] {
    PYBIND11_NUMPY_DTYPE(TradeTick, ts_ns, price, size, trade_id, symbol_id, aggressor);
    PYBIND11_NUMPY_DTYPE(QuoteTick, ts_ns, bid, ask, bid_size, ask_size, symbol_id);
    PYBIND11_NUMPY_DTYPE(Bar, ts_open_ns, ts_close_ns, open, high, low, close, volume, trade_count,
                         symbol_id);
    return true;
  }();
  (void)registered;
}

}  // namespace alphaforge::bindings
