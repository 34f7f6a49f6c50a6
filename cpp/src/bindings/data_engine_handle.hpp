#pragma once

#include <pybind11/pybind11.h>

#include "alphaforge/data_engine.hpp"

namespace alphaforge::bindings {

// The C++ engine behind a Python alphaforge.data.DataEngine, so that another binding (an
// execution engine filling market orders) can read prices through alphaforge::PriceSource.
// TypeError for any other object. The Python object must outlive the reference: keep it alive
// (py::keep_alive, or hold the py::object) for as long as the reference is used.
DataEngine& data_engine_of(pybind11::handle engine);

// The data engine inside a Python alphaforge._core.live.LiveFeed, or null for another object.
const DataEngine* live_feed_data(pybind11::handle feed);

}  // namespace alphaforge::bindings
