"""``alphaforge bench cache``: GenericCache and FloatCache against the Python caches installed."""

from __future__ import annotations

import argparse
import importlib
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from alphaforge.benchmarks.report import (
    Measurement,
    interleaved_rounds,
    make_console,
    print_comparison,
)
from alphaforge.cache import FloatCache, GenericCache

BASELINE = "cachetools.LRUCache"
TTL_BASELINE = "cachetools.TTLCache"
TTL_ROWS = ("GenericCache + TTL", TTL_BASELINE)
TTL_SECONDS = 3600.0

Workload = tuple[str, str, str, Callable[[], float]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``alphaforge bench cache``."""
    parser.add_argument("--keys", type=int, default=100_000, help="distinct keys 'BTCUSDT_i'")
    parser.add_argument("--ops", type=int, default=1_000_000, help="puts, then gets, per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median is shown")
    parser.add_argument("--batch", type=int, default=10_000, help="keys per batch call")
    parser.add_argument("--seed", type=int, default=7, help="seed of the random key order")
    parser.add_argument(
        "--redis-url", default="redis://localhost:6379/15", help="redis peer, when reachable"
    )


class _Peer:
    """One single-key cache: how to build it, store into it and read from it."""

    def __init__(
        self,
        name: str,
        make: Callable[[int], Any],
        put: Callable[[Any, Sequence[Hashable], object], None],
        get: Callable[[Any, Sequence[Hashable]], None],
    ) -> None:
        self.name = name
        self.make = make
        self.put = put
        self.get = get


# Each peer is driven by its own natural idiom: subscript stores and .get() reads for the
# mappings, the put/get methods for ours; all in a plain for loop over the same key list.
def _subscript_puts(cache: Any, keys: Sequence[Hashable], value: object) -> None:
    for key in keys:
        cache[key] = value


def _method_puts(cache: Any, keys: Sequence[Hashable], value: object) -> None:
    put = cache.put
    for key in keys:
        put(key, value)


def _method_gets(cache: Any, keys: Sequence[Hashable]) -> None:
    get = cache.get
    for key in keys:
        get(key)


class _OrderedDictLru(OrderedDict[Hashable, object]):
    """The textbook OrderedDict LRU."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def __setitem__(self, key: Hashable, value: object) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.maxsize:
            self.popitem(last=False)

    def get(self, key: Hashable, default: object = None) -> object:
        try:
            value = super().__getitem__(key)
        except KeyError:
            return default
        self.move_to_end(key)
        return value


def _peers(max_size: int) -> tuple[list[_Peer], list[str]]:
    peers = [
        _Peer("dict (no eviction)", lambda n: {}, _subscript_puts, _method_gets),
        _Peer("OrderedDict LRU", _OrderedDictLru, _subscript_puts, _method_gets),
        _Peer("GenericCache", GenericCache, _method_puts, _method_gets),
        _Peer(
            "GenericCache + TTL",
            lambda n: GenericCache(n, ttl_seconds=TTL_SECONDS),
            _method_puts,
            _method_gets,
        ),
    ]
    missing = []
    try:
        cachetools = importlib.import_module("cachetools")
    except ImportError:
        missing.append("cachetools")
    else:
        peers.append(_Peer(BASELINE, cachetools.LRUCache, _subscript_puts, _method_gets))
        peers.append(
            _Peer(
                TTL_BASELINE,
                lambda n: cachetools.TTLCache(n, ttl=TTL_SECONDS),
                _subscript_puts,
                _method_gets,
            )
        )
    try:
        lru = importlib.import_module("lru")
    except ImportError:
        missing.append("lru-dict")
    else:
        peers.append(_Peer("lru-dict lru.LRU", lru.LRU, _subscript_puts, _method_gets))
    return peers, missing


def _timed_ns_per_op(action: Callable[[], None], ops: int) -> float:
    start = time.perf_counter_ns()
    action()
    return (time.perf_counter_ns() - start) / ops


def _single_key_workloads(
    peers: Sequence[_Peer], keys: Sequence[str], order: Sequence[str], max_size: int
) -> list[Workload]:
    workloads: list[Workload] = []
    for peer in peers:
        holder: dict[str, Any] = {}

        def puts(peer: _Peer = peer, holder: dict[str, Any] = holder) -> float:
            holder["cache"] = cache = peer.make(max_size)
            return _timed_ns_per_op(lambda: peer.put(cache, order, 1.5), len(order))

        def gets(peer: _Peer = peer, holder: dict[str, Any] = holder) -> float:
            cache = holder["cache"]
            return _timed_ns_per_op(lambda: peer.get(cache, order), len(order))

        workloads.append(("put", peer.name, "ns/op", puts))
        workloads.append(("get", peer.name, "ns/op", gets))
    return workloads


def _items_per_second(action: Callable[[], None], items: int) -> float:
    start = time.perf_counter()
    action()
    return items / (time.perf_counter() - start)


def _batch_workloads(order: Sequence[str], max_size: int, batch: int) -> list[Workload]:
    chunks = [list(order[i : i + batch]) for i in range(0, len(order), batch)]
    values = [1.5] * batch
    generic = GenericCache(max_size)
    text = FloatCache(max_size)
    numbers = np.full(batch, 1.5)
    ids = [np.asarray([int(key[8:]) for key in chunk], dtype=np.int64) for chunk in chunks]
    ints = FloatCache(max_size, key_type=int)
    items = sum(len(chunk) for chunk in chunks)

    def generic_puts() -> None:
        for chunk in chunks:
            generic.put_many(chunk, values[: len(chunk)])

    def generic_gets() -> None:
        for chunk in chunks:
            generic.get_many(chunk)

    def text_puts() -> None:
        for chunk in chunks:
            text.put_many(chunk, numbers[: len(chunk)])

    def text_gets() -> None:
        for chunk in chunks:
            text.get_many(chunk)

    def int_puts() -> None:
        for chunk in ids:
            ints.put_many(chunk, numbers[: len(chunk)])

    def int_gets() -> None:
        for chunk in ids:
            ints.get_many(chunk)

    def loop_puts() -> None:
        for key in order:
            generic.put(key, 1.5)

    rows: list[tuple[str, str, Callable[[], None]]] = [
        ("batch put", "GenericCache.put loop", loop_puts),
        ("batch put", "GenericCache.put_many", generic_puts),
        ("batch put", "FloatCache.put_many, str keys", text_puts),
        ("batch put", "FloatCache.put_many, int64 keys", int_puts),
        ("batch get", "GenericCache.get_many", generic_gets),
        ("batch get", "FloatCache.get_many, str keys", text_gets),
        ("batch get", "FloatCache.get_many, int64 keys", int_gets),
    ]
    return [(group, name, "items/s", _rate_of(action, items)) for group, name, action in rows]


def _rate_of(action: Callable[[], None], items: int) -> Callable[[], float]:
    return lambda: _items_per_second(action, items)


def _redis_workloads(
    url: str, order: Sequence[str]
) -> tuple[list[Workload], Callable[[], None], str | None]:
    """SET/GET through redis-py, pipelined, on the first 100k operations of the same order."""
    try:
        redis = importlib.import_module("redis")
    except ImportError:
        return [], lambda: None, "redis (pip install redis, and a running redis-server)"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        return [], lambda: None, f"redis (no server reachable at {url})"
    pipelined = 1000
    sample = list(order[: min(len(order), 100_000)])

    def cleanup() -> None:
        written = sorted(set(sample))
        for i in range(0, len(written), pipelined):
            client.delete(*written[i : i + pipelined])

    def puts() -> float:
        def run() -> None:
            for i in range(0, len(sample), pipelined):
                pipe = client.pipeline(transaction=False)
                for key in sample[i : i + pipelined]:
                    pipe.set(key, b"1.5")
                pipe.execute()

        return _timed_ns_per_op(run, len(sample))

    def gets() -> float:
        def run() -> None:
            for i in range(0, len(sample), pipelined):
                pipe = client.pipeline(transaction=False)
                for key in sample[i : i + pipelined]:
                    pipe.get(key)
                pipe.execute()

        return _timed_ns_per_op(run, len(sample))

    name = f"redis-py, pipelined {pipelined}"
    return [("put", name, "ns/op", puts), ("get", name, "ns/op", gets)], cleanup, None


def run(args: argparse.Namespace) -> None:
    """Measure every cache on the W-cache workload and print the tables."""
    console = make_console()
    rng = random.Random(args.seed)
    keys = [f"BTCUSDT_{i}" for i in range(args.keys)]
    order = [keys[rng.randrange(args.keys)] for _ in range(args.ops)]
    max_size = args.keys
    peers, missing = _peers(max_size)
    single = _single_key_workloads(peers, keys, order, max_size)
    redis_rows, redis_cleanup, redis_missing = _redis_workloads(args.redis_url, order)
    if redis_missing:
        missing.append(redis_missing)
    console.print(
        f"[bold]Cache (W-cache)[/]: {args.keys:,} keys 'BTCUSDT_i', max_size {max_size:,}, "
        f"{args.ops:,} random puts then {args.ops:,} gets, TTL {TTL_SECONDS:.0f} s where on; "
        f"median of {args.rounds} interleaved rounds"
    )
    try:
        measured: list[Measurement] = interleaved_rounds(
            single + redis_rows, args.rounds, higher_is_better=False
        )
    finally:
        redis_cleanup()
    print_comparison("Single-key put / get, ns per operation", measured, BASELINE, console)
    with_ttl = [m for m in measured if m.name in TTL_ROWS]
    if any(m.name == TTL_BASELINE for m in with_ttl):
        # Like for like: both expire entries; the same samples as the table above.
        print_comparison("With TTL, against the TTL peer", with_ttl, TTL_BASELINE, console)
    batches = interleaved_rounds(_batch_workloads(order, max_size, args.batch), args.rounds)
    print_comparison(f"Batches of {args.batch:,} keys", batches, "GenericCache.put loop", console)
    if missing:
        console.print(f"Not measured (not installed or not reachable): {', '.join(missing)}")
