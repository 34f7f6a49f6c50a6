"""``alphaforge bench live``: the live path against its peers and floors, measured in one run.

1. Market data: a replay-server process at speed 0 sends the bundled record, ``--loops`` times,
   on one combined-stream connection to each client in turn; a round's figure is the messages
   from the first to the last trade over that time. The clients: a TradingNode in paper mode
   whose strategy counts its on_trade calls (paper mode also subscribes the best quotes, for the
   fill model, so every client gets both streams), binance-sdk-spot's stream client (the peer)
   and a bare aiohttp receive loop (the floor).
2. Parsers: the adapter's msgspec decoders against ``json.loads`` and ``orjson.loads`` on
   messages recorded from the replay exchange (live_parsers.py).
3. Tick-to-order and 4. the order round trip (live_orders.py), ``--orders`` orders a session.

Every workload runs once per round, round after round; medians are shown, and the targets of
the live path are checked against the medians of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, NamedTuple

import aiohttp
from rich.console import Console
from rich.table import Table

from alphaforge.adapters.binance import BinanceConfig
from alphaforge.benchmarks import live_orders, live_parsers
from alphaforge.benchmarks.replay import TRADES_PER_LOOP
from alphaforge.benchmarks.report import (
    Measurement,
    interleaved_rounds,
    make_console,
    print_comparison,
)
from alphaforge.live import TradingNode
from alphaforge.strategy import Strategy

SYMBOL = "BTCUSDT"
STREAMS = ("btcusdt@trade", "btcusdt@bookTicker")  # what a paper node subscribes
NODE = "TradingNode"
SDK = "binance-sdk-spot"
FLOOR = "bare aiohttp"
PAUSE_S = 0.001  # between a trade's order and the next trade, so the client is idle again
# Targets of the live path (../TARGETS.md): msgs/s, x SDK, x floor time; p50 us, x echo; p99 us.
TARGET_RATE, TARGET_VS_SDK, TARGET_VS_FLOOR = 200_000.0, 3.0, 2.0
TARGET_P50_US, TARGET_VS_ECHO, TARGET_P99_US = 150.0, 2.0, 1000.0


class Span(NamedTuple):
    """What a market-data client read from its first message to its last trade."""

    messages: int
    wall_s: float
    cpu_s: float  # this process's CPU time: the client's alone, the server runs elsewhere


class _Clock:
    """Wall and CPU time at the first message, then at the last."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def start(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def span(self, messages: int) -> Span:
        return Span(messages, time.perf_counter() - self.wall, time.process_time() - self.cpu)


# A market-data client: (exchange host:port, trades to read) -> what it read.
FeedClient = Callable[[str, int], Coroutine[Any, Any, Span]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The suite's options."""
    parser.add_argument("--loops", type=int, default=30, help="loops of the record per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is shown")
    parser.add_argument("--orders", type=int, default=300, help="orders a session (order rows)")


def run(args: argparse.Namespace) -> None:
    """Measure the four rows, then say which targets the medians meet."""
    for name in ("loops", "rounds", "orders"):
        if getattr(args, name) < 1:
            raise SystemExit(f"alphaforge bench live: --{name} must be at least 1")
    console = make_console()
    feed = _market_data(args, console)
    _parsers(args, console)
    ticks = _tick_to_order(args, console)
    _round_trip(args, console)
    _targets(feed, ticks, console)


# 1. Market data.


def _market_data(args: argparse.Namespace, console: Console) -> list[Measurement]:
    trades = args.loops * TRADES_PER_LOOP
    clients: list[tuple[str, FeedClient]] = [(NODE, _node_feed)]
    if _has_sdk():
        clients.append((SDK, _sdk_feed))
    else:
        console.print("binance-sdk-spot is not installed: its row is left out")
    clients.append((FLOOR, _bare_feed))
    group = "trades + best quotes, speed 0"
    per_cpu: dict[str, list[float]] = {name: [] for name, _ in clients}
    servers = _ReplayServers(args.loops, len(clients))
    workloads = [
        (group, name, "msg/s", _feed_workload(client, servers, trades, per_cpu[name]))
        for name, client in clients
    ]
    console.print(
        f"[bold]Market data[/]: {args.loops} loops of the record ({trades:,} trades and the best "
        f"quotes) a round from a replay-server process, median of {args.rounds} interleaved rounds"
    )
    try:
        measured = interleaved_rounds(workloads, args.rounds)
    finally:
        servers.close()
    cpu_group = "the same, per CPU second of the client"
    measured += [Measurement(n, cpu_group, "msg/s", tuple(r)) for n, r in per_cpu.items()]
    print_comparison("Messages delivered per second", measured, FLOOR, console)
    return measured


def _feed_workload(
    client: FeedClient, servers: _ReplayServers, trades: int, per_cpu: list[float]
) -> Callable[[], float]:
    def once() -> float:
        with servers.take() as base:
            span = asyncio.run(client(base, trades))
        per_cpu.append((span.messages - 1) / span.cpu_s)
        return (span.messages - 1) / span.wall_s

    return once


class _ReplayServers:
    """Replay exchanges at speed 0, one per client of a round (a replay is read once), run by
    one process started before the round's first client: no process starts while a client
    is measured, and the others wait idle while one is read."""

    def __init__(self, loops: int, per_round: int) -> None:
        self.args = ["replay", "--count", str(per_round), "--speed", "0", "--loops", str(loops),
                     "--start-on-subscribe"]  # fmt: skip
        self._process: subprocess.Popen[str] | None = None
        self._ready: list[str] = []

    @contextlib.contextmanager
    def take(self) -> Iterator[str]:
        """The base URL of an exchange no client has read yet."""
        if not self._ready:
            self._process = subprocess.Popen(
                [*live_orders.EXCHANGE, *self.args], stdout=subprocess.PIPE, text=True
            )
            assert self._process.stdout is not None
            announced = json.loads(self._process.stdout.readline())
            self._ready = [e["rest"].removeprefix("http://") for e in announced["exchanges"]]
        try:
            yield self._ready.pop()
        finally:
            if not self._ready:
                self.close()

    def close(self) -> None:
        """Stop the round's process."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            process.wait(10)
            if process.stdout is not None:
                process.stdout.close()


class _Counter(Strategy):
    """Counts trades; at the last one, notes the time and how many messages came."""

    def __init__(self, trades: int) -> None:
        super().__init__("counter")
        self.trades = trades
        self.count = 0
        self.timer = _Clock()
        self.span = Span(0, 0.0, 0.0)
        self.finish: Callable[[], int] = lambda: 0

    def on_start(self) -> None:
        self.subscribe_trades(SYMBOL)

    def on_trade(self, trade: Any) -> None:
        self.count += 1
        if self.count == 1:
            self.timer.start()
        elif self.count == self.trades:
            self.span = self.timer.span(self.finish())


async def _node_feed(base: str, trades: int) -> Span:
    config = BinanceConfig.replay(
        f"http://{base}", f"ws://{base}", f"ws://{base}/ws-api/v3", symbols=[SYMBOL]
    )
    counter = _Counter(trades)
    node = TradingNode([counter], venue=config, mode="paper", install_signal_handlers=False)

    def finish() -> int:
        stats = node.statistics()
        node.stop()
        return stats.trades + stats.quotes

    counter.finish = finish
    stats = await node.run_async(duration=120)
    if counter.count < trades:
        raise RuntimeError(f"the node saw {counter.count} of {trades} trades: {stats}")
    return counter.span


async def _bare_feed(base: str, trades: int) -> Span:
    head = '{"stream":"' + STREAMS[0] + '"'
    clock = _Clock()
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"ws://{base}/stream?streams={'/'.join(STREAMS)}")
        messages = seen = 0
        while seen < trades:
            data = (await ws.receive()).data
            messages += 1
            if messages == 1:
                clock.start()
            seen += data.startswith(head)
        span = clock.span(messages)
        await ws.close()
    return span


async def _sdk_feed(base: str, trades: int) -> Span:
    from binance_common.configuration import ConfigurationWebSocketStreams
    from binance_sdk_spot.spot import Spot

    done = asyncio.Event()
    counts = {"trades": 0, "messages": 0}
    clock = _Clock()
    spans: list[Span] = []

    def on_quote(_: object) -> None:
        counts["messages"] += 1

    def on_trade(_: object) -> None:
        counts["messages"] += 1
        counts["trades"] += 1
        if counts["messages"] == 1:
            clock.start()
        if counts["trades"] == trades:
            spans.append(clock.span(counts["messages"]))
            done.set()

    config = ConfigurationWebSocketStreams(stream_url=f"ws://{base}")
    connection = await Spot(config_ws_streams=config).websocket_streams.create_connection()  # type: ignore[no-untyped-call]
    # The trade stream first: the server starts on it, and the SDK waits 0.5 s before each
    # subscription, so it misses the first quotes (it counts what it gets).
    (await connection.trade(symbol="btcusdt")).on("message", on_trade)
    (await connection.book_ticker(symbol="btcusdt")).on("message", on_quote)
    async with asyncio.timeout(300):
        await done.wait()
    await connection.close_connection()
    return spans[0]


def _has_sdk() -> bool:
    try:
        import binance_sdk_spot  # noqa: F401
    except ImportError:
        return False
    return True


# 2. Parsers.


def _parsers(args: argparse.Namespace, console: Console) -> None:
    recorded = asyncio.run(live_parsers.record())
    ours = live_parsers.decoders()
    peers: list[tuple[str, Callable[[bytes], Any]]] = [("json.loads", json.loads)]
    try:
        import orjson

        peers.append(("orjson.loads", orjson.loads))
    except ImportError:
        console.print("orjson is not installed (pip install orjson): its rows are left out")
    workloads = []
    for kind, messages in recorded.items():
        batch = messages * args.loops
        for name, decode in [("alphaforge (msgspec)", ours[kind]), *peers]:
            workloads.append((kind, name, "msg/s", live_parsers.workload(decode, batch)))
    counts = ", ".join(f"{len(m):,} {k}" for k, m in recorded.items())
    console.print(
        f"[bold]Parsers[/]: recorded frames ({counts}), each decoded {args.loops} times a "
        f"round, median of {args.rounds} interleaved rounds"
    )
    measured = interleaved_rounds(workloads, args.rounds)
    print_comparison("Messages decoded per second", measured, "json.loads", console)


# 3. Tick-to-order.


def _tick_to_order(args: argparse.Namespace, console: Console) -> list[Measurement]:
    clients: list[tuple[str, str, live_orders.TickClient]] = [
        ("REST", NODE, live_orders.node_client("rest")),
        ("REST", f"{NODE} + journal", live_orders.node_client("rest", journal=True)),
        ("REST", FLOOR, live_orders.echo_rest),
        ("WebSocket API", NODE, live_orders.node_client("ws")),
        ("WebSocket API", FLOOR, live_orders.echo_ws),
    ]
    console.print(
        f"[bold]Tick-to-order[/]: a trade sent by the tick exchange (a process of its own) to "
        f"the order it draws arriving there, {args.orders} orders a session after "
        f"{live_orders.WARMUP} warm-up ones, median of {args.rounds} interleaved rounds. "
        f"{FLOOR}: the frame read, a request of the same kind sent"
    )

    async def sessions() -> list[Measurement]:
        async with live_orders.TickServer(args.orders, PAUSE_S) as server:
            return await _latency_rows(
                "tick-to-order",
                [(t, name, _tick(server, client)) for t, name, client in clients],
                args.rounds,
            )

    measured = asyncio.run(sessions())
    print_comparison("Tick-to-order latency (lower is better)", measured, FLOOR, console)
    return measured


def _tick(
    server: live_orders.TickServer, client: live_orders.TickClient
) -> Callable[[], Awaitable[list[int]]]:
    return lambda: server.session(client)


# 4. The order round trip.


def _round_trip(args: argparse.Namespace, console: Console) -> None:
    clients: list[tuple[str, str, live_orders.RoundTrip]] = [
        ("REST", NODE, live_orders.node_round_trip("rest")),
        ("REST", FLOOR, lambda s, n: live_orders.bare_round_trip(s, n, "rest")),
        ("WebSocket API", NODE, live_orders.node_round_trip("ws")),
    ]
    if _has_sdk():
        clients.append(("WebSocket API", SDK, live_orders.sdk_round_trip))
    clients.append(("WebSocket API", FLOOR, lambda s, n: live_orders.bare_round_trip(s, n, "ws")))
    console.print(
        f"[bold]Order round trip[/]: submit to the executionReport NEW on the user data "
        f"subscription, against a replay-exchange process (orders canceled, untimed, before "
        f"the next), {args.orders} orders a session, median of {args.rounds} interleaved rounds"
    )

    async def sessions() -> list[Measurement]:
        async with live_orders.ReplayServer() as server:
            return await _latency_rows(
                "round trip",
                [(t, name, _bound(client, server, args.orders)) for t, name, client in clients],
                args.rounds,
            )

    measured = asyncio.run(sessions())
    print_comparison("Order round trip (lower is better)", measured, FLOOR, console)


def _bound(
    client: live_orders.RoundTrip, server: live_orders.ReplayServer, orders: int
) -> Callable[[], Awaitable[list[int]]]:
    return lambda: client(server, orders)


# Latency rows: each session gives many latencies; a round keeps its p50 and p99.


async def _latency_rows(
    title: str, workloads: list[tuple[str, str, Callable[[], Awaitable[list[int]]]]], rounds: int
) -> list[Measurement]:
    samples: dict[tuple[str, str], list[list[int]]] = {(t, n): [] for t, n, _ in workloads}
    for _ in range(rounds):
        for transport, name, session in workloads:
            samples[(transport, name)].append(await session())
    return [
        Measurement(
            name,
            f"{title} {label}, {transport}",
            "us",
            tuple(_percentile(s, q) for s in samples[(transport, name)]),
            higher_is_better=False,
        )
        for label, q in (("p50", 50), ("p99", 99))
        for transport, name, _ in workloads
    ]


def _percentile(latencies_ns: list[int], q: float) -> float:
    """The `q`-th percentile in microseconds (nearest rank)."""
    ranked = sorted(latencies_ns)
    rank = max(0, min(len(ranked) - 1, round(q / 100 * len(ranked) + 0.5) - 1))
    return ranked[rank] / 1000


# The targets.


def _targets(feed: list[Measurement], ticks: list[Measurement], console: Console) -> None:
    rows = {(m.group, m.name): m.median for m in feed + ticks}
    group = feed[0].group
    node, floor = rows[(group, NODE)], rows[(group, FLOOR)]
    table = Table(title="Targets of the live path, on this run's medians")
    for column in ("target", "measured", "met"):
        table.add_column(column)

    def row(text: str, measured: str, met: bool) -> None:
        table.add_row(text, measured, "yes" if met else "no")

    row("market data >= 200,000 msg/s", f"{node:,.0f} msg/s", node >= TARGET_RATE)
    sdk = rows.get((group, SDK))
    if sdk is not None:
        row("market data >= 3x binance-sdk-spot", f"{node / sdk:.2f}x", node >= TARGET_VS_SDK * sdk)
    row(
        "market data within 2x of the bare aiohttp loop's time",
        f"{floor / node:.2f}x",
        floor <= TARGET_VS_FLOOR * node,
    )
    for transport in ("REST", "WebSocket API"):
        p50 = rows[(f"tick-to-order p50, {transport}", NODE)]
        echo = rows[(f"tick-to-order p50, {transport}", FLOOR)]
        p99 = rows[(f"tick-to-order p99, {transport}", NODE)]
        row(f"tick-to-order p50 < 150 us ({transport})", f"{p50:,.0f} us", p50 < TARGET_P50_US)
        row(
            f"tick-to-order p50 within 2x of the echo ({transport})",
            f"{p50 / echo:.2f}x",
            p50 <= TARGET_VS_ECHO * echo,
        )
        row(f"tick-to-order p99 < 1 ms ({transport})", f"{p99:,.0f} us", p99 < TARGET_P99_US)
    console.print(table)
