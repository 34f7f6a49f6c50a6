#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "alphaforge/depth_book.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;

std::optional<std::pair<double, double>> level_pair(const DepthBook& book, OrderSide side) {
  const auto level = book.best(side);
  if (!level) return std::nullopt;
  return std::make_pair(book.grid().ticks_to_price(level->price), level->size);
}

// Checks the whole batch before applying any of it, so a bad row leaves the book as it was.
void apply(DepthBook& book, OrderSide side, const F64& prices, const F64& sizes) {
  if (prices.ndim() != 1 || sizes.ndim() != 1 || prices.size() != sizes.size()) {
    throw py::value_error("prices and sizes must be one-dimensional and of equal length, got " +
                          std::to_string(prices.size()) + " and " + std::to_string(sizes.size()));
  }
  const double* p = prices.data();
  const double* s = sizes.data();
  const auto n = static_cast<std::size_t>(prices.size());
  const char* name = side == OrderSide::kBuy ? "bid" : "ask";
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(p[i]) || p[i] <= 0.0 || !std::isfinite(s[i]) || s[i] < 0.0) {
      throw py::value_error(std::string(name) + " level " + std::to_string(i) + " (price " +
                            to_decimal(p[i]) + ", size " + to_decimal(s[i]) +
                            ") needs a finite price > 0 and a finite size >= 0");
    }
  }
  for (std::size_t i = 0; i < n; ++i) book.set(side, p[i], s[i]);
}

py::tuple top_levels(const DepthBook& book, std::size_t n) {
  const auto side_arrays = [&](OrderSide side) {
    const std::size_t count = std::min(n, book.depth(side));
    py::array_t<double> prices(static_cast<py::ssize_t>(count));
    py::array_t<double> sizes(static_cast<py::ssize_t>(count));
    double* p = prices.mutable_data();
    double* s = sizes.mutable_data();
    for (std::size_t i = 0; i < count; ++i) {
      const DepthLevel level = *book.level(side, i);
      p[i] = book.grid().ticks_to_price(level.price);
      s[i] = level.size;
    }
    return std::make_pair(prices, sizes);
  };
  auto [bid_prices, bid_sizes] = side_arrays(OrderSide::kBuy);
  auto [ask_prices, ask_sizes] = side_arrays(OrderSide::kSell);
  return py::make_tuple(bid_prices, bid_sizes, ask_prices, ask_sizes);
}

}  // namespace

void register_depth_book(py::module_& m) {
  py::class_<DepthBook>(m, "DepthBook",
                        "An L2 book of displayed size per price, as venues publish it: sizes are "
                        "absolute, 0 removes a level, prices round to the nearest tick.")
      .def(py::init([](const std::string& symbol, double tick_size) {
             return DepthBook(Instrument(symbol, tick_size, 1e-8));
           }),
           py::arg("symbol"), py::arg("tick_size"))
      .def_property_readonly("symbol", [](const DepthBook& b) { return b.grid().symbol(); })
      .def_property_readonly("tick_size", [](const DepthBook& b) { return b.grid().tick_size(); })
      .def("apply_bids",
           [](DepthBook& b, const F64& prices, const F64& sizes) {
             apply(b, OrderSide::kBuy, prices, sizes);
           },
           py::arg("prices"), py::arg("sizes"), "Set the size of each bid level given.")
      .def("apply_asks",
           [](DepthBook& b, const F64& prices, const F64& sizes) {
             apply(b, OrderSide::kSell, prices, sizes);
           },
           py::arg("prices"), py::arg("sizes"), "Set the size of each ask level given.")
      .def("clear", &DepthBook::clear, "Remove every level and reset update_id to 0.")
      .def_readwrite("update_id", &DepthBook::update_id, "The venue's id of the last update.")
      .def_readwrite("ts_ns", &DepthBook::ts_ns, "The time of the last update.")
      .def("best_bid", [](const DepthBook& b) { return level_pair(b, OrderSide::kBuy); },
           "(price, size) of the best bid, or None.")
      .def("best_ask", [](const DepthBook& b) { return level_pair(b, OrderSide::kSell); },
           "(price, size) of the best ask, or None.")
      .def("bid_size_at",
           [](const DepthBook& b, double price) { return b.size_at(OrderSide::kBuy, price); },
           py::arg("price"), "Displayed bid size at price (0 when no level).")
      .def("ask_size_at",
           [](const DepthBook& b, double price) { return b.size_at(OrderSide::kSell, price); },
           py::arg("price"), "Displayed ask size at price (0 when no level).")
      .def("top", &top_levels, py::arg("n"),
           "(bid_prices, bid_sizes, ask_prices, ask_sizes) of the top n levels, best first.")
      .def_property_readonly("bid_depth",
                             [](const DepthBook& b) { return b.depth(OrderSide::kBuy); })
      .def_property_readonly("ask_depth",
                             [](const DepthBook& b) { return b.depth(OrderSide::kSell); })
      .def("__len__", [](const DepthBook& b) {
        return b.depth(OrderSide::kBuy) + b.depth(OrderSide::kSell);
      });
}

}  // namespace alphaforge::bindings
