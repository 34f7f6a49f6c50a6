"""One strategy's records in a backtest and on a paper node: every field of a fill and an
order the same type in both, times as UTC pandas Timestamps like the result frames, and order
ids ints everywhere (records, frames, open_orders, cancel)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

import alphaforge as af
from alphaforge.records import FillRecord, OrderRecord
from alphaforge.samples import btcusdt_quotes, btcusdt_trades
from live_session import SYMBOL, run_session


class Recorder(af.Strategy):
    """A market buy and a resting limit on the first bar, the limit cancelled on the third;
    keeps every record it is handed and what open_orders and cancel answer."""

    def __init__(self) -> None:
        super().__init__("recorder")
        self.fills: list[FillRecord] = []
        self.orders: list[OrderRecord] = []
        self.sent: list[int] = []
        self.open: list[OrderRecord] = []
        self.cancelled: bool | None = None
        self.bars = 0

    def on_start(self) -> None:
        self.subscribe_bars(SYMBOL, "2s")

    def on_bar(self, bar: Any) -> None:
        self.bars += 1
        if self.bars == 1:
            self.sent.append(self.buy(SYMBOL, 0.01))
            self.sent.append(self.buy(SYMBOL, 0.01, limit=1000.0))
        elif self.bars == 3:
            self.open = self.open_orders(SYMBOL)
            self.cancelled = self.cancel(self.sent[1])

    def on_fill(self, fill: FillRecord) -> None:
        self.fills.append(fill)

    def on_order_update(self, order: OrderRecord) -> None:
        self.orders.append(order)


def backtest() -> tuple[Recorder, dict[str, pd.DataFrame]]:
    strategy = Recorder()
    engine = af.BacktestEngine(cash=10_000.0)
    engine.add_instrument(SYMBOL, tick_size=0.01, lot_size=0.00001)
    engine.add_trades(SYMBOL, btcusdt_trades())
    engine.add_quotes(SYMBOL, btcusdt_quotes())
    engine.add_strategy(strategy)
    return strategy, engine.run_frames()


def paper(journal: Path) -> Recorder:
    strategy = Recorder()
    session = asyncio.run(asyncio.wait_for(run_session(strategy, journal, mode="paper"), 90))
    assert session.stats.handler_errors == 0
    return strategy


def field_types(record: Any) -> dict[str, type]:
    return {f.name: type(getattr(record, f.name)) for f in dataclasses.fields(record)}


def test_fills_and_orders_have_the_same_types_in_a_backtest_and_live(tmp_path: Path) -> None:
    tested, frames = backtest()
    live = paper(tmp_path / "node.db")
    for run in (tested, live):
        assert run.fills, "the market buy filled"
        assert run.cancelled is True
        assert [o.order_id for o in run.open] == [run.sent[1]]
        assert all(type(i) is int for i in run.sent)
    assert field_types(tested.fills[0]) == field_types(live.fills[0])
    # Orders compared status by status: a limit price or an average fill is None until set.
    by_status = {(o.type, o.status): o for o in tested.orders}
    live_by_status = {(o.type, o.status): o for o in live.orders}
    common = by_status.keys() & live_by_status.keys()
    assert {("MARKET", "FILLED"), ("LIMIT", "CANCELED")} <= common, (by_status, live_by_status)
    for key in common:
        assert field_types(by_status[key]) == field_types(live_by_status[key]), key
    assert field_types(tested.open[0]) == field_types(live.open[0])
    for run in (tested, live):
        for record in [*run.fills, *run.orders, *run.open]:
            assert isinstance(record.ts, pd.Timestamp)
            assert str(record.ts.tz) == "UTC"
            assert type(record.order_id) is int
    # The frames carry the same times and ids as the records.
    fills, orders = frames["fills"], frames["orders"]
    assert str(fills["ts"].dtype) == "datetime64[ns, UTC]"
    assert str(orders["ts"].dtype) == "datetime64[ns, UTC]"
    assert fills["ts"].tolist() == [f.ts for f in tested.fills]
    assert fills["order_id"].tolist() == [f.order_id for f in tested.fills]
    assert all(type(i) is int for i in orders["order_id"].tolist())
    assert sorted(orders["order_id"].tolist()) == sorted(tested.sent)
