#include "record_views.hpp"

#include <structmember.h>

#include <cstddef>
#include <string>

#include "alphaforge/instrument.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

PyTypeObject* bar_type = nullptr;
PyTypeObject* trade_type = nullptr;
PyTypeObject* quote_type = nullptr;

template <typename Record>
constexpr Py_ssize_t field(std::size_t offset_in_record) {
  return static_cast<Py_ssize_t>(offsetof(RecordView<Record>, record) + offset_in_record);
}

template <typename Record>
PyObject* make_view(PyTypeObject* type, PyObject* symbol, PyObject* spec, const Record& record) {
  PyObject* self = type->tp_alloc(type, 0);
  if (self == nullptr) return nullptr;
  auto* view = reinterpret_cast<RecordView<Record>*>(self);
  Py_INCREF(symbol);
  view->symbol = symbol;
  Py_XINCREF(spec);
  view->spec = spec;
  view->record = record;
  return self;
}

template <typename Record>
void view_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  Py_XDECREF(reinterpret_cast<RecordView<Record>*>(self)->symbol);
  Py_XDECREF(reinterpret_cast<RecordView<Record>*>(self)->spec);
  type->tp_free(self);
  Py_DECREF(type);  // heap types are owned by their instances
}

template <typename Record>
PyObject* view_copy(PyObject* self, PyObject*) {
  auto* view = reinterpret_cast<RecordView<Record>*>(self);
  return make_view(Py_TYPE(self), view->symbol, view->spec, view->record);
}

// Text for __repr__; C++ exceptions must not cross into CPython.
template <typename Record, typename Render>
PyObject* repr_text(PyObject* self, Render render) {
  try {
    const auto* view = reinterpret_cast<RecordView<Record>*>(self);
    const std::string symbol = py::str(view->symbol);
    return PyUnicode_FromString(render(symbol, view->record).c_str());
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return nullptr;
  }
}

PyObject* bar_repr(PyObject* self) {
  return repr_text<BacktestBar>(self, [](const std::string& symbol, const BacktestBar& b) {
    return "Bar(" + symbol + ", ts=" + std::to_string(b.ts_ns) + ", open=" + to_decimal(b.open) +
           ", high=" + to_decimal(b.high) + ", low=" + to_decimal(b.low) +
           ", close=" + to_decimal(b.close) + ", volume=" + to_decimal(b.volume) + ")";
  });
}

PyObject* trade_repr(PyObject* self) {
  return repr_text<TradeTick>(self, [](const std::string& symbol, const TradeTick& t) {
    return "Trade(" + symbol + ", ts_ns=" + std::to_string(t.ts_ns) +
           ", price=" + to_decimal(t.price) + ", size=" + to_decimal(t.size) + ")";
  });
}

PyObject* quote_repr(PyObject* self) {
  return repr_text<QuoteTick>(self, [](const std::string& symbol, const QuoteTick& q) {
    return "Quote(" + symbol + ", ts_ns=" + std::to_string(q.ts_ns) + ", bid=" +
           to_decimal(q.bid) + ", ask=" + to_decimal(q.ask) + ", bid_size=" +
           to_decimal(q.bid_size) + ", ask_size=" + to_decimal(q.ask_size) + ")";
  });
}

PyObject* quote_mid(PyObject* self, void*) {
  const QuoteTick& q = reinterpret_cast<QuoteRecordView*>(self)->record;
  return PyFloat_FromDouble((q.bid + q.ask) / 2.0);
}

template <typename Record>
PyTypeObject* define(py::module_& m, const char* name, const char* qualified, const char* doc,
                     PyMemberDef* members, reprfunc repr, PyGetSetDef* getset = nullptr) {
  static PyMethodDef methods[] = {
      {"copy", view_copy<Record>, METH_NOARGS, "An independent copy of the record."},
      {nullptr, nullptr, 0, nullptr}};
  static PyGetSetDef no_getset[] = {{nullptr, nullptr, nullptr, nullptr, nullptr}};
  PyType_Slot slots[] = {
      {Py_tp_dealloc, reinterpret_cast<void*>(view_dealloc<Record>)},
      {Py_tp_members, members},
      {Py_tp_methods, methods},
      {Py_tp_getset, getset != nullptr ? getset : no_getset},
      {Py_tp_repr, reinterpret_cast<void*>(repr)},
      {Py_tp_doc, const_cast<char*>(doc)},
      {0, nullptr}};
  PyType_Spec spec{qualified, static_cast<int>(sizeof(RecordView<Record>)), 0,
                   Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION, slots};
  PyObject* type = PyType_FromSpec(&spec);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, type);  // steals the reference; the module keeps the type alive
  return reinterpret_cast<PyTypeObject*>(type);
}

// Member tables: read-only attributes at their offsets in the view.
PyMemberDef bar_members[] = {
    {"symbol", T_OBJECT_EX, offsetof(BarRecordView, symbol), READONLY, "Symbol"},
    {"spec", T_OBJECT, offsetof(BarRecordView, spec), READONLY,
     "The spec the bar was resampled or built by ('15min'); None for bars as added"},
    {"ts", T_LONGLONG, field<BacktestBar>(offsetof(BacktestBar, ts_ns)), READONLY,
     "Timestamp (the bar's open), nanoseconds since the epoch (UTC)"},
    {"open", T_DOUBLE, field<BacktestBar>(offsetof(BacktestBar, open)), READONLY, nullptr},
    {"high", T_DOUBLE, field<BacktestBar>(offsetof(BacktestBar, high)), READONLY, nullptr},
    {"low", T_DOUBLE, field<BacktestBar>(offsetof(BacktestBar, low)), READONLY, nullptr},
    {"close", T_DOUBLE, field<BacktestBar>(offsetof(BacktestBar, close)), READONLY, nullptr},
    {"volume", T_DOUBLE, field<BacktestBar>(offsetof(BacktestBar, volume)), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyMemberDef trade_members[] = {
    {"symbol", T_OBJECT_EX, offsetof(TradeRecordView, symbol), READONLY, "Symbol"},
    {"ts_ns", T_LONGLONG, field<TradeTick>(offsetof(TradeTick, ts_ns)), READONLY,
     "Nanoseconds since the epoch (UTC)"},
    {"price", T_DOUBLE, field<TradeTick>(offsetof(TradeTick, price)), READONLY, nullptr},
    {"size", T_DOUBLE, field<TradeTick>(offsetof(TradeTick, size)), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyMemberDef quote_members[] = {
    {"symbol", T_OBJECT_EX, offsetof(QuoteRecordView, symbol), READONLY, "Symbol"},
    {"ts_ns", T_LONGLONG, field<QuoteTick>(offsetof(QuoteTick, ts_ns)), READONLY,
     "Nanoseconds since the epoch (UTC)"},
    {"bid", T_DOUBLE, field<QuoteTick>(offsetof(QuoteTick, bid)), READONLY, nullptr},
    {"ask", T_DOUBLE, field<QuoteTick>(offsetof(QuoteTick, ask)), READONLY, nullptr},
    {"bid_size", T_DOUBLE, field<QuoteTick>(offsetof(QuoteTick, bid_size)), READONLY, nullptr},
    {"ask_size", T_DOUBLE, field<QuoteTick>(offsetof(QuoteTick, ask_size)), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyGetSetDef quote_getset[] = {
    {"mid", quote_mid, nullptr, "(bid + ask) / 2", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

template <typename Record>
py::object new_view(PyTypeObject* type, py::handle symbol, py::handle spec = {}) {
  PyObject* view = make_view(type, symbol.ptr(), spec.ptr(), Record{});
  if (view == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(view);
}

}  // namespace

void register_record_views(py::module_& m) {
  bar_type = define<BacktestBar>(
      m, "Bar", "alphaforge._core.backtest.Bar",
      "One OHLCV bar; safe to keep: the replay never rewrites a bar a strategy holds.", bar_members, bar_repr);
  trade_type = define<TradeTick>(
      m, "Trade", "alphaforge._core.backtest.Trade",
      "One trade print; safe to keep: the replay never rewrites one a strategy holds.", trade_members,
      trade_repr);
  quote_type = define<QuoteTick>(
      m, "Quote", "alphaforge._core.backtest.Quote",
      "The best bid and ask; safe to keep: the replay never rewrites one a strategy holds.", quote_members,
      quote_repr, quote_getset);
}

py::object new_bar_view(py::handle symbol, py::handle spec) {
  return new_view<BacktestBar>(bar_type, symbol, spec);
}
py::object new_trade_view(py::handle symbol) { return new_view<TradeTick>(trade_type, symbol); }
py::object new_quote_view(py::handle symbol) { return new_view<QuoteTick>(quote_type, symbol); }

}  // namespace alphaforge::bindings
