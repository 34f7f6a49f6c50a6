#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "alphaforge/mpmc_ring.hpp"
#include "alphaforge/platform.hpp"
#include "alphaforge/spsc_ring.hpp"
#include "alphaforge/trade_tick.hpp"
#include "arguments.hpp"
#include "market_dtypes.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

enum class Overflow { kReject, kBlock, kDropOldest };

struct RingStatistics {
  std::uint64_t pushed;
  std::uint64_t popped;
  std::uint64_t rejected;
  std::uint64_t dropped;
  std::uint64_t high_water;
  std::size_t size;
  std::size_t capacity;
};

// Counters are written by whichever Python threads push and pop, some with the GIL released,
// so they are atomics; relaxed order is enough for statistics.
struct RingCounters {
  std::atomic<std::uint64_t> pushed{0};
  std::atomic<std::uint64_t> popped{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> high_water{0};

  void observe_size(std::size_t size) noexcept {
    std::uint64_t seen = high_water.load(std::memory_order_relaxed);
    while (size > seen &&
           !high_water.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
    }
  }
};

// How long a blocked call waits with the GIL released before it checks for Ctrl-C.
constexpr auto kSignalCheckInterval = std::chrono::milliseconds(20);

Overflow parse_overflow(const std::string& name, bool single_consumer) {
  if (name == "reject") return Overflow::kReject;
  if (name == "block") return Overflow::kBlock;
  if (name == "drop_oldest") {
    if (single_consumer) {
      throw py::value_error(
          "overflow='drop_oldest' needs MpmcRing: dropping means the producer pops, and an "
          "SpscRing has exactly one consumer");
    }
    return Overflow::kDropOldest;
  }
  throw py::value_error("overflow must be 'reject', 'block' or 'drop_oldest', got '" + name + "'");
}

template <typename T>
T item_from_python(py::handle value) {
  if constexpr (std::is_same_v<T, TradeTick>) {
    py::array_t<TradeTick> record;
    try {
      // A list, not a tuple: numpy reads a tuple as one record, not as a sequence of them.
      py::list one;
      one.append(value);
      record = py::module_::import("numpy").attr("array")(one, py::dtype::of<TradeTick>());
    } catch (const py::error_already_set&) {
      throw py::type_error(
          "value must be a TRADE_TICK_DTYPE record or a tuple of its fields, got " +
          type_name(value));
    }
    return *record.data(0);
  } else if constexpr (std::is_same_v<T, double>) {
    if (!PyFloat_Check(value.ptr()) && !PyLong_Check(value.ptr())) {
      throw py::type_error("value must be a float for a float64 ring, got " + type_name(value));
    }
    return PyFloat_AsDouble(value.ptr());
  } else {
    if (PyBool_Check(value.ptr()) || !PyLong_Check(value.ptr())) {
      throw py::type_error("value must be an int for an int64 ring, got " + type_name(value));
    }
    const long long number = PyLong_AsLongLong(value.ptr());
    if (number == -1 && PyErr_Occurred()) throw py::error_already_set();
    return number;
  }
}

template <typename T>
py::object item_to_python(const T& item) {
  if constexpr (std::is_same_v<T, TradeTick>) {
    py::array_t<TradeTick> record(1);
    *record.mutable_data(0) = item;
    return record[py::int_(0)];
  } else {
    return py::cast(item);
  }
}

template <template <typename> class Ring>
class PyRing {
 public:
  static constexpr bool kSingleConsumer = std::is_same_v<Ring<double>, SpscRing<double>>;

  PyRing(py::handle capacity, const py::object& dtype, const std::string& overflow)
      : overflow_(parse_overflow(overflow, kSingleConsumer)) {
    const std::size_t slots = count_argument(capacity, "capacity", 1);
    const py::dtype requested = py::dtype::from_args(dtype);
    if (requested.equal(py::dtype::of<double>())) {
      ring_ = std::make_unique<Ring<double>>(slots);
    } else if (requested.equal(py::dtype::of<std::int64_t>())) {
      ring_ = std::make_unique<Ring<std::int64_t>>(slots);
    } else if (requested.equal(py::dtype::of<TradeTick>())) {
      ring_ = std::make_unique<Ring<TradeTick>>(slots);
    } else {
      throw py::type_error("dtype must be float64, int64 or TRADE_TICK_DTYPE, got " +
                           std::string(py::str(requested)));
    }
  }

  bool push(py::handle value) {
    return std::visit(
        [&](auto& ring) {
          using T = typename std::decay_t<decltype(*ring)>::value_type;
          const T item = item_from_python<T>(value);
          return push_items(*ring, &item, 1) == 1;
        },
        ring_);
  }

  std::size_t push_many(const py::handle& items) {
    return std::visit(
        [&](auto& ring) {
          using T = typename std::decay_t<decltype(*ring)>::value_type;
          const auto array = checked_array<T>(items);
          return push_items(*ring, array.data(), static_cast<std::size_t>(array.size()));
        },
        ring_);
  }

  py::object pop() {
    return std::visit(
        [&](auto& ring) -> py::object {
          using T = typename std::decay_t<decltype(*ring)>::value_type;
          T item;
          if (!ring->try_pop(item)) return py::none();
          counters_.popped.fetch_add(1, std::memory_order_relaxed);
          return item_to_python(item);
        },
        ring_);
  }

  py::array pop_many(py::handle max_items, double timeout) {
    const std::size_t limit = count_argument(max_items, "max_items");
    if (!(timeout >= 0.0) || std::isinf(timeout)) {
      throw py::value_error("timeout must be a finite number of seconds >= 0, got " +
                            std::to_string(timeout));
    }
    return std::visit(
        [&](auto& ring) -> py::array {
          using T = typename std::decay_t<decltype(*ring)>::value_type;
          if (timeout > 0.0 && ring->empty()) wait_for_items(*ring, timeout);
          const std::size_t wanted = std::min(limit, ring->size());
          py::array_t<T> out(static_cast<py::ssize_t>(wanted));
          std::size_t taken = 0;
          {
            py::gil_scoped_release release;
            T* data = out.mutable_data();
            while (taken < wanted) {
              const std::size_t got = ring->try_pop_n(data + taken, wanted - taken);
              if (got == 0) break;
              taken += got;
            }
          }
          counters_.popped.fetch_add(taken, std::memory_order_relaxed);
          if (taken == wanted) return out;
          // Another consumer of an MpmcRing got there first.
          return out[py::slice(0, static_cast<py::ssize_t>(taken), 1)].attr("copy")();
        },
        ring_);
  }

  void close() noexcept {
    std::visit([](auto& ring) { ring->close(); }, ring_);
  }
  bool closed() const noexcept {
    return std::visit([](auto& ring) { return ring->closed(); }, ring_);
  }
  std::size_t size() const noexcept {
    return std::visit([](auto& ring) { return ring->size(); }, ring_);
  }
  std::size_t capacity() const noexcept {
    return std::visit([](auto& ring) { return ring->capacity(); }, ring_);
  }
  py::dtype dtype() const {
    return std::visit(
        [](auto& ring) {
          using T = typename std::decay_t<decltype(*ring)>::value_type;
          return py::dtype::of<T>();
        },
        ring_);
  }
  std::string overflow() const {
    switch (overflow_) {
      case Overflow::kBlock:
        return "block";
      case Overflow::kDropOldest:
        return "drop_oldest";
      case Overflow::kReject:
        break;
    }
    return "reject";
  }

  RingStatistics statistics() const {
    return {counters_.pushed.load(std::memory_order_relaxed),
            counters_.popped.load(std::memory_order_relaxed),
            counters_.rejected.load(std::memory_order_relaxed),
            counters_.dropped.load(std::memory_order_relaxed),
            counters_.high_water.load(std::memory_order_relaxed),
            size(),
            capacity()};
  }

 private:
  template <typename T>
  py::array_t<T> checked_array(const py::handle& items) const {
    if (!py::isinstance<py::array>(items)) {
      throw py::type_error("items must be a numpy array, got " + type_name(items));
    }
    const auto array = py::reinterpret_borrow<py::array>(items);
    if (!array.dtype().equal(py::dtype::of<T>())) {
      throw py::type_error("items must have dtype " + std::string(py::str(py::dtype::of<T>())) +
                           ", got " + std::string(py::str(array.dtype())));
    }
    if (array.ndim() != 1) {
      throw py::value_error("items must be one-dimensional, got ndim=" +
                            std::to_string(array.ndim()));
    }
    if (!(array.flags() & py::array::c_style)) {
      throw py::value_error("items must be C-contiguous; pass np.ascontiguousarray(items)");
    }
    return py::reinterpret_borrow<py::array_t<T>>(items);
  }

  // Applies the overflow policy to whatever the first attempt could not place.
  template <typename R, typename T>
  std::size_t push_items(R& ring, const T* items, std::size_t count) {
    std::size_t done;
    if (count > 1) {
      py::gil_scoped_release release;
      done = ring.try_push_n(items, count);
    } else {
      done = ring.try_push_n(items, count);
    }
    if (done < count) {
      switch (overflow_) {
        case Overflow::kReject:
          break;
        case Overflow::kBlock:
          done += blocking_push(ring, items + done, count - done);
          break;
        case Overflow::kDropOldest:
          done += drop_oldest_push(ring, items + done, count - done);
          break;
      }
    }
    counters_.pushed.fetch_add(done, std::memory_order_relaxed);
    counters_.rejected.fetch_add(count - done, std::memory_order_relaxed);
    counters_.observe_size(ring.size());
    return done;
  }

  template <typename R, typename T>
  std::size_t blocking_push(R& ring, const T* items, std::size_t count) {
    std::size_t done = 0;
    while (done < count && !ring.closed()) {
      {
        py::gil_scoped_release release;
        Backoff backoff;
        const auto until = std::chrono::steady_clock::now() + kSignalCheckInterval;
        while (done < count && !ring.closed() && std::chrono::steady_clock::now() < until) {
          const std::size_t placed = ring.try_push_n(items + done, count - done);
          done += placed;
          if (placed == 0) backoff.pause();
        }
      }
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
    return done;
  }

  template <typename R, typename T>
  std::size_t drop_oldest_push(R& ring, const T* items, std::size_t count) {
    std::vector<T> evicted(std::min(count, ring.capacity()));
    std::size_t done = 0;
    py::gil_scoped_release release;
    while (done < count) {
      const std::size_t placed = ring.try_push_n(items + done, count - done);
      done += placed;
      if (done == count) break;
      const std::size_t room = std::min(count - done, evicted.size());
      counters_.dropped.fetch_add(ring.try_pop_n(evicted.data(), room), std::memory_order_relaxed);
    }
    return done;
  }

  template <typename R>
  void wait_for_items(R& ring, double timeout) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(timeout));
    for (;;) {
      {
        py::gil_scoped_release release;
        Backoff backoff;
        const auto until = std::min(deadline, std::chrono::steady_clock::now() + kSignalCheckInterval);
        while (ring.empty() && !ring.closed() && std::chrono::steady_clock::now() < until) {
          backoff.pause();
        }
      }
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!ring.empty() || ring.closed() || std::chrono::steady_clock::now() >= deadline) return;
    }
  }

  std::variant<std::unique_ptr<Ring<double>>, std::unique_ptr<Ring<std::int64_t>>,
               std::unique_ptr<Ring<TradeTick>>>
      ring_;
  Overflow overflow_;
  RingCounters counters_;
};

template <template <typename> class Ring>
void define_ring(py::module_& m, const char* name, const char* doc) {
  using Wrapper = PyRing<Ring>;
  py::class_<Wrapper>(m, name, doc)
      .def(py::init<py::handle, const py::object&, const std::string&>(), py::arg("capacity"),
           py::arg("dtype") = py::dtype::of<double>(), py::arg("overflow") = "reject")
      .def("push", &Wrapper::push, py::arg("value"),
           "Push one item; False when it was rejected (full ring under overflow='reject').")
      .def("push_many", &Wrapper::push_many, py::arg("items"),
           "Push a 1-D C-contiguous array of the ring's dtype; returns how many were accepted.")
      .def("pop", &Wrapper::pop, "Pop the oldest item, or None when the ring is empty.")
      .def("pop_many", &Wrapper::pop_many, py::arg("max_items"), py::arg("timeout") = 0.0,
           "Pop up to max_items into a new array, waiting up to timeout seconds for the first.")
      .def("close", &Wrapper::close, "Release blocked pushes; queued items can still be popped.")
      .def_property_readonly("closed", &Wrapper::closed)
      .def_property_readonly("capacity", &Wrapper::capacity)
      .def_property_readonly("dtype", &Wrapper::dtype)
      .def_property_readonly("overflow", &Wrapper::overflow)
      .def("statistics", &Wrapper::statistics, "Counters since the ring was created.")
      .def("__len__", &Wrapper::size);
}

}  // namespace

void register_ring(py::module_& m) {
  register_market_dtypes();
  m.attr("TRADE_TICK_DTYPE") = py::dtype::of<TradeTick>();

  py::class_<RingStatistics>(m, "RingStatistics", "Counters of one ring")
      .def_readonly("pushed", &RingStatistics::pushed)
      .def_readonly("popped", &RingStatistics::popped)
      .def_readonly("rejected", &RingStatistics::rejected)
      .def_readonly("dropped", &RingStatistics::dropped)
      .def_readonly("high_water", &RingStatistics::high_water)
      .def_readonly("size", &RingStatistics::size)
      .def_readonly("capacity", &RingStatistics::capacity)
      .def("__repr__", [](const RingStatistics& s) {
        return "RingStatistics(pushed=" + std::to_string(s.pushed) +
               ", popped=" + std::to_string(s.popped) + ", rejected=" + std::to_string(s.rejected) +
               ", dropped=" + std::to_string(s.dropped) +
               ", high_water=" + std::to_string(s.high_water) + ", size=" + std::to_string(s.size) +
               ", capacity=" + std::to_string(s.capacity) + ")";
      });

  define_ring<SpscRing>(m, "SpscRing",
                        "Bounded lock-free ring for one producer thread and one consumer thread.");
  define_ring<MpmcRing>(m, "MpmcRing",
                        "Bounded lock-free ring for any number of producer and consumer threads.");
}

}  // namespace alphaforge::bindings
