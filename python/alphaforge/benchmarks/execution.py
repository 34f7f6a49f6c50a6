"""``alphaforge bench execution``: Python submit_order on the simulated venue, filled, accounted."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from alphaforge.benchmarks.report import interleaved_rounds, make_console, print_comparison
from alphaforge.execution import (
    ExecutionEngine,
    Fees,
    Instrument,
    Order,
    OrderSide,
    OrderStatus,
    RiskLimits,
)

SYMBOL = "BTCUSDT"
FLOOR = "Python call floor"
OURS = "alphaforge"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=100_000, help="orders per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median is shown")


def _engine() -> ExecutionEngine:
    # Risk checks on, with limits the workload never reaches: their cost is part of the figure.
    risk = RiskLimits(max_order_qty=1_000.0, max_order_notional=1e9, max_open_orders=1_000_000)
    engine = ExecutionEngine(
        risk=risk,
        fees=Fees(maker=0.0001, taker=0.0004),
        cash=1_000_000.0,
        instruments=[Instrument(SYMBOL, tick_size=0.01, lot_size=0.001)],
    )
    engine.update_quote(SYMBOL, 30_000.00, 30_000.01)
    engine.update_price(SYMBOL, 30_000.00)
    return engine


def _per_call_ns(calls: int, run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) / calls * 1e9


def _alternate(buy: Order, sell: Order, n: int) -> float:
    """Submit `buy` and `sell` in turn, n orders in all, each filled at once; ns per call."""
    engine = _engine()
    submit = engine.submit_order
    pairs = n // 2

    def run() -> None:
        for _ in range(pairs):
            submit(buy)
            submit(sell)

    ns = _per_call_ns(pairs * 2, run)
    _check_filled(engine, pairs * 2)
    return ns


def market_orders(n: int) -> float:
    """Market orders alternating buy and sell, each filled at the quote and accounted."""
    return _alternate(
        Order.market(SYMBOL, OrderSide.Buy, 0.01, "bench"),
        Order.market(SYMBOL, OrderSide.Sell, 0.01, "bench"),
        n,
    )


def marketable_limit_orders(n: int) -> float:
    """Limit orders priced through the quote: they take liquidity and fill at once."""
    return _alternate(
        Order.limit(SYMBOL, OrderSide.Buy, 0.01, 30_000.05, "bench"),
        Order.limit(SYMBOL, OrderSide.Sell, 0.01, 29_999.95, "bench"),
        n,
    )


def resting_limit_orders(n: int) -> float:
    """Limit orders away from the market: accepted into the book, then canceled together."""
    engine = _engine()
    orders = [
        Order.limit(SYMBOL, OrderSide.Buy, 0.01, 29_000.0 + (i % 500) * 0.01) for i in range(n)
    ]
    submit = engine.submit_order

    def run() -> None:
        for order in orders:
            submit(order)

    ns = _per_call_ns(n, run)
    if len(engine.open_orders()) != n:
        raise RuntimeError("resting orders were lost")
    return ns


def call_floor(n: int) -> float:
    """The cheapest call into the extension: what any native method costs from Python."""
    engine = _engine()

    def run() -> None:
        for _ in range(n):
            engine.kill_switch_engaged  # noqa: B018

    return _per_call_ns(n, run)


def _check_filled(engine: ExecutionEngine, expected: int) -> None:
    stats = engine.statistics()
    if stats.orders_filled != expected or stats.orders_rejected != 0:
        raise RuntimeError(f"expected {expected} filled orders, got {stats}")
    if engine.order(engine.fills()[-1].order_id).status != OrderStatus.Filled:
        raise RuntimeError("the last order is not filled")


def run(args: argparse.Namespace) -> None:
    console = make_console()
    n = args.orders
    workloads: list[tuple[str, str, str, Callable[[], float]]] = [
        ("market order", OURS, "ns/call", lambda: market_orders(n)),
        ("market order", FLOOR, "ns/call", lambda: call_floor(n)),
        ("marketable limit order", OURS, "ns/call", lambda: marketable_limit_orders(n)),
        ("marketable limit order", FLOOR, "ns/call", lambda: call_floor(n)),
        ("resting limit order", OURS, "ns/call", lambda: resting_limit_orders(n)),
        ("resting limit order", FLOOR, "ns/call", lambda: call_floor(n)),
    ]
    console.print(
        f"[bold]Execution[/]: ExecutionEngine.submit_order from Python, {n:,} orders a round, "
        f"risk checks and fees on, median of {args.rounds} interleaved rounds "
        "(target: under 5,000 ns)"
    )
    measured = interleaved_rounds(workloads, args.rounds, higher_is_better=False)
    print_comparison("submit_order, nanoseconds per call", measured, FLOOR, console)
    console.print(
        f"'{FLOOR}' is a no-op property read on the engine: the cost of crossing into the "
        "extension at all. No peer engine is installed to compare in this run."
    )
