#pragma once

#include <pybind11/pybind11.h>

namespace alphaforge::bindings {

// One registration function per component; module.cpp gives each its own submodule.
void register_ring(pybind11::module_& m);
void register_bench(pybind11::module_& m);
void register_data(pybind11::module_& m);
void register_depth_book(pybind11::module_& m);
void register_data_bench(pybind11::module_& m);
void register_execution(pybind11::module_& m);
void register_cache(pybind11::module_& m);
void register_backtest(pybind11::module_& m);
void register_tick_backtest(pybind11::module_& m);
void register_live(pybind11::module_& m);
void register_indicators(pybind11::module_& m);

}  // namespace alphaforge::bindings
