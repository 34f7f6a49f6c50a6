"""``alphaforge bench rings``: our rings against the peer queues compiled into this build."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from alphaforge._core import bench as native
from alphaforge.benchmarks.report import interleaved_rounds, make_console, print_comparison

BASELINES = {"spsc": "boost::lockfree::spsc_queue", "mpmc": "boost::lockfree::queue"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=5_000_000, help="items per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median is shown")
    parser.add_argument("--capacity", type=int, default=65536, help="slots per ring")


def run(args: argparse.Namespace) -> None:
    console = make_console()
    queues = native.ring_queues()
    throughput: list[tuple[str, str, str, Callable[[], float]]] = []
    latency: list[tuple[str, str, str, Callable[[], float]]] = []

    def transfer(name: str, batch: int = 1, threads: int = 1) -> Callable[[], float]:
        return lambda: native.ring_throughput(
            name, args.items, args.capacity, batch, threads, threads
        )

    def round_trip(name: str, trips: int) -> Callable[[], float]:
        return lambda: native.ring_round_trip_ns(name, trips)

    for name, multi, bulk in queues:
        kind = "mpmc" if multi else "spsc"
        throughput.append((f"{kind} 1P1C", name, "items/s", transfer(name)))
        if bulk and not multi:
            throughput.append((f"{kind} 1P1C bulk 32", name, "items/s", transfer(name, 32)))
        if multi:
            throughput.append((f"{kind} 2P2C", name, "items/s", transfer(name, threads=2)))
        if not multi:
            trips = max(args.items // 50, 10_000)
            latency.append(("round trip", name, "ns", round_trip(name, trips)))

    console.print(
        f"[bold]Rings[/]: u64 items, {args.capacity} slots, {args.items:,} items a round, "
        f"median of {args.rounds} interleaved rounds"
    )
    measured = interleaved_rounds(throughput, args.rounds)
    for kind, baseline in BASELINES.items():
        rows = [m for m in measured if m.group.startswith(kind)]
        print_comparison(f"{kind.upper()} throughput", rows, baseline, console)
    print_comparison(
        "SPSC ping-pong latency",
        interleaved_rounds(latency, args.rounds, higher_is_better=False),
        BASELINES["spsc"],
        console,
    )
    missing = {
        "boost::lockfree::spsc_queue",
        "moodycamel::ReaderWriterQueue",
        "boost::lockfree::queue",
        "moodycamel::ConcurrentQueue",
    } - {q[0] for q in queues}
    if missing:
        console.print(
            "Not in this build (their headers were absent when it was compiled; install "
            f"libboost-dev, libreaderwriterqueue-dev, libconcurrentqueue-dev): {sorted(missing)}"
        )
