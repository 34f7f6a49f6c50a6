"""The same market maker on AlphaForge's order-book replay and on hftbacktest 2.4, fill for fill.

Both run one-lot quotes with a GTC limit a side, PartialFillExchange semantics, constant
entry, response and feed latencies and a maker/taker fee. With one-lot orders every fill is a
whole order, so hftbacktest's own answers (which report only an order's latest fill) show
every fill, and its position and balance count all of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from alphaforge.benchmarks.book_market import (
    K_TICKS,
    LATENCY,
    MAKER_FEE,
    MAX_LOTS,
    TAKER_FEE,
    Fill,
    book_market,
    maker_engine,
)
from alphaforge.samples import btcusdt_quotes, btcusdt_trades
from book_market import quotes_as_depth

hbt_maker = pytest.importorskip("alphaforge.benchmarks.hftbacktest_maker")

FEED_NS, ENTRY_NS, RESPONSE_NS = LATENCY


class Run:
    """One engine's run: fills (exchange time, side, price, qty, MAKER/TAKER) and the quotes
    placed (local time, side, price tick), in time order; the final position, fees and cash
    flow (sales minus purchases minus fees)."""

    def __init__(self, fills: list[Fill], placed: list[tuple[int, str, int]], fees: float) -> None:
        # Sorted: the order of fills (and so of requotes) at one instant is no engine's rule;
        # hftbacktest's comes from iterating a hash map of orders.
        self.fills, self.placed, self.fees = sorted(fills), sorted(placed), fees
        self.position = sum(q if s == "BUY" else -q for _, s, _, q, _ in fills)
        self.cash_flow = sum(p * (-q if s == "BUY" else q) for _, s, p, q, _ in fills) - fees

    def pnl(self, mark: float) -> float:
        return self.cash_flow + self.position * mark


def run_hftbacktest(
    depth: pd.DataFrame,
    trades: pd.DataFrame | None,
    tick: float,
    lot: float,
    model: str,
    latency: tuple[int, int, int] = LATENCY,
) -> tuple[Run, Any]:
    feed_ns, entry_ns, response_ns = latency
    events = hbt_maker.hbt_events(depth, trades, tick, feed_ns)
    hbt = hbt_maker.build(events, tick, lot, model, entry_ns, response_ns)
    book_ts = hbt_maker.book_times(depth, feed_ns)
    done = hbt_maker.run_maker(hbt, events, book_ts, K_TICKS, MAX_LOTS, entry_ns + response_ns)
    values = (done.position, done.balance, done.fee, done.num_trades)
    hbt.close()
    side = {1: "BUY", -1: "SELL"}
    out = [
        (
            int(f[0]),
            side[int(f[1])],
            round(float(f[2]) * tick, 10),
            float(f[3]) * lot,
            "MAKER" if f[4] else "TAKER",
        )
        for f in done.fills
    ]
    quotes = [(int(p[0]), side[int(p[1])], int(p[2])) for p in done.placed]
    fees = sum(p * q * (MAKER_FEE if m == "MAKER" else TAKER_FEE) for _, _, p, q, m in out)
    return Run(out, quotes, fees), values


def run_alphaforge(
    depth: pd.DataFrame,
    trades: pd.DataFrame | None,
    tick: float,
    lot: float,
    model: str,
    latency: tuple[int, int, int] = LATENCY,
) -> tuple[Run, float]:
    engine, maker = maker_engine(depth, trades, tick, lot, model, latency)
    result = engine.run()
    fees = float(result.fills["fee"].sum()) if len(result.fills) else 0.0
    run = Run(maker.state.fills, maker.state.placed, fees)
    return run, result.final_equity - 1_000_000.0


def last_mid(depth: pd.DataFrame) -> float:
    """The mid of the book after the last message, by replaying the rows."""
    book: dict[tuple[str, float], float] = {}
    for side, price, size, snapshot, first in zip(
        depth["side"], depth["price"], depth["size"], depth["snapshot"],
        depth["update_id"] != depth["update_id"].shift(), strict=True,
    ):  # fmt: skip
        if snapshot and first:
            book.clear()
        if size > 0:
            book[(side, price)] = size
        else:
            book.pop((side, price), None)
    bid = max(p for s, p in book if s == "bid")
    ask = min(p for s, p in book if s == "ask")
    return (bid + ask) / 2


@pytest.fixture(scope="module")
def market() -> Any:
    return book_market()


def test_the_synthetic_market_makes_thousands_of_maker_fills(market: Any) -> None:
    assert len(market.depth) + len(market.trades) > 90_000
    ours, hbt_state = run_hftbacktest(market.depth, market.trades, market.tick, 1.0, "risk_averse")
    assert len(ours.fills) > 2_000
    # hftbacktest's own account agrees with the fills read off its answers.
    position, balance, fee, trades = hbt_state
    assert trades == len(ours.fills)
    assert position == ours.position
    assert fee == pytest.approx(ours.fees, rel=1e-12)
    assert balance - fee == pytest.approx(ours.cash_flow, rel=1e-12)


def test_risk_averse_fills_match_hftbacktest(market: Any) -> None:
    theirs, hbt_state = run_hftbacktest(
        market.depth, market.trades, market.tick, 1.0, "risk_averse"
    )
    ours, engine_pnl = run_alphaforge(market.depth, market.trades, market.tick, 1.0, "risk_averse")
    assert ours.placed == theirs.placed
    assert ours.fills == theirs.fills
    assert ours.position == theirs.position
    assert ours.fees == pytest.approx(theirs.fees, rel=1e-12)
    mid = last_mid(market.depth)
    assert ours.pnl(mid) == pytest.approx(theirs.pnl(mid), rel=1e-12)
    # The engine's own account, marked at the last trade, against hftbacktest's state values.
    position, balance, fee, _ = hbt_state
    last_trade = float(market.trades["price"].iloc[-1])
    assert engine_pnl == pytest.approx(balance - fee + position * last_trade, rel=1e-9)


@pytest.mark.parametrize(
    "latency",
    [(500_000, 300_000, 1_000_001), (0, 2_000_000, 1), (250_000, 5_000_000, 2_000_003)],
    ids=["slow-feed-and-response", "no-feed-latency", "slow-entry"],
)
def test_risk_averse_fills_match_hftbacktest_at_other_latencies(
    market: Any, latency: tuple[int, int, int]
) -> None:
    """Longer entry latencies make more quotes cross the book on arrival: taker fills."""
    theirs, _ = run_hftbacktest(
        market.depth, market.trades, market.tick, 1.0, "risk_averse", latency
    )
    ours, _ = run_alphaforge(market.depth, market.trades, market.tick, 1.0, "risk_averse", latency)
    assert any(liquidity == "TAKER" for *_, liquidity in theirs.fills)
    assert ours.placed == theirs.placed
    assert ours.fills == theirs.fills
    assert ours.fees == pytest.approx(theirs.fees, rel=1e-12)


@pytest.mark.parametrize(
    ("seed", "levels", "tick"), [(1, 5, 0.5), (2, 3, 0.01), (3, 8, 0.1), (4, 5, 0.25)]
)
def test_risk_averse_fills_match_hftbacktest_on_other_markets(
    seed: int, levels: int, tick: float
) -> None:
    """Other seeds, depths and grids (a 0.01 tick is not exact in binary)."""
    other = book_market(20_000, levels, seed, tick)
    theirs, _ = run_hftbacktest(other.depth, other.trades, tick, 1.0, "risk_averse")
    ours, _ = run_alphaforge(other.depth, other.trades, tick, 1.0, "risk_averse")
    assert len(theirs.fills) > 1_000
    assert ours.placed == theirs.placed
    assert ours.fills == theirs.fills


@pytest.mark.parametrize("model", ["risk_averse", "power", "power2", "power3", "log", "log2"])
def test_queue_models_match_hftbacktest_on_a_fine_lot(market: Any, model: str) -> None:
    """Quotes of a millionth of a unit: the part of a trade that reaches a quote is, when not
    nothing, many lots, so rounding it down to whole lots (hftbacktest 2.4) or to the nearest
    lot (ours) gives the same fill, and the models' queue arithmetic is compared alone."""
    lot = 0.000001
    theirs, _ = run_hftbacktest(market.depth, market.trades, market.tick, lot, model)
    ours, _ = run_alphaforge(market.depth, market.trades, market.tick, lot, model)
    assert len(theirs.fills) > 2_000
    assert ours.placed == theirs.placed
    assert ours.fills == theirs.fills
    assert ours.fees == pytest.approx(theirs.fees, rel=1e-12)


def real_btcusdt() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bundled Binance BTCUSDT quotes as a one-level book, and its trades with their
    taker's side."""
    tape = btcusdt_trades()
    trades = pd.DataFrame(
        {
            "ts_ns": tape["ts_ns"],
            "price": tape["price"],
            "size": tape["size"],
            "side": np.where(tape["aggressor"] == 1, "BUY", "SELL"),
        }
    )
    return quotes_as_depth(btcusdt_quotes()), trades


def test_real_binance_book_alone_fills_match_hftbacktest() -> None:
    """No trades: quotes fill only when the other side's best reaches them."""
    depth, _ = real_btcusdt()
    theirs, _ = run_hftbacktest(depth, None, 0.01, 0.000001, "risk_averse")
    ours, _ = run_alphaforge(depth, None, 0.01, 0.000001, "risk_averse")
    assert len(theirs.fills) > 10
    assert ours.placed == theirs.placed
    assert ours.fills == theirs.fills


def test_real_binance_quotes_and_trades_match_hftbacktest() -> None:
    """The bundled quotes are sampled about every 100 ms: 365 of the 2,001 trades print on
    the wrong side of the last quote (a buyer's under the best bid, say). With their taker's
    side both engines let a buyer's trade reach only resting sells, a seller's only bids."""
    depth, trades = real_btcusdt()
    theirs, _ = run_hftbacktest(depth, trades, 0.01, 0.000001, "risk_averse")
    ours, _ = run_alphaforge(depth, trades, 0.01, 0.000001, "risk_averse")
    assert len(theirs.fills) > 400
    assert ours.placed == theirs.placed
    assert ours.fills == theirs.fills


def test_a_trade_without_a_side_reaches_resting_orders_of_either_side() -> None:
    """A buyer's trade of 1 at 98 under our resting bid at 99 (book 99 / 102): with its side
    it cannot fill the bid, as in hftbacktest; recorded without a side it goes through it."""
    t0 = 1_700_000_000_000_000_000
    depth = pd.DataFrame(
        [
            (t0, "bid", 99.0, 5.0, 1, -1, True),
            (t0, "ask", 102.0, 5.0, 1, -1, True),
            (t0 + 5_000_000, "bid", 98.0, 1.0, 2, 1, False),
        ],
        columns=["ts", "side", "price", "size", "update_id", "prev_update_id", "snapshot"],
    )
    trades = pd.DataFrame({"ts_ns": [t0 + 2_000_000], "price": [98.0], "size": [1.0]})
    theirs, _ = run_hftbacktest(depth, trades.assign(side="BUY"), 1.0, 1.0, "risk_averse")
    sided, _ = run_alphaforge(depth, trades.assign(side="BUY"), 1.0, 1.0, "risk_averse")
    unsided, _ = run_alphaforge(depth, trades, 1.0, 1.0, "risk_averse")
    # Both quote 99 / 102 -> mid 100.5 -> a bid at 99 and an ask at 102 (k = 1 tick).
    quotes = [(t0 + FEED_NS, "BUY", 99), (t0 + FEED_NS, "SELL", 102)]
    assert theirs.placed == sided.placed == quotes
    assert theirs.fills == sided.fills == []
    assert unsided.fills == [(t0 + 2_000_000, "BUY", 99.0, 1.0, "MAKER")]
    # Told of the fill a response latency later, it bids again.
    assert unsided.placed == [*quotes, (t0 + 2_000_000 + RESPONSE_NS, "BUY", 99)]
