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

// A str or an int64 in one word, so a cache entry fits in 32 bytes. A str is its pointer; an
// int is (n << 1) | 1 when it fits in 62 bits and otherwise a pointer to the int object, so
// each number has one form. Inside the cache a pointer is a strong reference; a lookup key
// borrows it.
struct ObjectKey {
  static constexpr std::int64_t kInlineLimit = std::int64_t{1} << 61;

  std::uintptr_t bits = 0;

  [[nodiscard]] bool is_inline_int() const noexcept { return (bits & 1U) != 0; }
  // The str or int object held, or null for an inline int.
  [[nodiscard]] PyObject* object() const noexcept {
    return is_inline_int() ? nullptr : reinterpret_cast<PyObject*>(bits);
  }
  [[nodiscard]] bool is_text() const noexcept {
    return !is_inline_int() && PyUnicode_Check(object());
  }
  // The number of an int key (an int object's was range-checked when it was parsed).
  [[nodiscard]] std::int64_t number() const noexcept {
    if (is_inline_int()) return static_cast<std::int64_t>(bits) >> 1;
    return PyLong_AsLongLong(object());
  }
};

// Python's own str hash, cached in the str object (str's hash even for a subclass that
// overrides __hash__, since keys compare by content); ints are mixed, as hash(n) == n.
// parse_object_key has computed a str's hash, so it is read from the object's cache.
struct ObjectKeyHash {
  std::uint64_t operator()(const ObjectKey& key) const noexcept {
    if (key.is_text()) {
      return static_cast<std::uint64_t>(reinterpret_cast<const PyASCIIObject*>(key.bits)->hash);
    }
    return mix64(static_cast<std::uint64_t>(key.number()));
  }
};

// Content equality without calling into Python: equal str have the same kind (PEP 393), so
// their code units compare byte for byte. A number has one form, so an inline int equals only
// its own bits.
struct ObjectKeyEqual {
  bool operator()(const ObjectKey& a, const ObjectKey& b) const noexcept {
    if (a.bits == b.bits) return true;
    if (a.is_inline_int() || b.is_inline_int()) return false;
    PyObject* x = a.object();
    PyObject* y = b.object();
    const bool x_text = PyUnicode_Check(x);
    if (x_text != static_cast<bool>(PyUnicode_Check(y))) return false;
    if (!x_text) return PyLong_AsLongLong(x) == PyLong_AsLongLong(y);
    const Py_ssize_t length = PyUnicode_GET_LENGTH(x);
    const int kind = PyUnicode_KIND(x);
    return length == PyUnicode_GET_LENGTH(y) && kind == PyUnicode_KIND(y) &&
           std::memcmp(PyUnicode_DATA(x), PyUnicode_DATA(y),
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
    key.bits = reinterpret_cast<std::uintptr_t>(value);
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
    if (number >= -ObjectKey::kInlineLimit && number < ObjectKey::kInlineLimit) {
      key.bits = (static_cast<std::uintptr_t>(number) << 1) | 1U;
    } else {
      key.bits = reinterpret_cast<std::uintptr_t>(value);
    }
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
    add(key.object());
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
  void retire_key(ObjectKey&& key) { add(key.object()); }
};

}  // namespace alphaforge::bindings
