#pragma once

// Python keys and references for the caches: parsing with Python's own hash, and the sink that
// releases references only once the shard lock is gone.

#include <pybind11/pybind11.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "alphaforge/sharded_cache.hpp"

namespace alphaforge::bindings {

// A str or an int64. Inside the cache `text` is a strong reference; a lookup key borrows it.
struct ObjectKey {
  PyObject* text = nullptr;
  std::int64_t number = 0;
};

// Python's own str hash, cached in the str object (str's hash even for a subclass that
// overrides __hash__, since keys compare by content); ints are mixed, as hash(n) == n.
// parse_object_key has computed it, so it is read from the object's cache.
struct ObjectKeyHash {
  std::uint64_t operator()(const ObjectKey& key) const noexcept {
    if (key.text == nullptr) return mix64(static_cast<std::uint64_t>(key.number));
    return static_cast<std::uint64_t>(reinterpret_cast<const PyASCIIObject*>(key.text)->hash);
  }
};

// Content equality without calling into Python: equal str have the same kind (PEP 393), so
// their code units compare byte for byte.
struct ObjectKeyEqual {
  bool operator()(const ObjectKey& a, const ObjectKey& b) const noexcept {
    if (a.text == nullptr || b.text == nullptr) return a.text == b.text && a.number == b.number;
    if (a.text == b.text) return true;
    const Py_ssize_t length = PyUnicode_GET_LENGTH(a.text);
    const int kind = PyUnicode_KIND(a.text);
    return length == PyUnicode_GET_LENGTH(b.text) && kind == PyUnicode_KIND(b.text) &&
           std::memcmp(PyUnicode_DATA(a.text), PyUnicode_DATA(b.text),
                       static_cast<std::size_t>(length) * static_cast<std::size_t>(kind)) == 0;
  }
};

using ObjectCache = ShardedCache<ObjectKey, PyObject*, ObjectKeyHash, ObjectKeyEqual>;

inline const char* python_type_name(PyObject* value) noexcept { return Py_TYPE(value)->tp_name; }

// Fills `key` from a str or int; otherwise sets TypeError/ValueError naming the key and returns
// false. The str's hash is computed (and cached by Python) here, so ObjectKeyHash cannot fail.
inline bool parse_object_key(PyObject* value, ObjectKey& key) noexcept {
  if (PyUnicode_Check(value)) {
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(value) != 0) return false;  // legacy strings are gone from 3.12 on
#endif
    if (reinterpret_cast<const PyASCIIObject*>(value)->hash == -1 &&
        PyUnicode_Type.tp_hash(value) == -1 && PyErr_Occurred()) {
      return false;
    }
    key.text = value;
    return true;
  }
  if (PyLong_Check(value) && !PyBool_Check(value)) {
    int overflow = 0;
    const long long number = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow != 0) {
      PyErr_Format(PyExc_ValueError, "key must fit in a signed 64-bit integer, got %R", value);
      return false;
    }
    if (number == -1 && PyErr_Occurred()) return false;
    key.text = nullptr;
    key.number = number;
    return true;
  }
  PyErr_Format(PyExc_TypeError, "key must be str or int, got %s", python_type_name(value));
  return false;
}

// Seconds (int or float, > 0, finite) to nanoseconds; sets a Python error and returns false
// otherwise. `field` names the argument in the message.
inline bool parse_ttl_ns(PyObject* value, const char* field, std::int64_t& ttl_ns) noexcept {
  if (PyBool_Check(value) || !(PyFloat_Check(value) || PyLong_Check(value))) {
    PyErr_Format(PyExc_TypeError, "%s must be a number of seconds or None, got %s", field,
                 python_type_name(value));
    return false;
  }
  const double seconds = PyFloat_AsDouble(value);
  if (seconds == -1.0 && PyErr_Occurred()) return false;
  if (!(seconds > 0.0) || !std::isfinite(seconds)) {
    PyErr_Format(PyExc_ValueError, "%s must be a finite number of seconds > 0, got %R", field,
                 value);
    return false;
  }
  const double nanoseconds = seconds * 1e9;
  if (nanoseconds >= 9.2e18) {
    PyErr_Format(PyExc_ValueError, "%s must be below 9.2e9 seconds, got %R", field, value);
    return false;
  }
  ttl_ns = std::max<std::int64_t>(1, std::llround(nanoseconds));
  return true;
}

// References that left the cache during one call, released when the call is over: after the
// shard lock is dropped, since a release may run a __del__ that uses the cache again.
class ReleasedReferences {
 public:
  ReleasedReferences() = default;
  ReleasedReferences(const ReleasedReferences&) = delete;
  ReleasedReferences& operator=(const ReleasedReferences&) = delete;
  ~ReleasedReferences() {
    for (std::size_t i = 0; i < inline_count_; ++i) Py_DECREF(inline_[i]);
    for (PyObject* object : overflow_) Py_DECREF(object);
  }

  void retire_entry(ObjectKey&& key, PyObject*&& value) {
    add(key.text);
    add(value);
  }
  void retire_value(PyObject*&& value) { add(value); }

 protected:
  void add(PyObject* object) {
    if (object == nullptr) return;
    if (inline_count_ < inline_.size()) {
      inline_[inline_count_++] = object;
    } else {
      overflow_.push_back(object);
    }
  }

 private:
  // A single-key call releases at most a key and a value: no allocation on the hot path.
  std::array<PyObject*, 4> inline_{};
  std::size_t inline_count_ = 0;
  std::vector<PyObject*> overflow_;
};

// For batches that take a reference to every key up front: the new key of a put that replaced
// an equal held key is released too.
class ReleasedReferencesAndKeys : public ReleasedReferences {
 public:
  void retire_key(ObjectKey&& key) { add(key.text); }
};

}  // namespace alphaforge::bindings
