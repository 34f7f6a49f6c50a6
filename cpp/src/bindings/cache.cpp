#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alphaforge/cache_clock.hpp"
#include "alphaforge/sharded_cache.hpp"
#include "arguments.hpp"
#include "cache_keys.hpp"
#include "float_cache.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

using Duration = std::chrono::nanoseconds;

std::optional<Duration> ttl_argument(py::handle value, const char* field) {
  if (value.is_none()) return std::nullopt;
  std::int64_t ttl_ns = 0;
  if (!parse_ttl_ns(value.ptr(), field, ttl_ns)) throw py::error_already_set();
  return Duration(ttl_ns);
}

std::size_t shards_argument(py::handle value) {
  return value.is_none() ? 0 : count_argument(value, "shards", 1);
}

CacheClock clock_argument(py::handle value) {
  if (value.is_none()) return {};
  if (!py::isinstance<ManualClock>(value)) {
    throw py::type_error("clock must be a ManualClock or None, got " + type_name(value));
  }
  return CacheClock(value.cast<std::shared_ptr<ManualClock>>());
}

py::object seconds_or_none(std::optional<Duration> ttl) {
  if (!ttl) return py::none();
  return py::float_(static_cast<double>(ttl->count()) * 1e-9);
}

std::string statistics_repr(const CacheStatistics& s) {
  return "CacheStatistics(hits=" + std::to_string(s.hits) + ", misses=" + std::to_string(s.misses) +
         ", puts=" + std::to_string(s.puts) + ", evictions=" + std::to_string(s.evictions) +
         ", expirations=" + std::to_string(s.expirations) + ", size=" + std::to_string(s.size) +
         ", max_size=" + std::to_string(s.max_size) + ")";
}

// ---------------------------------------------------------------------------------------------
// GenericCache: any Python value under a str or int key.

class GenericCache {
 public:
  GenericCache(py::handle max_size, py::handle ttl_seconds, py::handle shards, py::handle clock)
      : cache(count_argument(max_size, "max_size", 1), shards_argument(shards),
              ttl_argument(ttl_seconds, "ttl_seconds"), clock_argument(clock)) {}

  GenericCache(const GenericCache&) = delete;
  GenericCache& operator=(const GenericCache&) = delete;
  ~GenericCache() { clear(); }

  void clear() {
    ReleasedReferences released;
    cache.clear_retiring(released);
  }

  std::size_t purge_expired() {
    ReleasedReferences released;
    return cache.purge_expired_retiring(released);
  }

  bool remove(py::handle key_object) {
    ObjectKey key;
    if (!parse_object_key(key_object.ptr(), key)) throw py::error_already_set();
    ReleasedReferences released;
    return cache.erase_retiring(key, released);
  }

  void put_many(py::handle keys_in, py::handle values_in, py::handle ttl_seconds) {
    const auto ttl = ttl_argument(ttl_seconds, "ttl_seconds");
    const py::tuple keys = sequence_argument(keys_in, "keys");
    const py::tuple values = sequence_argument(values_in, "values");
    if (keys.size() != values.size()) {
      throw py::value_error("keys and values must have the same length, got " +
                            std::to_string(keys.size()) + " keys and " +
                            std::to_string(values.size()) + " values");
    }
    const std::vector<ObjectKey> parsed = parse_keys(keys);
    const std::int64_t ttl_ns = cache.ttl_argument(ttl);
    for (const ObjectKey& key : parsed) Py_XINCREF(key.object());
    for (std::size_t i = 0; i < parsed.size(); ++i) Py_INCREF(PyTuple_GET_ITEM(values.ptr(), i));
    ReleasedReferencesAndKeys released;
    cache.put_many_retiring(
        parsed.size(), [&](std::size_t i) -> const ObjectKey& { return parsed[i]; },
        [&](std::size_t i) { return PyTuple_GET_ITEM(values.ptr(), static_cast<Py_ssize_t>(i)); },
        ttl_ns, released);
  }

  py::list get_many(py::handle keys_in, py::handle default_value) {
    const py::tuple keys = sequence_argument(keys_in, "keys");
    const std::vector<ObjectKey> parsed = parse_keys(keys);
    py::list out(parsed.size());
    {
      ReleasedReferences released;
      cache.get_many_retiring(
          parsed.size(), [&](std::size_t i) -> const ObjectKey& { return parsed[i]; },
          [&](std::size_t i, PyObject* const& value) {
            Py_INCREF(value);
            PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), value);
          },
          [&](std::size_t i) {
            Py_INCREF(default_value.ptr());
            PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), default_value.ptr());
          },
          released);
    }
    return out;
  }

  ObjectCache cache;

 private:
  static py::tuple sequence_argument(py::handle value, const char* field) {
    if (!PyList_Check(value.ptr()) && !PyTuple_Check(value.ptr())) {
      throw py::type_error(std::string(field) + " must be a list or tuple, got " +
                           type_name(value));
    }
    // A tuple of our own: the caller's list could change while we work on it.
    return py::reinterpret_steal<py::tuple>(PySequence_Tuple(value.ptr()));
  }

  static std::vector<ObjectKey> parse_keys(const py::tuple& keys) {
    std::vector<ObjectKey> parsed(keys.size());
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      if (!parse_object_key(PyTuple_GET_ITEM(keys.ptr(), static_cast<Py_ssize_t>(i)),
                            parsed[i])) {
        throw py::error_already_set();
      }
    }
    return parsed;
  }
};

// The hot single-key calls bypass pybind11's dispatcher: they are METH_FASTCALL methods of the
// type itself, and __contains__/__len__ are its sq_contains/mp_length slots.

GenericCache* generic_of(PyObject* self) noexcept {
  auto* instance = reinterpret_cast<py::detail::instance*>(self);
  auto* cache = instance->get_value_and_holder().value_ptr<GenericCache>();
  if (cache == nullptr) {
    PyErr_SetString(PyExc_TypeError, "GenericCache.__init__ was not called");
  }
  return cache;
}

PyObject* generic_get(PyObject* self, PyObject* const* args, Py_ssize_t nargs) noexcept {
  GenericCache* owner = generic_of(self);
  if (owner == nullptr) return nullptr;
  if (nargs < 1 || nargs > 2) {
    PyErr_Format(PyExc_TypeError, "get() takes a key and an optional default (%zd given)", nargs);
    return nullptr;
  }
  ObjectKey key;
  if (!parse_object_key(args[0], key)) return nullptr;
  PyObject* found = nullptr;
  {
    ReleasedReferences released;
    owner->cache.get_retiring(
        key,
        [&](PyObject* const& value) {
          Py_INCREF(value);
          found = value;
        },
        released);
  }
  if (found != nullptr) return found;
  PyObject* fallback = nargs == 2 ? args[1] : Py_None;
  Py_INCREF(fallback);
  return fallback;
}

PyObject* generic_put(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                      PyObject* kwnames) noexcept {
  GenericCache* owner = generic_of(self);
  if (owner == nullptr) return nullptr;
  PyObject* ttl = nargs == 3 ? args[2] : nullptr;
  const Py_ssize_t keywords = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t i = 0; i < keywords; ++i) {
    PyObject* name = PyTuple_GET_ITEM(kwnames, i);
    if (ttl != nullptr || PyUnicode_CompareWithASCIIString(name, "ttl_seconds") != 0) {
      PyErr_Format(PyExc_TypeError, "put() got an unexpected or repeated keyword argument %R",
                   name);
      return nullptr;
    }
    ttl = args[nargs + i];
  }
  if (nargs < 2 || nargs > 3) {
    PyErr_Format(PyExc_TypeError,
                 "put() takes a key, a value and an optional ttl_seconds (%zd given)", nargs);
    return nullptr;
  }
  std::int64_t ttl_ns = 0;
  if (ttl == nullptr || ttl == Py_None) {
    ttl_ns = owner->cache.ttl_argument(std::nullopt);
  } else if (!parse_ttl_ns(ttl, "ttl_seconds", ttl_ns)) {
    return nullptr;
  }
  ObjectKey key;
  if (!parse_object_key(args[0], key)) return nullptr;
  PyObject* value = args[1];
  Py_INCREF(value);
  try {
    ReleasedReferences released;
    // The key is only kept when it is new; the caller's reference covers it until then.
    if (owner->cache.put_retiring(key, value, ttl_ns, released) == PutOutcome::kInserted) {
      Py_XINCREF(key.object());
    }
  } catch (const std::bad_alloc&) {
    Py_DECREF(value);
    return PyErr_NoMemory();
  }
  Py_RETURN_NONE;
}

PyObject* generic_remove(PyObject* self, PyObject* key_object) noexcept {
  GenericCache* owner = generic_of(self);
  if (owner == nullptr) return nullptr;
  ObjectKey key;
  if (!parse_object_key(key_object, key)) return nullptr;
  bool removed = false;
  {
    ReleasedReferences released;
    removed = owner->cache.erase_retiring(key, released);
  }
  return PyBool_FromLong(removed ? 1 : 0);
}

int generic_contains(PyObject* self, PyObject* key_object) noexcept {
  GenericCache* owner = generic_of(self);
  if (owner == nullptr) return -1;
  ObjectKey key;
  if (!parse_object_key(key_object, key)) return -1;
  return owner->cache.contains(key) ? 1 : 0;
}

Py_ssize_t generic_length(PyObject* self) noexcept {
  GenericCache* owner = generic_of(self);
  if (owner == nullptr) return -1;
  return static_cast<Py_ssize_t>(owner->cache.size());
}

// The cache owns references, so it takes part in cycle collection: a value that refers back to
// its cache is collected with it.
int generic_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  auto* instance = reinterpret_cast<py::detail::instance*>(self);
  auto* owner = instance->get_value_and_holder().value_ptr<GenericCache>();
  if (owner == nullptr) return 0;
  int result = 0;
  owner->cache.visit([&](const ObjectKey& key, PyObject* const& value) {
    if (result == 0 && key.object() != nullptr) result = visit(key.object(), arg);
    if (result == 0) result = visit(value, arg);
  });
  return result;
}

int generic_clear(PyObject* self) {
  auto* instance = reinterpret_cast<py::detail::instance*>(self);
  auto* owner = instance->get_value_and_holder().value_ptr<GenericCache>();
  if (owner != nullptr) owner->clear();
  return 0;
}

template <typename F>
PyCFunction as_cfunction(F* function) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(function));
}

PyMethodDef generic_methods[] = {
    {"get", as_cfunction(&generic_get), METH_FASTCALL,
     "get(key, default=None, /)\n--\n\nThe value under key (refreshing its recency), or default "
     "when it is missing or expired."},
    {"put", as_cfunction(&generic_put), METH_FASTCALL | METH_KEYWORDS,
     "put(key, value, ttl_seconds=None)\n--\n\nStore value under key; ttl_seconds overrides the "
     "cache's default TTL for this entry."},
    {"remove", as_cfunction(&generic_remove), METH_O,
     "remove(key, /)\n--\n\nRemove key; True when a live entry was removed."},
    {nullptr, nullptr, 0, nullptr},
};

void setup_generic_type(PyHeapTypeObject* heap_type) {
  PyTypeObject* type = &heap_type->ht_type;
  type->tp_flags |= Py_TPFLAGS_HAVE_GC;
  type->tp_traverse = generic_traverse;
  type->tp_clear = generic_clear;
  type->tp_methods = generic_methods;
  heap_type->as_sequence.sq_contains = generic_contains;
  heap_type->as_sequence.sq_length = generic_length;
  heap_type->as_mapping.mp_length = generic_length;
}

// ---------------------------------------------------------------------------------------------
// FloatCache keys and values.

std::string_view str_key(py::handle key) {
  if (!PyUnicode_Check(key.ptr())) {
    throw py::type_error("key must be str for a FloatCache with key_type=str, got " +
                         type_name(key));
  }
  Py_ssize_t length = 0;
  const char* data = PyUnicode_AsUTF8AndSize(key.ptr(), &length);
  if (data == nullptr) throw py::error_already_set();
  return {data, static_cast<std::size_t>(length)};
}

std::int64_t int_key(py::handle key) {
  ObjectKey parsed;
  if (PyUnicode_Check(key.ptr())) {
    throw py::type_error("key must be int for a FloatCache with key_type=int, got str");
  }
  if (!parse_object_key(key.ptr(), parsed)) throw py::error_already_set();
  return parsed.number();
}

double float_value(py::handle value) {
  if (PyBool_Check(value.ptr()) || !(PyFloat_Check(value.ptr()) || PyLong_Check(value.ptr()))) {
    throw py::type_error("value must be a float, got " + type_name(value));
  }
  const double number = PyFloat_AsDouble(value.ptr());
  if (number == -1.0 && PyErr_Occurred()) throw py::error_already_set();
  return number;
}

template <typename T>
py::array_t<T> array_argument(py::handle value, const char* field, const char* dtype) {
  const bool is_array = py::isinstance<py::array>(value);
  const py::object dtype_of = is_array ? py::object(value.attr("dtype")) : py::none();
  if (!is_array || !py::reinterpret_borrow<py::dtype>(dtype_of).equal(py::dtype::of<T>())) {
    const std::string got =
        is_array ? "array of " + std::string(py::str(dtype_of)) : type_name(value);
    throw py::type_error(std::string(field) + " must be a numpy " + dtype +
                         " array (np.asarray(" + field + ", dtype=np." + dtype + ")), got " + got);
  }
  const auto array = py::reinterpret_borrow<py::array>(value);
  if (array.ndim() != 1) {
    throw py::value_error(std::string(field) + " must be one-dimensional, got ndim=" +
                          std::to_string(array.ndim()));
  }
  // A contiguous copy if needed, so the GIL-free loop reads plain memory.
  return py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(value);
}

// The text of every key in a list or tuple of str, with a tuple of our own keeping them alive
// while the GIL is released.
struct StrKeys {
  py::tuple holder;
  std::vector<std::string_view> views;
};

StrKeys str_keys(py::handle keys) {
  if (!PyList_Check(keys.ptr()) && !PyTuple_Check(keys.ptr())) {
    throw py::type_error("keys must be a list or tuple of str for key_type=str, got " +
                         type_name(keys));
  }
  StrKeys out{py::reinterpret_steal<py::tuple>(PySequence_Tuple(keys.ptr())), {}};
  out.views.reserve(out.holder.size());
  for (py::handle key : out.holder) out.views.push_back(str_key(key));
  return out;
}

void check_lengths(std::size_t keys, std::size_t values) {
  if (keys != values) {
    throw py::value_error("keys and values must have the same length, got " +
                          std::to_string(keys) + " keys and " + std::to_string(values) +
                          " values");
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FloatCache

FloatCache::FloatCache(py::handle max_size, py::handle ttl_seconds, py::handle shards,
                       py::handle key_type, py::handle clock) {
  const std::size_t entries = count_argument(max_size, "max_size", 1);
  const auto ttl = ttl_argument(ttl_seconds, "ttl_seconds");
  const std::size_t shard_count = shards_argument(shards);
  CacheClock cache_clock = clock_argument(clock);
  if (key_type.is(py::handle(reinterpret_cast<PyObject*>(&PyUnicode_Type)))) {
    cache_ = std::make_shared<StrFloatCache>(entries, shard_count, ttl, std::move(cache_clock));
  } else if (key_type.is(py::handle(reinterpret_cast<PyObject*>(&PyLong_Type)))) {
    cache_ = std::make_shared<IntFloatCache>(entries, shard_count, ttl, std::move(cache_clock));
  } else {
    throw py::type_error("key_type must be str or int, got " + std::string(py::repr(key_type)));
  }
}

std::shared_ptr<StrFloatCache> FloatCache::str_cache() const noexcept {
  const auto* cache = std::get_if<std::shared_ptr<StrFloatCache>>(&cache_);
  return cache == nullptr ? nullptr : *cache;
}

std::shared_ptr<IntFloatCache> FloatCache::int_cache() const noexcept {
  const auto* cache = std::get_if<std::shared_ptr<IntFloatCache>>(&cache_);
  return cache == nullptr ? nullptr : *cache;
}

void FloatCache::put(py::handle key, py::handle value, py::handle ttl_seconds) {
  const auto ttl = ttl_argument(ttl_seconds, "ttl_seconds");
  const double number = float_value(value);
  std::visit(
      [&](auto& cache) {
        using Cache = std::decay_t<decltype(*cache)>;
        const std::int64_t ttl_ns = cache->ttl_argument(ttl);
        RetiredEntry<typename Cache::key_type, double> retired;
        if constexpr (std::is_same_v<Cache, StrFloatCache>) {
          cache->put_retiring(std::string(str_key(key)), number, ttl_ns, retired);
        } else {
          cache->put_retiring(int_key(key), number, ttl_ns, retired);
        }
      },
      cache_);
}

py::object FloatCache::get(py::handle key, py::handle default_value) {
  std::optional<double> found;
  std::visit(
      [&](auto& cache) {
        if constexpr (std::is_same_v<std::decay_t<decltype(*cache)>, StrFloatCache>) {
          found = cache->get(str_key(key));
        } else {
          found = cache->get(int_key(key));
        }
      },
      cache_);
  if (found) return py::float_(*found);
  return py::reinterpret_borrow<py::object>(default_value);
}

bool FloatCache::contains(py::handle key) const {
  return std::visit(
      [&](const auto& cache) {
        if constexpr (std::is_same_v<std::decay_t<decltype(*cache)>, StrFloatCache>) {
          return cache->contains(str_key(key));
        } else {
          return cache->contains(int_key(key));
        }
      },
      cache_);
}

bool FloatCache::remove(py::handle key) {
  return std::visit(
      [&](auto& cache) {
        if constexpr (std::is_same_v<std::decay_t<decltype(*cache)>, StrFloatCache>) {
          return cache->erase(str_key(key));
        } else {
          return cache->erase(int_key(key));
        }
      },
      cache_);
}

void FloatCache::put_many(py::handle keys, py::handle values, py::handle ttl_seconds) {
  const auto ttl = ttl_argument(ttl_seconds, "ttl_seconds");
  const auto numbers = array_argument<double>(values, "values", "float64");
  const double* data = numbers.data();
  std::visit(
      [&](auto& cache) {
        using Cache = std::decay_t<decltype(*cache)>;
        const std::int64_t ttl_ns = cache->ttl_argument(ttl);
        RetiredEntries<typename Cache::key_type, double> retired;
        if constexpr (std::is_same_v<Cache, StrFloatCache>) {
          const StrKeys text = str_keys(keys);
          check_lengths(text.views.size(), static_cast<std::size_t>(numbers.size()));
          py::gil_scoped_release release;
          cache->put_many_retiring(
              text.views.size(), [&](std::size_t i) { return text.views[i]; },
              [&](std::size_t i) { return data[i]; }, ttl_ns, retired);
        } else {
          const auto ids = array_argument<std::int64_t>(keys, "keys", "int64");
          check_lengths(static_cast<std::size_t>(ids.size()),
                        static_cast<std::size_t>(numbers.size()));
          const std::int64_t* id = ids.data();
          py::gil_scoped_release release;
          cache->put_many_retiring(
              static_cast<std::size_t>(ids.size()), [&](std::size_t i) { return id[i]; },
              [&](std::size_t i) { return data[i]; }, ttl_ns, retired);
        }
      },
      cache_);
}

py::object FloatCache::get_many(py::handle keys, bool with_mask) {
  return std::visit(
      [&](auto& cache) -> py::object {
        using Cache = std::decay_t<decltype(*cache)>;
        auto lookup = [&](std::size_t count, auto&& key_at) -> py::object {
          py::array_t<double> out(static_cast<py::ssize_t>(count));
          // The mask only when asked for: NaN marks a miss otherwise.
          py::array_t<bool> found(static_cast<py::ssize_t>(with_mask ? count : 0));
          double* values = out.mutable_data();
          bool* mask = found.mutable_data();
          {
            RetiredEntries<typename Cache::key_type, double> retired;
            py::gil_scoped_release release;
            cache->get_many_retiring(
                count, key_at,
                [&](std::size_t i, const double& value) {
                  values[i] = value;
                  if (with_mask) mask[i] = true;
                },
                [&](std::size_t i) {
                  values[i] = std::numeric_limits<double>::quiet_NaN();
                  if (with_mask) mask[i] = false;
                },
                retired);
          }
          if (with_mask) return py::make_tuple(out, found);
          return out;
        };
        if constexpr (std::is_same_v<Cache, StrFloatCache>) {
          const StrKeys text = str_keys(keys);
          return lookup(text.views.size(), [&](std::size_t i) { return text.views[i]; });
        } else {
          const auto ids = array_argument<std::int64_t>(keys, "keys", "int64");
          const std::int64_t* id = ids.data();
          return lookup(static_cast<std::size_t>(ids.size()),
                        [&](std::size_t i) { return id[i]; });
        }
      },
      cache_);
}

std::size_t FloatCache::purge_expired() {
  return std::visit([](auto& cache) { return cache->purge_expired(); }, cache_);
}

void FloatCache::clear() {
  std::visit([](auto& cache) { cache->clear(); }, cache_);
}

std::size_t FloatCache::size() const {
  return std::visit([](const auto& cache) { return cache->size(); }, cache_);
}

CacheStatistics FloatCache::statistics() const {
  return std::visit([](const auto& cache) { return cache->statistics(); }, cache_);
}

std::size_t FloatCache::max_size() const {
  return std::visit([](const auto& cache) { return cache->max_size(); }, cache_);
}

std::size_t FloatCache::shard_count() const {
  return std::visit([](const auto& cache) { return cache->shard_count(); }, cache_);
}

py::object FloatCache::ttl_seconds() const {
  return std::visit([](const auto& cache) { return seconds_or_none(cache->default_ttl()); },
                    cache_);
}

py::object FloatCache::key_type() const {
  PyTypeObject* type = str_cache() ? &PyUnicode_Type : &PyLong_Type;
  return py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(type));
}

void register_cache(py::module_& m) {
  py::class_<ManualClock, std::shared_ptr<ManualClock>>(
      m, "ManualClock", "A monotonic clock that moves only when advanced; drives cache TTLs.")
      .def(py::init([](py::handle start_seconds) {
             std::int64_t start_ns = 0;
             if (!start_seconds.is_none()) {
               const double seconds = float_value(start_seconds);
               if (!std::isfinite(seconds) || std::fabs(seconds) >= 9.2e9) {
                 throw py::value_error("start_seconds must be finite and below 9.2e9, got " +
                                       std::string(py::repr(start_seconds)));
               }
               start_ns = std::llround(seconds * 1e9);
             }
             return std::make_shared<ManualClock>(start_ns);
           }),
           py::arg("start_seconds") = py::none())
      .def(
          "advance",
          [](ManualClock& clock, py::handle seconds) {
            const double step = float_value(seconds);
            if (!(step >= 0.0) || !std::isfinite(step) || step >= 9.2e9) {
              throw py::value_error("seconds must be finite, >= 0 and below 9.2e9, got " +
                                    std::string(py::repr(seconds)));
            }
            clock.advance(Duration(std::llround(step * 1e9)));
          },
          py::arg("seconds"), "Move the clock forward by `seconds` (>= 0).")
      .def(
          "now",
          [](const ManualClock& clock) { return static_cast<double>(clock.now_ns()) * 1e-9; },
          "Current reading in seconds.")
      .def_property_readonly("now_ns", &ManualClock::now_ns);

  py::class_<CacheStatistics>(m, "CacheStatistics", "Counters of one cache since it was created")
      .def_readonly("hits", &CacheStatistics::hits)
      .def_readonly("misses", &CacheStatistics::misses)
      .def_readonly("puts", &CacheStatistics::puts)
      .def_readonly("evictions", &CacheStatistics::evictions)
      .def_readonly("expirations", &CacheStatistics::expirations)
      .def_readonly("size", &CacheStatistics::size)
      .def_readonly("max_size", &CacheStatistics::max_size)
      .def_property_readonly("total_operations", &CacheStatistics::total_operations)
      .def_property_readonly("hit_ratio", &CacheStatistics::hit_ratio)
      .def("__repr__", &statistics_repr);

  py::class_<GenericCache>(m, "GenericCache", py::is_final(),
                           py::custom_type_setup(&setup_generic_type),
                           "Thread-safe sharded LRU cache with per-entry TTL for any Python value "
                           "under a str or int key.")
      .def(py::init<py::handle, py::handle, py::handle, py::handle>(), py::arg("max_size"),
           py::arg("ttl_seconds") = py::none(), py::arg("shards") = py::none(),
           py::arg("clock") = py::none())
      .def("put_many", &GenericCache::put_many, py::arg("keys"), py::arg("values"),
           py::arg("ttl_seconds") = py::none(), "Store values[i] under keys[i], in order.")
      .def("get_many", &GenericCache::get_many, py::arg("keys"), py::arg("default") = py::none(),
           "A list with the value of each key, or default where it is missing or expired.")
      .def("clear", &GenericCache::clear, "Remove every entry (statistics are kept).")
      .def("purge_expired", &GenericCache::purge_expired,
           "Reclaim every expired entry now; returns how many.")
      .def(
          "statistics",
          [](const GenericCache& self) { return self.cache.statistics(); },
          "Counters since the cache was created.")
      .def_property_readonly("max_size",
                             [](const GenericCache& self) { return self.cache.max_size(); })
      .def_property_readonly("shards",
                             [](const GenericCache& self) { return self.cache.shard_count(); })
      .def_property_readonly(
          "ttl_seconds",
          [](const GenericCache& self) { return seconds_or_none(self.cache.default_ttl()); })
      .def("__repr__", [](const GenericCache& self) {
        return "GenericCache(max_size=" + std::to_string(self.cache.max_size()) +
               ", size=" + std::to_string(self.cache.size()) +
               ", shards=" + std::to_string(self.cache.shard_count()) +
               ", ttl_seconds=" + std::string(py::repr(seconds_or_none(self.cache.default_ttl()))) +
               ")";
      });

  py::class_<FloatCache>(m, "FloatCache",
                         "Thread-safe sharded LRU cache of float64 values under str or int64 keys, "
                         "with numpy batches that release the GIL.")
      .def(py::init<py::handle, py::handle, py::handle, py::handle, py::handle>(),
           py::arg("max_size"), py::arg("ttl_seconds") = py::none(),
           py::arg("shards") = py::none(),
           py::arg("key_type") = py::reinterpret_borrow<py::object>(
               reinterpret_cast<PyObject*>(&PyUnicode_Type)),
           py::arg("clock") = py::none())
      .def("put", &FloatCache::put, py::arg("key"), py::arg("value"),
           py::arg("ttl_seconds") = py::none(), "Store a float under key.")
      .def("get", &FloatCache::get, py::arg("key"), py::arg("default") = py::none(),
           "The float under key, or default when it is missing or expired.")
      .def("remove", &FloatCache::remove, py::arg("key"),
           "Remove key; True when a live entry was removed.")
      .def("put_many", &FloatCache::put_many, py::arg("keys"), py::arg("values"),
           py::arg("ttl_seconds") = py::none(),
           "Store a float64 array under keys (list/tuple of str, or an int64 array).")
      .def(
          "get_many", [](FloatCache& self, py::handle keys) { return self.get_many(keys, false); },
          py::arg("keys"), "A float64 array of the values of keys, NaN where missing.")
      .def(
          "get_many_with_mask",
          [](FloatCache& self, py::handle keys) { return self.get_many(keys, true); },
          py::arg("keys"), "(values, found): NaN and False where a key is missing.")
      .def("clear", &FloatCache::clear, "Remove every entry (statistics are kept).")
      .def("purge_expired", &FloatCache::purge_expired,
           "Reclaim every expired entry now; returns how many.")
      .def("statistics", &FloatCache::statistics, "Counters since the cache was created.")
      .def("__contains__", &FloatCache::contains)
      .def("__len__", &FloatCache::size)
      .def_property_readonly("max_size", &FloatCache::max_size)
      .def_property_readonly("shards", &FloatCache::shard_count)
      .def_property_readonly("ttl_seconds", &FloatCache::ttl_seconds)
      .def_property_readonly("key_type", &FloatCache::key_type)
      .def("__repr__", [](const FloatCache& self) {
        return "FloatCache(max_size=" + std::to_string(self.max_size()) +
               ", size=" + std::to_string(self.size()) +
               ", shards=" + std::to_string(self.shard_count()) +
               ", ttl_seconds=" + std::string(py::repr(self.ttl_seconds())) +
               ", key_type=" + std::string(py::str(self.key_type().attr("__name__"))) + ")";
      });
}

}  // namespace alphaforge::bindings
