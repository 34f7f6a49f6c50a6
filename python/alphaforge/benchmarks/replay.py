"""``alphaforge bench replay``: how fast the replay exchange feeds a client at speed 0.

Each round starts ``alphaforge replay-server --speed 0 --start-on-subscribe`` in a process of
its own and reads every trade of its loops on the combined trade stream from this process:
with a socket reader that only splits the WebSocket frames (what the server can deliver), a
bare aiohttp receive loop (the floor of a Python client), aiohttp plus ``json.loads``, and
binance-sdk-spot's stream client (the peer), when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp

from alphaforge.benchmarks.report import interleaved_rounds, make_console, print_comparison

TRADES_PER_LOOP = 2001  # the bundled BTCUSDT record
STREAM = "btcusdt@trade"
BASELINE = "aiohttp receive loop"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The suite's options."""
    parser.add_argument("--loops", type=int, default=100, help="loops of the record per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is shown")


def run(args: argparse.Namespace) -> None:
    """Measure every client on the same stream, round after round."""
    console = make_console()
    messages = args.loops * TRADES_PER_LOOP
    clients: list[tuple[str, Callable[[str, int], Coroutine[Any, Any, None]]]] = [
        ("socket frame splitter", _frames),
        (BASELINE, _bare),
        ("aiohttp + json.loads", _parsed),
    ]
    try:
        import binance_sdk_spot  # noqa: F401

        clients.append(("binance-sdk-spot stream client", _sdk))
    except ImportError:
        console.print("binance-sdk-spot is not installed: its row is left out")
    workloads = [
        ("trade stream, speed 0", name, "msg/s", _measure(client, args.loops, messages))
        for name, client in clients
    ]
    console.print(
        f"[bold]Replay exchange[/]: {messages:,} trades a round from a server process at "
        f"speed 0 to one client, median of {args.rounds} interleaved rounds"
    )
    print_comparison(
        "Messages delivered per second",
        interleaved_rounds(workloads, args.rounds),
        BASELINE,
        console,
    )


def _measure(
    client: Callable[[str, int], Coroutine[Any, Any, None]], loops: int, messages: int
) -> Callable[[], float]:
    def once() -> float:
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "alphaforge",
                "replay-server",
                "--port",
                str(port),
                "--speed",
                "0",
                "--loops",
                str(loops),
                "--start-on-subscribe",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert server.stdout is not None
            server.stdout.readline()  # the banner: it is listening
            start = time.perf_counter()
            asyncio.run(client(f"ws://127.0.0.1:{port}", messages))
            return messages / (time.perf_counter() - start)
        finally:
            server.terminate()
            server.wait(10)
            if server.stdout is not None:
                server.stdout.close()

    return once


async def _frames(base: str, messages: int) -> None:
    """Count text frames straight off the socket after the HTTP upgrade."""
    host, port = base.removeprefix("ws://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /stream?streams={STREAM} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await reader.readuntil(b"\r\n\r\n")
    buffer, count = b"", 0
    while count < messages:
        buffer += await reader.read(1 << 20)
        at = 0
        while len(buffer) - at >= 2:
            size = buffer[at + 1] & 0x7F
            head = 2 if size < 126 else 4 if size == 126 else 10
            if len(buffer) - at < head:
                break
            if size == 126:
                size = int.from_bytes(buffer[at + 2 : at + 4], "big")
            elif size == 127:
                size = int.from_bytes(buffer[at + 2 : at + 10], "big")
            if len(buffer) - at < head + size:
                break
            count += (buffer[at] & 0x0F) == 1
            at += head + size
        buffer = buffer[at:]
    writer.close()


async def _bare(base: str, messages: int) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base}/stream?streams={STREAM}")
        for _ in range(messages):
            await ws.receive()
        await ws.close()


async def _parsed(base: str, messages: int) -> None:
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{base}/stream?streams={STREAM}")
        last = 0
        for _ in range(messages):
            last = json.loads((await ws.receive()).data)["data"]["t"]
        assert last > 0
        await ws.close()


async def _sdk(base: str, messages: int) -> None:
    from binance_common.configuration import ConfigurationWebSocketStreams
    from binance_sdk_spot.spot import Spot

    done = asyncio.Event()
    count = 0

    def on_trade(_: object) -> None:
        nonlocal count
        count += 1
        if count == messages:
            done.set()

    spot = Spot(config_ws_streams=ConfigurationWebSocketStreams(stream_url=base))
    connection = await spot.websocket_streams.create_connection()  # type: ignore[no-untyped-call]
    stream = await connection.trade(symbol="btcusdt")
    stream.on("message", on_trade)
    await done.wait()
    await connection.close_connection()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
