"""``alphaforge replay-server``: run the replay exchange until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from alphaforge.replay.config import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    FaultConfig,
    ReplayConfig,
    parse_balances,
)
from alphaforge.replay.server import ReplayExchange


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The replay-server options."""
    parser.add_argument("--data", type=Path, help="trades file (CSV/Parquet) or DataCatalog dir")
    parser.add_argument("--quotes", type=Path, help="quotes file for --data (default: beside it)")
    parser.add_argument("--symbol", default="BTCUSDT")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY)
    parser.add_argument("--api-secret", default=DEFAULT_API_SECRET)
    parser.add_argument("--balance", default="USDT=100000,BTC=1", help="e.g. USDT=100000,BTC=1")
    parser.add_argument("--speed", type=float, default=1.0, help="X times recorded pace; 0 = max")
    parser.add_argument("--seed", type=int, default=0, help="seed of the derived depth")
    parser.add_argument("--loops", type=int, help="stop the feed after this many loops")
    parser.add_argument("--rebase", action="store_true", help="first event at server start")
    parser.add_argument("--start-on-subscribe", action="store_true")
    parser.add_argument("--tick-size", default="0.01")
    parser.add_argument("--step-size", default="0.000001")
    parser.add_argument("--min-notional", default="5")
    parser.add_argument("--maker-fee", default="0.001")
    parser.add_argument("--taker-fee", default="0.001")
    parser.add_argument("--depth-levels", type=int, default=20)
    parser.add_argument("--ping-interval", type=float, default=20.0)
    for name, text in (
        ("drop-every", "close a WebSocket connection after every N messages"),
        ("gap-every", "skip every N-th depth diff (a U/u gap)"),
        ("http429-every", "answer every N-th REST request with 429"),
        ("http5xx-order-every", "execute every N-th new order, then answer 503"),
        ("malformed-every", "send a frame that is not JSON before every N-th message"),
    ):
        parser.add_argument(f"--{name}", type=int, default=0, help=text)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--shutdown-after", type=float, default=0.0, help="seconds")


def config_from(args: argparse.Namespace) -> ReplayConfig:
    """The ReplayConfig the parsed options describe."""
    faults = FaultConfig(
        drop_every=args.drop_every,
        gap_every=args.gap_every,
        http429_every=args.http429_every,
        http5xx_order_every=args.http5xx_order_every,
        malformed_every=args.malformed_every,
        latency_ms=args.latency_ms,
        shutdown_after=args.shutdown_after,
    )
    return ReplayConfig(
        data=args.data,
        quotes=args.quotes,
        symbol=args.symbol,
        host=args.host,
        port=args.port,
        api_keys={args.api_key: args.api_secret},
        balances=parse_balances(args.balance),
        speed=args.speed,
        seed=args.seed,
        loops=args.loops,
        start_on_subscribe=args.start_on_subscribe,
        rebase_times=args.rebase,
        tick_size=args.tick_size,
        step_size=args.step_size,
        min_notional=args.min_notional,
        maker_fee=args.maker_fee,
        taker_fee=args.taker_fee,
        depth_levels=args.depth_levels,
        ping_interval=args.ping_interval,
        faults=faults,
    )


def run(args: argparse.Namespace) -> None:
    """Serve until SIGTERM or SIGINT, then close every connection and exit."""
    try:
        config = config_from(args)
    except ValueError as error:
        raise SystemExit(f"alphaforge replay-server: {error}") from None
    asyncio.run(serve(config))


async def serve(config: ReplayConfig) -> None:
    """Run a ReplayExchange until the process is asked to stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with ReplayExchange(config) as exchange:
        print(
            f"replay exchange for {config.symbol} on {exchange.rest_url} "
            f"(streams {exchange.stream_url}/ws, WebSocket API {exchange.ws_api_url})",
            flush=True,
        )
        await stop.wait()
    print("replay exchange stopped", flush=True)
