#pragma once

#include <pybind11/pybind11.h>

#include "alphaforge/backtest.hpp"
#include "alphaforge/market_data.hpp"
#include "alphaforge/trade_tick.hpp"

// The bar, trade and quote objects replays hand to strategies, one per symbol, rewritten for
// every event. They are plain CPython types whose attributes are member descriptors reading
// the C++ record in place: a strategy pays about 15 ns an attribute, where a pybind11
// property costs over 100. A view a strategy keeps is never rewritten (see next_record).
namespace alphaforge::bindings {

template <typename Record>
struct RecordView {
  PyObject_HEAD
  PyObject* symbol;  // a str
  PyObject* spec;    // bars: the str of the spec they were built by, or NULL (read as None)
  Record record;
};

using BarRecordView = RecordView<BacktestBar>;
using TradeRecordView = RecordView<TradeTick>;
using QuoteRecordView = RecordView<QuoteTick>;

// Adds Bar, Trade and Quote to `m`; once, before any view is made.
void register_record_views(pybind11::module_& m);

// A new view of `symbol` (a str) holding a zeroed record; a bar's `spec`, a str, names the
// spec the bars are built or resampled by (None: bars as added).
pybind11::object new_bar_view(pybind11::handle symbol, pybind11::handle spec = {});
pybind11::object new_trade_view(pybind11::handle symbol);
pybind11::object new_quote_view(pybind11::handle symbol);

// The record inside a view made by the functions above.
template <typename Record>
Record& record_of(pybind11::handle view) {
  return reinterpret_cast<RecordView<Record>*>(view.ptr())->record;
}

// The record of the view to hand out next. The view is reused while only the replay holds it;
// once a strategy keeps a reference (its reference count says so), a fresh view takes its
// place, so a kept bar or tick never changes under the strategy.
template <typename Record, typename... Tag>
Record& next_record(pybind11::object& view,
                    pybind11::object (*make)(pybind11::handle symbol, Tag...)) {
  if (Py_REFCNT(view.ptr()) > 1) {
    const auto* old = reinterpret_cast<RecordView<Record>*>(view.ptr());
    if constexpr (sizeof...(Tag) == 0) {
      view = make(old->symbol);
    } else {
      view = make(old->symbol, old->spec);
    }
  }
  return record_of<Record>(view);
}

}  // namespace alphaforge::bindings
