#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alphaforge/backtest.hpp"
#include "alphaforge/backtest_ledger.hpp"
#include "alphaforge/backtest_records.hpp"

// What the bar and tick replays show Python: bars, orders, fills, positions and the equity
// curve, and the order arguments they both take.
namespace alphaforge::bindings {

using F64 = pybind11::array_t<double, pybind11::array::c_style | pybind11::array::forcecast>;
using I64 = pybind11::array_t<std::int64_t, pybind11::array::c_style | pybind11::array::forcecast>;

// A data column must be one-dimensional and as long as its timestamps.
inline void require_length(const char* name, const F64& column, std::size_t n) {
  if (column.ndim() != 1 || static_cast<std::size_t>(column.size()) != n) {
    throw pybind11::value_error(std::string(name) + " must be one-dimensional with " +
                                std::to_string(n) + " values like ts, got size " +
                                std::to_string(column.size()));
  }
}

inline OrderSide parse_side(const std::string& side) {
  if (side == "BUY") return OrderSide::kBuy;
  if (side == "SELL") return OrderSide::kSell;
  throw pybind11::value_error("side must be 'BUY' or 'SELL', got '" + side + "'");
}

inline OrderType parse_type(const std::string& type) {
  if (type == "MARKET") return OrderType::kMarket;
  if (type == "LIMIT") return OrderType::kLimit;
  if (type == "STOP") return OrderType::kStop;
  if (type == "STOP_LIMIT") return OrderType::kStopLimit;
  throw pybind11::value_error("type must be MARKET, LIMIT, STOP or STOP_LIMIT, got '" + type +
                              "'");
}

inline TimeInForce parse_time_in_force(const std::string& tif) {
  if (tif == "GTC") return TimeInForce::kGtc;
  if (tif == "IOC") return TimeInForce::kIoc;
  if (tif == "FOK") return TimeInForce::kFok;
  if (tif == "POST_ONLY") return TimeInForce::kPostOnly;
  if (tif == "GTD") return TimeInForce::kGtd;
  throw pybind11::value_error("time_in_force must be GTC, IOC, FOK, POST_ONLY or GTD, got '" +
                              tif + "'");
}

inline OrderRequest backtest_request(const std::string& symbol, const std::string& strategy,
                                     const std::string& side, const std::string& type,
                                     double quantity, std::optional<double> price,
                                     std::optional<double> stop_price, const std::string& tif,
                                     bool reduce_only) {
  OrderRequest r;
  r.reduce_only = reduce_only;
  r.symbol = symbol;
  r.strategy_id = strategy;
  r.side = parse_side(side);
  r.type = parse_type(type);
  r.quantity = quantity;
  r.price = price;
  r.stop_price = stop_price;
  r.tif = parse_time_in_force(tif);
  return r;
}

// The fields of alphaforge.records.FillRecord, in order.
inline pybind11::tuple fill_tuple(const BacktestFill& f, const std::vector<std::string>& symbols) {
  return pybind11::make_tuple(f.ts_ns, symbols[f.symbol], to_string(f.side), f.qty, f.price,
                              f.fee, f.order_id, f.strategy, to_string(f.liquidity), f.trade_id);
}

// The fields of alphaforge.records.OrderRecord, in order.
inline pybind11::tuple order_tuple(const OrderRecord& o, const std::vector<std::string>& symbols) {
  namespace py = pybind11;
  return py::make_tuple(o.id, o.ts_ns, symbols[o.symbol], to_string(o.side), to_string(o.type),
                        o.quantity, o.price ? py::cast(*o.price) : py::none(),
                        o.stop_price ? py::cast(*o.stop_price) : py::none(), to_string(o.status),
                        o.filled, o.filled > 0.0 ? py::cast(o.avg_fill_price) : py::none(),
                        o.strategy, o.reject_reason, to_string(o.tif), o.reduce_only, "");
}

// A numpy column of `n` values of type T, filled by `value(i)`.
template <typename T, typename Value>
pybind11::array_t<T> numeric_column(std::size_t n, Value&& value) {
  pybind11::array_t<T> out(static_cast<pybind11::ssize_t>(n));
  T* data = out.mutable_data();
  for (std::size_t i = 0; i < n; ++i) data[i] = value(i);
  return out;
}

// A list column of `n` Python objects made by `value(i)`.
template <typename Value>
pybind11::list object_column(std::size_t n, Value&& value) {
  pybind11::list out(n);
  for (std::size_t i = 0; i < n; ++i) {
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), value(i).release().ptr());
  }
  return out;
}

// The fills as columns named as alphaforge.records.FillRecord's fields: a DataFrame in one step.
inline pybind11::dict fill_columns(const std::vector<BacktestFill>& fills,
                                   const std::vector<std::string>& symbols) {
  namespace py = pybind11;
  const std::size_t n = fills.size();
  std::vector<py::str> names(symbols.begin(), symbols.end());
  const py::str sides[2] = {py::str("BUY"), py::str("SELL")};
  const py::str liquidity[2] = {py::str("MAKER"), py::str("TAKER")};
  py::dict out;
  out["ts"] = numeric_column<std::int64_t>(n, [&](std::size_t i) { return fills[i].ts_ns; });
  out["symbol"] = object_column(n, [&](std::size_t i) { return names[fills[i].symbol]; });
  out["side"] = object_column(
      n, [&](std::size_t i) { return sides[static_cast<std::size_t>(fills[i].side)]; });
  out["qty"] = numeric_column<double>(n, [&](std::size_t i) { return fills[i].qty; });
  out["price"] = numeric_column<double>(n, [&](std::size_t i) { return fills[i].price; });
  out["fee"] = numeric_column<double>(n, [&](std::size_t i) { return fills[i].fee; });
  out["order_id"] = numeric_column<std::uint64_t>(n, [&](std::size_t i) { return fills[i].order_id; });
  out["strategy"] = object_column(n, [&](std::size_t i) { return py::str(fills[i].strategy); });
  out["liquidity"] = object_column(n, [&](std::size_t i) {
    return liquidity[static_cast<std::size_t>(fills[i].liquidity)];
  });
  out["trade_id"] = numeric_column<std::uint64_t>(n, [&](std::size_t i) { return fills[i].trade_id; });
  return out;
}

// The orders as columns named as alphaforge.records.OrderRecord's fields.
inline pybind11::dict order_columns(const BacktestLedger& ledger) {
  namespace py = pybind11;
  std::vector<OrderRecord> orders;
  orders.reserve(ledger.order_count());
  for (std::uint64_t id = 1; id <= ledger.order_count(); ++id) {
    orders.push_back(ledger.order_record(id));
  }
  const std::size_t n = orders.size();
  std::vector<py::str> names(ledger.symbols().begin(), ledger.symbols().end());
  const auto optional = [](const std::optional<double>& value) {
    return value ? py::object(py::float_(*value)) : py::object(py::none());
  };
  const auto text = [](std::string_view value) { return py::str(value.data(), value.size()); };
  py::dict out;
  out["order_id"] = numeric_column<std::uint64_t>(n, [&](std::size_t i) { return orders[i].id; });
  out["ts"] = numeric_column<std::int64_t>(n, [&](std::size_t i) { return orders[i].ts_ns; });
  out["symbol"] = object_column(n, [&](std::size_t i) { return names[orders[i].symbol]; });
  out["side"] = object_column(n, [&](std::size_t i) { return text(to_string(orders[i].side)); });
  out["type"] = object_column(n, [&](std::size_t i) { return text(to_string(orders[i].type)); });
  out["qty"] = numeric_column<double>(n, [&](std::size_t i) { return orders[i].quantity; });
  out["price"] = object_column(n, [&](std::size_t i) { return optional(orders[i].price); });
  out["stop_price"] = object_column(n, [&](std::size_t i) { return optional(orders[i].stop_price); });
  out["status"] = object_column(n, [&](std::size_t i) { return text(to_string(orders[i].status)); });
  out["filled_qty"] = numeric_column<double>(n, [&](std::size_t i) { return orders[i].filled; });
  out["avg_fill_price"] = object_column(n, [&](std::size_t i) {
    return orders[i].filled > 0.0 ? optional(orders[i].avg_fill_price) : py::object(py::none());
  });
  out["strategy"] = object_column(n, [&](std::size_t i) { return py::str(orders[i].strategy); });
  out["reject_reason"] = object_column(n, [&](std::size_t i) { return py::str(orders[i].reject_reason); });
  out["time_in_force"] = object_column(n, [&](std::size_t i) { return text(to_string(orders[i].tif)); });
  out["reduce_only"] = numeric_column<bool>(n, [&](std::size_t i) { return orders[i].reduce_only; });
  out["client_order_id"] = object_column(n, [](std::size_t) { return py::str(""); });
  return out;
}

inline pybind11::list order_list(const BacktestLedger& ledger,
                                 const std::vector<std::uint64_t>& ids) {
  pybind11::list out;
  for (const std::uint64_t id : ids) out.append(order_tuple(ledger.order_record(id), ledger.symbols()));
  return out;
}

// result.POSITION_COLUMNS (alphaforge.records.PositionRecord after the strategy): every
// position, or those of one strategy.
inline pybind11::list position_list(const ExecutionEngine& e, std::string_view strategy = {}) {
  pybind11::list out;
  for (const auto& entry : e.positions()) {
    const std::string& name = e.strategy_name(entry.strategy);
    if (!strategy.empty() && name != strategy) continue;
    const Position& p = *entry.position;
    out.append(pybind11::make_tuple(name, e.symbol_name(entry.symbol), p.quantity(), p.avg_price(),
                                    p.realized_pnl(),
                                    p.unrealized_pnl(e.mark_price(entry.symbol)), p.fees()));
  }
  return out;
}

// (ts, cash, equity) columns.
inline pybind11::tuple equity_arrays(const std::vector<EquityPoint>& points) {
  namespace py = pybind11;
  const auto n = static_cast<py::ssize_t>(points.size());
  py::array_t<std::int64_t> ts(n);
  py::array_t<double> cash(n);
  py::array_t<double> equity(n);
  auto t = ts.mutable_unchecked<1>();
  auto c = cash.mutable_unchecked<1>();
  auto q = equity.mutable_unchecked<1>();
  for (py::ssize_t i = 0; i < n; ++i) {
    const EquityPoint& p = points[static_cast<std::size_t>(i)];
    t(i) = p.ts_ns;
    c(i) = p.cash;
    q(i) = p.equity;
  }
  return py::make_tuple(ts, cash, equity);
}

// Calls each handler with `view`, without pybind11's argument packing on the hot path.
inline void call_each(const std::vector<pybind11::object>& handlers, pybind11::handle view) {
  for (const pybind11::object& handler : handlers) {
    PyObject* out = PyObject_CallOneArg(handler.ptr(), view.ptr());
    if (out == nullptr) throw pybind11::error_already_set();
    Py_DECREF(out);
  }
}

}  // namespace alphaforge::bindings
