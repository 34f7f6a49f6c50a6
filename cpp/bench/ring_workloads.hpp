#pragma once

// Ring workloads shared by the google-benchmark binary and `alphaforge bench rings`, so both
// measure exactly the same thing. Every queue is wrapped in an adapter with one interface.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "alphaforge/mpmc_ring.hpp"
#include "alphaforge/platform.hpp"
#include "alphaforge/spsc_ring.hpp"

#if ALPHAFORGE_HAVE_BOOST
#include <boost/lockfree/queue.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#endif
#if ALPHAFORGE_HAVE_RWQ
#include <readerwriterqueue/readerwriterqueue.h>
#endif
#if ALPHAFORGE_HAVE_CQ
#include <concurrentqueue/concurrentqueue.h>
#endif

namespace alphaforge::bench {

// A 64-byte record, the size of a full market-data event.
struct Tick64 {
  std::uint64_t sequence;
  std::uint64_t producer;
  double payload[6];
};

inline std::uint64_t make_u64(std::uint64_t producer, std::uint64_t sequence) {
  return (producer << 48) | sequence;
}

template <typename T>
T make_item(std::uint64_t producer, std::uint64_t sequence) {
  if constexpr (std::is_same_v<T, Tick64>) {
    return Tick64{sequence, producer, {}};
  } else {
    return make_u64(producer, sequence);
  }
}

template <typename T>
std::uint64_t producer_of(const T& item) {
  if constexpr (std::is_same_v<T, Tick64>) {
    return item.producer;
  } else {
    return item >> 48;
  }
}

template <typename T>
std::uint64_t sequence_of(const T& item) {
  if constexpr (std::is_same_v<T, Tick64>) {
    return item.sequence;
  } else {
    return item & ((std::uint64_t{1} << 48) - 1);
  }
}

template <typename T>
struct SpscRingQueue {
  static constexpr const char* kName = "alphaforge::SpscRing";
  static constexpr bool kMultiProducer = false;
  static constexpr bool kBulk = true;
  explicit SpscRingQueue(std::size_t capacity) : ring(capacity) {}
  bool try_push(const T& v) { return ring.try_push(v); }
  bool try_pop(T& v) { return ring.try_pop(v); }
  std::size_t push_n(const T* v, std::size_t n) { return ring.try_push_n(v, n); }
  std::size_t pop_n(T* v, std::size_t n) { return ring.try_pop_n(v, n); }
  SpscRing<T> ring;
};

template <typename T>
struct MpmcRingQueue {
  static constexpr const char* kName = "alphaforge::MpmcRing";
  static constexpr bool kMultiProducer = true;
  static constexpr bool kBulk = true;
  explicit MpmcRingQueue(std::size_t capacity) : ring(capacity) {}
  bool try_push(const T& v) { return ring.try_push(v); }
  bool try_pop(T& v) { return ring.try_pop(v); }
  std::size_t push_n(const T* v, std::size_t n) { return ring.try_push_n(v, n); }
  std::size_t pop_n(T* v, std::size_t n) { return ring.try_pop_n(v, n); }
  MpmcRing<T> ring;
};

#if ALPHAFORGE_HAVE_BOOST
template <typename T>
struct BoostSpscQueue {
  static constexpr const char* kName = "boost::lockfree::spsc_queue";
  static constexpr bool kMultiProducer = false;
  static constexpr bool kBulk = true;
  explicit BoostSpscQueue(std::size_t capacity) : queue(capacity) {}
  bool try_push(const T& v) { return queue.push(v); }
  bool try_pop(T& v) { return queue.pop(v); }
  std::size_t push_n(const T* v, std::size_t n) { return queue.push(v, n); }
  std::size_t pop_n(T* v, std::size_t n) { return queue.pop(v, n); }
  boost::lockfree::spsc_queue<T> queue;
};

template <typename T>
struct BoostMpmcQueue {
  static constexpr const char* kName = "boost::lockfree::queue";
  static constexpr bool kMultiProducer = true;
  static constexpr bool kBulk = false;
  explicit BoostMpmcQueue(std::size_t capacity) : queue(capacity) {}
  bool try_push(const T& v) { return queue.bounded_push(v); }
  bool try_pop(T& v) { return queue.pop(v); }
  boost::lockfree::queue<T> queue;
};
#endif

#if ALPHAFORGE_HAVE_RWQ
template <typename T>
struct MoodycamelSpscQueue {
  static constexpr const char* kName = "moodycamel::ReaderWriterQueue";
  static constexpr bool kMultiProducer = false;
  static constexpr bool kBulk = false;
  explicit MoodycamelSpscQueue(std::size_t capacity) : queue(capacity) {}
  bool try_push(const T& v) { return queue.try_enqueue(v); }
  bool try_pop(T& v) { return queue.try_dequeue(v); }
  moodycamel::ReaderWriterQueue<T> queue;
};
#endif

#if ALPHAFORGE_HAVE_CQ
template <typename T>
struct MoodycamelMpmcQueue {
  static constexpr const char* kName = "moodycamel::ConcurrentQueue";
  static constexpr bool kMultiProducer = true;
  static constexpr bool kBulk = false;
  explicit MoodycamelMpmcQueue(std::size_t capacity) : queue(capacity) {}
  bool try_push(const T& v) { return queue.try_enqueue(v); }
  bool try_pop(T& v) { return queue.try_dequeue(v); }
  moodycamel::ConcurrentQueue<T> queue;
};
#endif

struct TransferResult {
  double seconds;
  std::uint64_t out_of_order;  // items a consumer saw twice or out of its producer's order
};

// `producers` threads push `items` in total, `consumers` threads pop them all; each consumer
// checks that every producer's items reach it in order. `batch` > 1 uses bulk push and pop.
template <template <typename> class Queue, typename T>
TransferResult transfer(std::size_t items, std::size_t capacity, std::size_t batch,
                        unsigned producers = 1, unsigned consumers = 1) {
  if ((producers > 1 || consumers > 1) && !Queue<T>::kMultiProducer) {
    throw std::invalid_argument("this queue takes one producer and one consumer");
  }
  if (batch > 1 && !Queue<T>::kBulk) {
    throw std::invalid_argument("this queue has no bulk push and pop");
  }
  Queue<T> queue(capacity);
  std::atomic<unsigned> ready{0};
  std::atomic<bool> go{false};
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> out_of_order{0};
  const std::size_t per_producer = items / producers;
  const std::uint64_t total = per_producer * producers;

  auto wait_for_start = [&] {
    ready.fetch_add(1, std::memory_order_acq_rel);
    while (!go.load(std::memory_order_acquire)) cpu_relax();
  };

  auto produce = [&](std::uint64_t id) {
    wait_for_start();
    if (batch <= 1) {
      for (std::uint64_t i = 0; i < per_producer; ++i) {
        const T item = make_item<T>(id, i);
        while (!queue.try_push(item)) cpu_relax();
      }
      return;
    }
    if constexpr (Queue<T>::kBulk) {
      std::vector<T> buffer(batch);
      for (std::uint64_t i = 0; i < per_producer;) {
        const std::size_t n = std::min<std::uint64_t>(batch, per_producer - i);
        for (std::size_t k = 0; k < n; ++k) buffer[k] = make_item<T>(id, i + k);
        std::size_t sent = 0;
        while (sent < n) {
          const std::size_t placed = queue.push_n(buffer.data() + sent, n - sent);
          if (placed == 0) cpu_relax();
          sent += placed;
        }
        i += n;
      }
    }
  };

  auto consume = [&] {
    wait_for_start();
    std::vector<std::uint64_t> next(producers, 0);
    std::uint64_t errors = 0;
    std::vector<T> buffer(std::max<std::size_t>(batch, 1));
    auto check = [&](const T& item) {
      const std::uint64_t p = producer_of(item);
      if (p >= producers || sequence_of(item) < next[p]) {
        ++errors;
      } else {
        next[p] = sequence_of(item) + 1;
      }
    };
    // The shared count is only brought up to date when the queue looks empty, so the hot path
    // touches no line but the queue's own.
    std::uint64_t unreported = 0;
    while (received.load(std::memory_order_relaxed) < total) {
      std::size_t got = 0;
      if constexpr (Queue<T>::kBulk) {
        if (batch > 1) {
          got = queue.pop_n(buffer.data(), batch);
          for (std::size_t k = 0; k < got; ++k) check(buffer[k]);
        } else if (queue.try_pop(buffer[0])) {
          check(buffer[0]);
          got = 1;
        }
      } else if (queue.try_pop(buffer[0])) {
        check(buffer[0]);
        got = 1;
      }
      if (got != 0) {
        unreported += got;
      } else {
        received.fetch_add(unreported, std::memory_order_relaxed);
        unreported = 0;
        cpu_relax();
      }
    }
    out_of_order.fetch_add(errors, std::memory_order_relaxed);
  };

  std::vector<std::thread> threads;
  for (unsigned c = 0; c < consumers; ++c) threads.emplace_back(consume);
  for (unsigned p = 0; p < producers; ++p) threads.emplace_back(produce, p);
  while (ready.load(std::memory_order_acquire) != producers + consumers) std::this_thread::yield();
  const auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto& t : threads) t.join();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return {elapsed.count(), out_of_order.load()};
}

// Two threads bounce a counter through a pair of queues; returns nanoseconds per round trip.
template <template <typename> class Queue>
double round_trip_ns(std::size_t round_trips, std::size_t capacity = 1024) {
  Queue<std::uint64_t> ping(capacity);
  Queue<std::uint64_t> pong(capacity);
  std::thread echo([&] {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < round_trips; ++i) {
      while (!ping.try_pop(v)) {
      }
      while (!pong.try_push(v)) {
      }
    }
  });
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < round_trips; ++i) {
    while (!ping.try_push(i)) {
    }
    while (!pong.try_pop(v)) {
    }
  }
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  echo.join();
  return elapsed.count() / static_cast<double>(round_trips);
}

}  // namespace alphaforge::bench
