#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "arguments.hpp"
#include "bench/ring_workloads.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace alphaforge::bindings {
namespace {

struct RingWorkloads {
  bool multi_producer;
  bool bulk;
  bench::TransferResult (*transfer)(std::size_t, std::size_t, std::size_t, unsigned, unsigned);
  double (*round_trip_ns)(std::size_t, std::size_t);
};

template <template <typename> class Queue>
RingWorkloads workloads_of() {
  return {Queue<std::uint64_t>::kMultiProducer, Queue<std::uint64_t>::kBulk,
          &bench::transfer<Queue, std::uint64_t>, &bench::round_trip_ns<Queue>};
}

// Every queue compiled in, ours first; peers are present when their headers were found.
const std::map<std::string, RingWorkloads>& ring_queues() {
  static const std::map<std::string, RingWorkloads> queues = [] {
    std::map<std::string, RingWorkloads> q;
    q.emplace(bench::SpscRingQueue<std::uint64_t>::kName, workloads_of<bench::SpscRingQueue>());
    q.emplace(bench::MpmcRingQueue<std::uint64_t>::kName, workloads_of<bench::MpmcRingQueue>());
#if ALPHAFORGE_HAVE_BOOST
    q.emplace(bench::BoostSpscQueue<std::uint64_t>::kName, workloads_of<bench::BoostSpscQueue>());
    q.emplace(bench::BoostMpmcQueue<std::uint64_t>::kName, workloads_of<bench::BoostMpmcQueue>());
#endif
#if ALPHAFORGE_HAVE_RWQ
    q.emplace(bench::MoodycamelSpscQueue<std::uint64_t>::kName,
              workloads_of<bench::MoodycamelSpscQueue>());
#endif
#if ALPHAFORGE_HAVE_CQ
    q.emplace(bench::MoodycamelMpmcQueue<std::uint64_t>::kName,
              workloads_of<bench::MoodycamelMpmcQueue>());
#endif
    return q;
  }();
  return queues;
}

const RingWorkloads& find_queue(const std::string& name) {
  const auto& queues = ring_queues();
  const auto it = queues.find(name);
  if (it == queues.end()) {
    throw py::value_error("queue '" + name + "' is not in this build; see ring_queues()");
  }
  return it->second;
}

}  // namespace

void register_bench(py::module_& m) {
  m.def(
      "ring_queues",
      [] {
        std::vector<std::tuple<std::string, bool, bool>> out;
        for (const auto& [name, w] : ring_queues()) out.emplace_back(name, w.multi_producer, w.bulk);
        return out;
      },
      "(name, multi_producer, bulk) of every ring queue compiled into this build.");

  m.def(
      "ring_throughput",
      [](const std::string& queue, py::handle items, py::handle capacity, py::handle batch,
         py::handle producers, py::handle consumers) {
        const RingWorkloads& w = find_queue(queue);
        const std::size_t n = count_argument(items, "items", 1);
        const std::size_t slots = count_argument(capacity, "capacity", 1);
        const std::size_t per_call = count_argument(batch, "batch", 1);
        const auto p = static_cast<unsigned>(count_argument(producers, "producers", 1));
        const auto c = static_cast<unsigned>(count_argument(consumers, "consumers", 1));
        if ((p > 1 || c > 1) && !w.multi_producer) {
          throw py::value_error(queue + " takes one producer and one consumer");
        }
        if (per_call > 1 && !w.bulk) throw py::value_error(queue + " has no bulk push and pop");
        bench::TransferResult result;
        {
          py::gil_scoped_release release;
          result = w.transfer(n, slots, per_call, p, c);
        }
        if (result.out_of_order != 0) {
          throw std::runtime_error(queue + " delivered " + std::to_string(result.out_of_order) +
                                   " items twice or out of order");
        }
        return static_cast<double>(n / p * p) / result.seconds;
      },
      py::arg("queue"), py::arg("items"), py::arg("capacity") = 65536, py::arg("batch") = 1,
      py::arg("producers") = 1, py::arg("consumers") = 1,
      "Move `items` u64 values between threads through `queue`; returns items per second.");

  m.def(
      "ring_round_trip_ns",
      [](const std::string& queue, py::handle round_trips) {
        const RingWorkloads& w = find_queue(queue);
        const std::size_t n = count_argument(round_trips, "round_trips", 1);
        py::gil_scoped_release release;
        return w.round_trip_ns(n, 1024);
      },
      py::arg("queue"), py::arg("round_trips"),
      "Ping-pong one value between two threads through two queues; ns per round trip.");
}

}  // namespace alphaforge::bindings
