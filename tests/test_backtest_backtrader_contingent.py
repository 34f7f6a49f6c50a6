"""Brackets (buy and sell, market and limit entries), OCO pairs and trailing stops (by amount and
by percent) on random bars, here and in backtrader: the same fills and the same final value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from test_backtest_backtrader_orders import BARS, CASH, FEE, random_bars

bt = pytest.importorskip("backtrader")

KEEP_BARS = 8  # an episode still open after this many bars is canceled and closed
NOTIONAL = 2_000.0  # each entry buys about this much: cash never runs short in either broker
ACTIONS = ("bracket", "oco", "trail")


@dataclass(frozen=True)
class Plan:
    """What the strategy does at each bar when it is flat, drawn once for both engines."""

    action: np.ndarray  # index into ACTIONS
    side: np.ndarray  # +1 long, -1 short
    limit_entry: np.ndarray  # brackets: a limit entry below (long) or above the close
    entry_offset: np.ndarray
    stop_offset: np.ndarray
    target_offset: np.ndarray
    trail_amount: np.ndarray
    trail_percent: np.ndarray

    @staticmethod
    def draw(seed: int) -> Plan:
        rng = np.random.default_rng(seed + 11)
        return Plan(
            action=rng.integers(0, len(ACTIONS), BARS),
            side=rng.choice([1, -1], BARS),
            limit_entry=rng.random(BARS) < 0.5,
            entry_offset=rng.uniform(0.0, 1.0, BARS).round(2),
            stop_offset=rng.uniform(0.2, 2.5, BARS).round(2),
            target_offset=rng.uniform(0.2, 2.5, BARS).round(2),
            trail_amount=rng.uniform(0.3, 2.0, BARS).round(2),
            trail_percent=rng.uniform(0.003, 0.03, BARS).round(4),
        )

    def prices(self, i: int, close: float) -> tuple[float | None, float, float]:
        """(entry limit or None, stop-loss, take-profit) for the episode starting at bar i."""
        long = self.side[i] > 0
        sign = 1.0 if long else -1.0
        entry = round(close - sign * self.entry_offset[i], 2) if self.limit_entry[i] else None
        base = close if entry is None else entry
        stop = round(base - sign * self.stop_offset[i], 2)
        target = round(base + sign * self.target_offset[i], 2)
        return entry, max(stop, 0.01), max(target, 0.01)

    def size(self, close: float) -> int:
        return int(NOTIONAL // close)


def backtrader_run(bars: pd.DataFrame, plan: Plan, percent: bool) -> tuple[list[Any], float]:
    fills: list[tuple[str, float, float]] = []

    class Random(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.alive: list[Any] = []
            self.started = 0

        def notify_order(self, order: Any) -> None:
            if order.status in (order.Completed, order.Partial) and order.executed.size:
                side = "BUY" if order.isbuy() else "SELL"
                fills.append((side, abs(order.executed.size), order.executed.price))
            if not order.alive():
                self.alive = [o for o in self.alive if o.ref != order.ref]

        def next(self) -> None:
            i = len(self) - 1
            flat = self.position.size == 0
            if (self.alive or not flat) and i - self.started >= KEEP_BARS:
                for o in list(self.alive):
                    self.cancel(o)
                self.alive = []
                if not flat:
                    self.close()
                self.started = i
                return
            if self.alive or not flat:
                return
            close = self.data.close[0]
            self.started = i
            long = plan.side[i] > 0
            size = plan.size(close)
            action = ACTIONS[plan.action[i]]
            if action == "bracket":
                entry, stop, target = plan.prices(i, close)
                send = self.buy_bracket if long else self.sell_bracket
                kind = bt.Order.Market if entry is None else bt.Order.Limit
                orders = send(
                    size=size, exectype=kind, price=entry, stopprice=stop, limitprice=target
                )
                self.alive = list(orders)
                return
            enter = self.buy if long else self.sell
            leave = self.sell if long else self.buy
            self.alive = [enter(size=size)]
            if action == "oco":
                _, stop, target = plan.prices(i, close)
                first = leave(size=size, exectype=bt.Order.Limit, price=target)
                second = leave(size=size, exectype=bt.Order.Stop, price=stop, oco=first)
                self.alive += [first, second]
            elif percent:
                trail = plan.trail_percent[i]
                self.alive.append(leave(size=size, exectype=bt.Order.StopTrail, trailpercent=trail))
            else:
                trail = plan.trail_amount[i]
                self.alive.append(leave(size=size, exectype=bt.Order.StopTrail, trailamount=trail))

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.broker.setcash(CASH)
    cerebro.broker.setcommission(commission=FEE)
    cerebro.adddata(bt.feeds.PandasData(dataname=bars.tz_convert(None)))
    cerebro.addstrategy(Random)
    cerebro.run()
    return fills, cerebro.broker.getvalue()


class RandomContingent(af.Strategy):
    def __init__(self, plan: Plan, percent: bool) -> None:
        super().__init__()
        self.plan = plan
        self.percent = percent
        self.brackets: list[af.Bracket] = []
        self.started = 0
        self.bar_index = -1
        self.actions: set[str] = set()

    def on_start(self) -> None:
        self.subscribe_bars("X")

    def on_bar(self, bar: Any) -> None:
        self.bar_index += 1
        i = self.bar_index
        held = self.position("X")
        # A filled bracket's children are open from its fill on, as backtrader's are.
        working = self.open_orders("X")
        if (working or held) and i - self.started >= KEEP_BARS:
            for order in working:
                self.cancel(order.order_id)
            if held:
                self.submit_order("X", "SELL" if held > 0 else "BUY", abs(held))
            self.started = i
            return
        if working or held:
            return
        close = bar.close
        self.started = i
        long = self.plan.side[i] > 0
        size = self.plan.size(close)
        action = ACTIONS[self.plan.action[i]]
        self.actions.add(action)
        if action == "bracket":
            entry, stop, target = self.plan.prices(i, close)
            send = self.buy_bracket if long else self.sell_bracket
            bracket = send("X", size, stop_loss=stop, take_profit=target, limit=entry)
            self.brackets.append(bracket)
            return
        side, other = ("BUY", "SELL") if long else ("SELL", "BUY")
        self.submit_order("X", side, size)
        if action == "oco":
            _, stop, target = self.plan.prices(i, close)
            first = self.submit_order("X", other, size, limit=target)
            self.submit_order("X", other, size, stop=stop, oco=first)
        elif self.percent:
            trail = float(self.plan.trail_percent[i])
            self.submit_order("X", other, size, trail_percent=trail)
        else:
            trail = float(self.plan.trail_amount[i])
            self.submit_order("X", other, size, trail_amount=trail)


@pytest.mark.parametrize(("seed", "percent"), [(7, False), (2024, False), (7, True), (99, True)])
def test_brackets_oco_and_trailing_stops_fill_as_in_backtrader(seed: int, percent: bool) -> None:
    bars = random_bars(seed)
    plan = Plan.draw(seed)
    want, value = backtrader_run(bars, plan, percent)
    engine = af.BacktestEngine(cash=CASH, fees=FEE)
    if not percent:
        engine.add_instrument("X", tick_size=0.01)
    # A percent trail's stop is off any grid, as backtrader keeps it; its fills are rounded to
    # the nearest tick of the fine default grid (1e-8), hence the tolerance.
    tolerance = 1e-8 if percent else 1e-9
    engine.add_bars("X", bars)
    strategy = RandomContingent(plan, percent)
    engine.add_strategy(strategy)
    result = engine.run()
    fills = result.fills
    got = list(zip(fills["side"], fills["qty"], fills["price"], strict=True))
    assert strategy.actions == set(ACTIONS)
    assert len(got) == len(want) > 1_000
    for ours, theirs in zip(got, want, strict=True):
        assert ours[:2] == theirs[:2]
        assert ours[2] == pytest.approx(theirs[2], abs=tolerance)
    traded = float(fills["qty"].sum())
    assert result.equity["equity"].iloc[-1] == pytest.approx(
        value, abs=max(traded * tolerance * (1 + FEE), 1e-9 * value)
    )
    # Every bracket that filled placed both children; none ever held both filled.
    orders = result.orders.set_index("order_id")
    placed = [b for b in strategy.brackets if b.stop_loss_id is not None]
    assert placed
    for bracket in placed:
        assert bracket.take_profit_id is not None
        children = orders.loc[[bracket.stop_loss_id, bracket.take_profit_id], "status"]
        assert (children == "FILLED").sum() <= 1
