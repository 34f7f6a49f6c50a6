"""Target orders and sizers in real backtests (bars and ticks) and a paper session, against
quantities computed by hand from the bars, the equity and the lot."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alphaforge as af
from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode
from alphaforge.records import FillRecord
from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.samples import btcusdt_quotes, btcusdt_trades
from alphaforge.sizing import FixedFractional, Sizer, SizingRequest, VolatilitySizer

OPEN = [100.0, 103.0, 104.0, 101.0, 99.0, 98.0]
CLOSE = [101.0, 104.0, 100.0, 100.0, 98.0, 99.0]
CASH = 10_000.0
LOT = 1e-8  # the engine's grid when no instrument is added


def bars() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open": OPEN,
            "high": [max(o, c) + 1 for o, c in zip(OPEN, CLOSE, strict=True)],
            "low": [min(o, c) - 1 for o, c in zip(OPEN, CLOSE, strict=True)],
            "close": CLOSE,
            "volume": [1e3] * len(OPEN),
        },
        index=pd.date_range("2024-01-01", periods=len(OPEN), freq="D", tz="UTC"),
    )


def down(qty: float, lot: float = LOT) -> float:
    """`qty` rounded toward zero to whole lots, as the reference."""
    return math.trunc(qty / lot + 1e-9 * math.copysign(1, qty)) * lot


Step = Callable[[af.Strategy, Any], Any]


class Steps(af.Strategy):
    """Runs steps[n](self, bar) on the n-th bar (from 0), keeping what each returns."""

    def __init__(self, steps: dict[int, Step], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.steps = steps
        self.n = -1
        self.returned: dict[int, Any] = {}
        self.positions: list[float] = []

    def on_start(self) -> None:
        self.subscribe_bars("X")

    def on_bar(self, bar: Any) -> None:
        self.n += 1
        self.positions.append(self.position("X"))
        step = self.steps.get(self.n)
        if step is not None:
            self.returned[self.n] = step(self, bar)


def run(strategy: af.Strategy, engine: af.BacktestEngine | None = None) -> pd.DataFrame:
    engine = engine or af.BacktestEngine(cash=CASH)
    engine.add_bars("X", bars())
    engine.add_strategy(strategy)
    fills: pd.DataFrame = engine.run_frames()["fills"]
    return fills


def test_target_orders_on_bars_move_the_position_to_the_target() -> None:
    s = Steps(
        {
            0: lambda st, _: st.order_target_percent("X", 0.5),
            1: lambda st, _: st.order_target_percent("X", 0.5),
            2: lambda st, _: st.order_target_quantity("X", -10),
            3: lambda st, _: (
                st.order_target_quantity("X", -10),
                st.order_target_value("X", -1_000.0),  # -10 at the close of 100
            ),
            4: lambda st, _: st.order_target_value("X", 0.0),
        }
    )
    fills = run(s)
    # Bar 0: half of 10,000 at the close of 101, filled at the next open (103).
    q0 = down(5_000.0 / 101.0)
    # Bar 1: equity is the cash plus q0 at the close of 104; the target is half of it.
    equity1 = CASH - q0 * 103.0 + q0 * 104.0
    q1 = down(0.5 * equity1 / 104.0)
    want = [("BUY", q0, 103.0), ("SELL", q0 - q1, 104.0), ("SELL", q1 + 10.0, 101.0)]
    want.append(("BUY", 10.0, 98.0))  # bar 4's close-out fills at bar 5's open
    got = list(zip(fills["side"], fills["qty"], fills["price"], strict=True))
    assert [g[0] for g in got] == [w[0] for w in want]
    assert [g[1] for g in got] == pytest.approx([w[1] for w in want], abs=1e-12)
    assert [g[2] for g in got] == [w[2] for w in want]
    assert s.positions[1:] == pytest.approx([q0, q1, -10.0, -10.0, 0.0], abs=1e-12)
    assert isinstance(s.returned[0], int)
    assert s.returned[3] == (None, None)  # already there: nothing sent


def test_a_target_counts_the_market_orders_not_yet_filled() -> None:
    # Both calls come before the first fill: the second sees the first in flight.
    s = Steps(
        {
            0: lambda st, _: (
                st.order_target_quantity("X", 7),
                st.order_target_quantity("X", 7),
                st.order_target_quantity("X", 5),
            )
        }
    )
    fills = run(s)
    first, again, fewer = s.returned[0]
    assert [type(first), again, type(fewer)] == [int, None, int]
    assert list(zip(fills["side"], fills["qty"], strict=True)) == [("BUY", 7.0), ("SELL", 2.0)]


@pytest.mark.parametrize(("lot", "multiplier"), [(1.0, 1.0), (0.25, 1.0), (1.0, 10.0)])
def test_targets_round_toward_zero_to_the_lot_of_the_context(lot: float, multiplier: float) -> None:
    engine = af.BacktestEngine(cash=1e6)
    engine.add_instrument("X", 0.01, lot, multiplier=multiplier)
    s = Steps(
        {
            0: lambda st, _: st.order_target_value("X", 5_000.0),
            1: lambda st, _: st.order_target_value("X", -800.0),
        }
    )
    fills = run(s, engine)
    q0 = math.floor(5_000.0 / (101.0 * multiplier) / lot) * lot
    q1 = -math.floor(800.0 / (104.0 * multiplier) / lot) * lot  # toward zero: a smaller short
    assert fills["qty"].tolist() == pytest.approx([q0, q0 - q1])
    assert s.positions[2] == pytest.approx(q1)


def test_fixed_fractional_sizes_buy_and_sell_without_qty() -> None:
    s = Steps(
        {
            0: lambda st, _: st.buy("X"),
            2: lambda st, _: st.sell("X"),
            3: lambda st, _: st.buy("X", limit=95.0),  # sized at the limit, rests
        },
        sizer=FixedFractional(0.02),
    )
    fills = run(s)
    q0 = down(0.02 * CASH / 101.0)
    equity2 = CASH - q0 * 103.0 + q0 * 100.0  # bar 2's close
    q2 = down(0.02 * equity2 / 100.0)
    equity3 = CASH - q0 * 103.0 + q2 * 101.0 + (q0 - q2) * 100.0
    q3 = down(0.02 * equity3 / 95.0)
    assert fills["side"].tolist() == ["BUY", "SELL"]
    assert fills["qty"].tolist() == pytest.approx([q0, q2], abs=1e-12)
    assert s.open_orders("X")[0].qty == pytest.approx(q3, abs=1e-12)


def test_volatility_sizer_against_numpy() -> None:
    sizer = VolatilitySizer(0.01, lookback=3, periods_per_year=4.0)
    buys = {n: (lambda st, _: st.buy("X")) for n in range(5)}
    s = Steps(buys, sizer=sizer)
    fills = run(s)
    # Three returns need four closes: bars 0-2 size nothing.
    assert [s.returned[n] for n in range(3)] == [None, None, None]
    closes = np.array(CLOSE)
    held, cash, want = 0.0, CASH, []
    for n in (3, 4):
        returns = closes[n - 2 : n + 1] / closes[n - 3 : n] - 1
        sigma = np.std(returns, ddof=1) * 2.0  # sqrt(4 periods a year)
        equity = cash + held * closes[n]
        qty = down(min(0.01 / sigma, 1.0) * equity / closes[n])
        want.append(qty)
        held, cash = held + qty, cash - qty * OPEN[n + 1]
    assert fills["qty"].tolist() == pytest.approx(want, abs=1e-12)
    assert sizer.volatility("X") == pytest.approx(
        np.std(closes[3:] / closes[2:-1] - 1, ddof=1) * 2.0
    )


def test_volatility_sizer_caps_a_flat_market_at_max_fraction() -> None:
    sizer = VolatilitySizer(0.01, lookback=2, max_fraction=0.1)
    for close in (100.0, 100.0, 100.0):
        sizer.on_bar("X", close)
    request = SizingRequest("X", "BUY", 100.0, 50_000.0, 0.0)
    assert sizer.size(request) == pytest.approx(0.1 * 50_000.0 / 100.0)


def test_sizers_refuse_bad_settings() -> None:
    with pytest.raises(ValueError, match=r"fraction must be a finite number > 0, got -0\.1"):
        FixedFractional(-0.1)
    with pytest.raises(TypeError, match="fraction must be a number, got '2%'"):
        FixedFractional("2%")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lookback must be an int >= 2"):
        VolatilitySizer(0.1, 1)
    with pytest.raises(TypeError, match=r"sizer must be an alphaforge\.sizing\.Sizer"):
        af.Strategy(sizer=0.02)  # type: ignore[arg-type]


def test_buy_without_qty_or_sizer_and_a_sizer_gone_wrong() -> None:
    class Negative(Sizer):
        def size(self, request: SizingRequest) -> float:
            return -1.0

    errors: list[str] = []

    def attempt(st: af.Strategy, _: Any) -> None:
        calls: list[Callable[[], Any]] = [
            lambda: st.buy("X"),
            lambda: st.order_target_value("Y", 1.0),
        ]
        for call in calls:
            with pytest.raises(ValueError, match=r"X|Y") as error:
                call()
            errors.append(str(error.value))

    fills = run(Steps({0: attempt}))
    assert "buy('X') without qty needs a sizer" in errors[0]
    assert "no price of 'Y' is known" in errors[1]
    with_bad = Steps({0: lambda st, _: st.buy("X")}, sizer=Negative())
    with pytest.raises(ValueError, match=r"sized X at -1\.0: a quantity must be >= 0"):
        run(with_bad)
    assert fills.empty


def test_prices_come_from_the_context_and_no_handler_is_wrapped() -> None:
    class Sizing(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_bars("X")

        def on_bar(self, bar: Any) -> None:
            assert self.last_price("X") == bar.close  # the account's mark, not a copy of ours
            self.order_target_percent("X", 0.1)

    sizing = Sizing()
    run(sizing)
    assert "on_bar" not in sizing.__dict__  # without a sizer the engine takes the class's own
    assert sizing.last_price("X") == CLOSE[-1]
    fresh = af.BacktestEngine(cash=1e6)
    fresh.add_bars("X", bars())
    before = Sizing()
    fresh.add_strategy(before)
    with pytest.raises(ValueError, match="no price of 'X' is known yet"):
        before.order_target_value("X", 10.0)


def test_target_value_on_ticks_uses_the_last_trade_and_sends_once() -> None:
    trades, quotes = btcusdt_trades(), btcusdt_quotes()

    class Ticks(af.Strategy):
        def __init__(self) -> None:
            super().__init__()
            self.trades = 0
            self.sent: list[int | None] = []
            self.price_at_first: float | None = None
            self.in_flight = 0  # calls made while the first order was still open

        def on_start(self) -> None:
            self.subscribe_trades("BTCUSDT")

        def on_trade(self, trade: Any) -> None:
            self.trades += 1
            if self.trades == 1:
                self.price_at_first = self.last_price("BTCUSDT")
                self.sent.append(self.order_target_value("BTCUSDT", 1_000.0))
            elif self.trades <= 200:  # in flight for a while (latency), then filled: sent once
                self.in_flight += len(self.open_orders("BTCUSDT"))
                at = self.price_at_first
                self.sent.append(self.order_target_value("BTCUSDT", 1_000.0, price=at))
            elif self.trades == 400:
                self.sent.append(self.order_target_percent("BTCUSDT", 0.0))

    engine = af.BacktestEngine(cash=CASH, latency=0.05)
    engine.add_trades("BTCUSDT", trades)
    engine.add_quotes("BTCUSDT", quotes)
    strategy = Ticks()
    engine.add_strategy(strategy)
    fills = engine.run_frames()["fills"]
    first = float(trades["price"].iloc[0])
    assert strategy.price_at_first == first
    assert [x for x in strategy.sent if x is not None] == [1, 2]
    assert 0 < strategy.in_flight < 199
    assert fills["side"].tolist() == ["BUY", "SELL"]
    assert fills["qty"].tolist() == pytest.approx([down(1_000.0 / first)] * 2, abs=1e-12)


def test_target_percent_on_quotes_alone_uses_the_mid() -> None:
    quotes = btcusdt_quotes()

    class Mid(af.Strategy):
        def on_start(self) -> None:
            self.subscribe_quotes("BTCUSDT")
            self.done = False

        def on_quote(self, quote: Any) -> None:
            if not self.done:
                self.done = True
                self.order_target_percent("BTCUSDT", 0.25)

    engine = af.BacktestEngine(cash=CASH)
    engine.add_quotes("BTCUSDT", quotes)
    engine.add_strategy(Mid())
    fills = engine.run_frames()["fills"]
    mid = (quotes["bid"].iloc[0] + quotes["ask"].iloc[0]) / 2
    assert fills["qty"].tolist() == pytest.approx([down(0.25 * CASH / mid)], abs=1e-12)
    assert fills["price"].iloc[0] == quotes["ask"].iloc[1]  # a buy takes the next ask


class LiveTargets(af.Strategy):
    """Bar 1: a target of 0.01 BTC, asked again on bars 2 and 3; bar 4: a target value of
    500 USDT; bar 5: a sized buy; bar 6: flat."""

    def __init__(self) -> None:
        super().__init__("targets", sizer=FixedFractional(0.001))
        self.bars = 0
        self.sent: list[int | None] = []
        self.closes: list[float] = []
        self.equity_at: list[float] = []
        self.fills: list[FillRecord] = []

    def on_start(self) -> None:
        self.subscribe_bars("BTCUSDT", "2s")

    def on_fill(self, fill: FillRecord) -> None:
        self.fills.append(fill)

    def on_bar(self, bar: Any) -> None:
        self.bars += 1
        self.closes.append(bar.close)
        self.equity_at.append(self.equity)
        n = self.bars
        if n in (1, 2, 3):
            self.sent.append(self.order_target_quantity("BTCUSDT", 0.01))
        elif n == 4:
            self.sent.append(self.order_target_value("BTCUSDT", 500.0))
        elif n == 5:
            self.sent.append(self.buy("BTCUSDT"))
        elif n == 6:
            self.sent.append(self.order_target_percent("BTCUSDT", 0.0))


def test_target_orders_and_a_sizer_on_a_paper_node() -> None:
    strategy = LiveTargets()

    async def session() -> Any:
        config = ReplayConfig(port=0, speed=0, loops=1, start_on_subscribe=True)
        async with ReplayExchange(config) as exchange:
            node = TradingNode(
                [strategy],
                venue=BinanceConfig.local(exchange, symbols=["BTCUSDT"]),
                mode="paper",
                paper_balances={"USDT": 100_000.0},
                install_signal_handlers=False,
            )
            run_task = asyncio.ensure_future(node.run_async())
            await exchange.wait_finished()
            while node.statistics().trades < len(btcusdt_trades()) and not run_task.done():
                await asyncio.sleep(0.01)
            node.stop()
            return await run_task, node.instruments["BTCUSDT"].lot_size

    stats, lot = asyncio.run(asyncio.wait_for(session(), 60))
    assert stats.handler_errors == 0
    assert strategy.bars >= 7
    first, again, third, value, sized, flat = strategy.sent
    assert [type(first), again, third] == [int, None, None]
    assert [type(value), type(sized), type(flat)] == [int, int, int]
    # Bar 4 tops 0.01 up to 500 USDT at its close; bar 5 buys 0.1% of equity at its close.
    q4 = math.floor(500.0 / strategy.closes[3] / lot + 1e-9) * lot
    q5 = math.floor(0.001 * strategy.equity_at[4] / strategy.closes[4] / lot + 1e-9) * lot
    fills = [(f.side, f.qty) for f in strategy.fills]
    assert [s for s, _ in fills] == ["BUY", "BUY", "BUY", "SELL"]
    assert [q for _, q in fills] == pytest.approx([0.01, q4 - 0.01, q5, q4 + q5], abs=1e-12)
    assert strategy.position("BTCUSDT") == pytest.approx(0.0, abs=1e-12)
