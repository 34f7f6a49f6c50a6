#pragma once

#include <pybind11/pybind11.h>

#include "alphaforge/backtest.hpp"
#include "alphaforge/market_data.hpp"
#include "alphaforge/trade_tick.hpp"

// The bar, trade and quote objects replays hand to strategies, one per symbol, rewritten for
// every event. They are plain CPython types whose attributes are member descriptors reading
// the C++ record in place: a strategy pays about 15 ns an attribute, where a pybind11
// property costs over 100. copy() returns one that is not rewritten.
namespace alphaforge::bindings {

template <typename Record>
struct RecordView {
  PyObject_HEAD
  PyObject* symbol;  // a str
  Record record;
};

using BarRecordView = RecordView<BacktestBar>;
using TradeRecordView = RecordView<TradeTick>;
using QuoteRecordView = RecordView<QuoteTick>;

// Adds Bar, Trade and Quote to `m`; once, before any view is made.
void register_record_views(pybind11::module_& m);

// A new view of `symbol` (a str) holding a zeroed record.
pybind11::object new_bar_view(pybind11::handle symbol);
pybind11::object new_trade_view(pybind11::handle symbol);
pybind11::object new_quote_view(pybind11::handle symbol);

// The record inside a view made by the functions above.
template <typename Record>
Record& record_of(pybind11::handle view) {
  return reinterpret_cast<RecordView<Record>*>(view.ptr())->record;
}

}  // namespace alphaforge::bindings
