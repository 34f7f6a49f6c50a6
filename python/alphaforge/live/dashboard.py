"""A terminal view of a running node: prices, positions, orders, fills and PnL, kept current."""

from __future__ import annotations

import asyncio

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

from alphaforge.live.node import NodeStatistics, TradingNode


def snapshot(node: TradingNode, title: str = "") -> Group:
    """The node's state now, as rich tables."""
    positions = Table(title=title or repr(node), title_justify="left")
    many = len(node.strategies) > 1
    if many:
        positions.add_column("strategy", no_wrap=True)
    positions.add_column("symbol", no_wrap=True)
    for column in ("last", "qty", "avg", "realized", "open PnL", "fees"):
        positions.add_column(column, justify="right", no_wrap=True)
    for strategy in node.strategies:
        held = node.portfolio(strategy.name) if node.engine is not None else {}
        for symbol in sorted(set(held) | set(node.instruments)):
            p = held.get(symbol)
            last = node.last_price(symbol)
            row = [
                symbol,
                "" if last is None else f"{last:,.2f}",
                "0" if p is None else f"{p.qty:g}",
                "" if p is None or p.qty == 0 else f"{p.avg_price:,.2f}",
                "" if p is None else f"{p.realized_pnl:,.2f}",
                "" if p is None else f"{p.unrealized_pnl:,.2f}",
                "" if p is None else f"{p.fees:,.2f}",
            ]
            positions.add_row(*([strategy.name] if many else []), *row)
    stats = node.statistics()
    activity = Table(show_header=True)
    for column in ("trades", "quotes", "bars", "orders sent", "open", "fills", "refused",
                   "errors"):  # fmt: skip
        activity.add_column(column, justify="right")
    activity.add_row(
        f"{stats.trades:,}",
        f"{stats.quotes:,}",
        f"{stats.bars:,}",
        f"{stats.orders_sent:,}",
        f"{node.orders.open_count() if node.orders is not None else 0:,}",
        f"{stats.fills:,}",
        f"{stats.orders_refused:,}",
        f"{stats.handler_errors + stats.venue_errors + stats.bad_data:,}",
    )
    return Group(positions, activity, _account_line(node))


def _account_line(node: TradingNode) -> str:
    if node.engine is None:
        return "connecting..."
    account = node.account()
    return f"equity {account.equity:,.2f}   cash {account.cash:,.2f}"


async def run_with_dashboard(
    node: TradingNode,
    duration: float | None,
    console: Console | None = None,
    title: str = "",
    refresh_s: float = 0.25,
) -> NodeStatistics:
    """Run the node and keep its tables on screen until it stops; the last state stays shown."""
    console = console or Console()
    run = asyncio.ensure_future(node.run_async(duration))
    with Live(snapshot(node, title), console=console, auto_refresh=False) as live:
        while not run.done():
            await asyncio.wait([run], timeout=refresh_s)
            live.update(snapshot(node, title), refresh=True)
    return run.result()
