"""``alphaforge live``, ``alphaforge journal`` and the paper session of ``alphaforge demo``."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from alphaforge import parameters
from alphaforge.adapters.binance.config import BinanceConfig
from alphaforge.backtest.commands import load_strategy_class
from alphaforge.backtest.commands import run_demo as backtest_demo
from alphaforge.backtest.sma_cross import SmaCross
from alphaforge.console_log import add_log_level_argument, command_logging
from alphaforge.live.dashboard import run_with_dashboard
from alphaforge.live.journal import Journal
from alphaforge.live.journal_view import positions
from alphaforge.live.node import NodeStatistics, TradingNode
from alphaforge.live.settings import LiveSettings
from alphaforge.replay import ReplayExchange
from alphaforge.strategy import Strategy

DEMO_SECONDS = 15.0
DEMO_SPEED = 20.0  # replayed seconds per second: enough bars in the demo's 15 s


def add_live_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``alphaforge live``."""
    parser.add_argument("strategy_file", type=Path, help="a .py file defining a Strategy subclass")
    parser.add_argument("--config", type=Path, required=True, help="the live.toml file")
    parser.add_argument(
        "--paper", action="store_true", help="paper trading even when the file says live"
    )
    parser.add_argument("--duration", type=float, help="seconds to run (default: until Ctrl-C)")
    add_log_level_argument(parser)


def add_journal_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``alphaforge journal``."""
    parser.add_argument("path", type=Path, help="the SQLite journal of a node")
    parser.add_argument("--limit", type=int, default=50, help="most recent orders and fills shown")


def run_live(args: argparse.Namespace) -> int:
    """Run the strategy file on the venue of the config file until stopped or for --duration."""
    try:
        settings = LiveSettings.from_file(args.config)
        strategy = make_configured_strategy(load_strategy_class(args.strategy_file), settings)
    except (OSError, ValueError) as error:  # a bad file: its message, not a traceback
        raise SystemExit(f"alphaforge live: {error}") from None
    mode = "paper" if args.paper else settings.mode
    node = TradingNode(
        [strategy],
        venue=settings.venue,
        mode=mode,  # type: ignore[arg-type]
        risk=settings.risk,
        journal=settings.journal,
        cancel_on_stop=settings.cancel_on_stop,
        on_error=settings.on_error,  # type: ignore[arg-type]
        paper_balances=settings.paper_balances,
        paper_fees=settings.paper_fees,
        paper_latency=settings.paper_latency,
        client_prefix=settings.client_prefix,
    )
    duration = args.duration if args.duration is not None else settings.duration
    console = Console()
    title = f"{type(strategy).__name__} {mode} on {settings.venue.rest_url}"
    # The log lines go through the dashboard's console, which prints them above its tables.
    with command_logging("alphaforge live", args.log_level, console):
        stats = asyncio.run(run_with_dashboard(node, duration, console, title))
    print_statistics(stats, console)
    return 0


def make_configured_strategy(cls: type[Strategy], settings: LiveSettings) -> Strategy:
    """The strategy built from the file's [strategy] table, its values checked against the
    declared parameter types; the first symbol when it takes one and the table gives none."""
    kwargs: dict[str, Any] = dict(settings.strategy)
    if parameters.takes_symbol(cls) and "symbol" not in kwargs and settings.venue.symbols:
        kwargs["symbol"] = settings.venue.symbols[0]
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as error:
        raise ValueError(f"[strategy] settings do not fit {cls.__name__}: {error}") from None


def print_statistics(stats: NodeStatistics, console: Console) -> None:
    """What the session did, one line."""
    console.print()
    console.print(
        f"{stats.trades:,} trades, {stats.bars:,} bars, {stats.orders_sent:,} orders sent, "
        f"{stats.fills:,} fills, {stats.handler_errors:,} handler errors, "
        f"{stats.venue_errors + stats.bad_data:,} messages skipped"
    )


def run_journal(args: argparse.Namespace) -> int:
    """Print a journal's orders, fills and positions."""
    if not args.path.is_file():
        raise SystemExit(f"alphaforge journal: {args.path} is not a journal file")
    console = Console()
    journal = Journal(args.path)
    try:
        console.print(_orders_table(journal, args.limit))
        console.print(_fills_table(journal, args.limit))
        console.print(_positions_table(journal))
    finally:
        journal.close()
    return 0


def _orders_table(journal: Journal, limit: int) -> Table:
    orders = journal.orders()
    table = Table(title=f"orders ({len(orders):,}, last {min(limit, len(orders))})")
    for column in ("client id", "strategy", "symbol", "side", "type", "qty", "price", "status",
                   "filled"):  # fmt: skip
        table.add_column(column, no_wrap=True)
    table.add_column("reason", overflow="fold")
    for o in orders[-limit:]:
        price = o.price if o.price is not None else o.stop_price
        table.add_row(
            o.client_order_id, o.strategy, o.symbol, o.side, o.type, f"{o.qty:g}",
            "" if price is None else f"{price:g}", o.status, f"{o.filled_qty:g}", o.reason,
        )  # fmt: skip
    return table


def _fills_table(journal: Journal, limit: int) -> Table:
    fills = journal.fills()
    table = Table(title=f"fills ({len(fills):,}, last {min(limit, len(fills))})")
    for column in ("symbol", "trade id", "client id", "side", "qty", "price", "fee", "liquidity"):
        table.add_column(column, no_wrap=True)
    for f in fills[-limit:]:
        table.add_row(
            f.symbol, str(f.trade_id), f.client_order_id, f.side, f"{f.qty:g}", f"{f.price:g}",
            f"{f.fee:g} {f.fee_asset}", f.liquidity,
        )  # fmt: skip
    return table


def _positions_table(journal: Journal) -> Table:
    table = Table(title="positions by the journal's fills")
    for column in ("strategy", "symbol", "qty", "avg price", "realized PnL", "fees"):
        table.add_column(column)
    for p in positions(journal):
        table.add_row(
            p.strategy, p.symbol, f"{p.qty:g}", f"{p.avg_price:,.2f}", f"{p.realized_pnl:,.2f}",
            f"{p.fees:,.4f}",
        )  # fmt: skip
    return table


async def paper_demo(console: Console, seconds: float = DEMO_SECONDS) -> NodeStatistics:
    """The demo's strategy on paper against an in-process replay exchange, shown live."""
    async with ReplayExchange(port=0, speed=DEMO_SPEED) as exchange:
        venue = BinanceConfig.local(exchange, symbols=[exchange.config.symbol])
        strategy = SmaCross(exchange.config.symbol, fast=3, slow=8, size=0.01, bar_spec="5s")
        node = TradingNode([strategy], venue=venue, mode="paper", install_signal_handlers=False)
        title = (
            f"SMA 3/8 on 5-second bars of {exchange.config.symbol}, paper, replayed at "
            f"{DEMO_SPEED:g}x by a local exchange"
        )
        return await run_with_dashboard(node, seconds, console, title)


def run_demo(args: argparse.Namespace) -> int:
    """The bundled backtest, then the paper session: no network, nothing to set up."""
    console = Console()
    with command_logging("alphaforge demo", args.log_level, console):
        backtest_demo(args, console)
        console.print()
        stats = asyncio.run(paper_demo(console, args.paper_seconds))
    print_statistics(stats, console)
    return 0
