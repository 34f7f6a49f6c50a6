"""Buying power and accounts in backtests: cash, spot and margin accounts, reduce-only orders,
the account a strategy sees, risk limits, contract multipliers and fees per instrument."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import alphaforge as af
from alphaforge.execution import RiskLimits
from alphaforge.records import OrderRecord

Action = Callable[[af.Strategy], Any]


def bars(closes: list[float], opens: list[float] | None = None) -> pd.DataFrame:
    """Daily bars with these closes (and opens, else the closes), a range of 1 around them."""
    opens = opens or closes
    return pd.DataFrame(
        {
            "open": opens,
            "high": [max(o, c) + 1 for o, c in zip(opens, closes, strict=True)],
            "low": [min(o, c) - 1 for o, c in zip(opens, closes, strict=True)],
            "close": closes,
            "volume": 1.0,
        },
        index=pd.date_range("2024-01-01", periods=len(closes), freq="D", tz="UTC"),
    )


class Steps(af.Strategy):
    """Runs the actions of each bar index; records order updates and what it sees."""

    def __init__(self, actions: dict[int, list[Action]], symbol: str = "X") -> None:
        super().__init__()
        self.actions = actions
        self.symbol = symbol
        self.index = -1
        self.updates: list[OrderRecord] = []
        self.seen: list[Any] = []

    def on_start(self) -> None:
        self.subscribe_bars(self.symbol)

    def on_bar(self, bar: Any) -> None:
        self.index += 1
        for action in self.actions.get(self.index, []):
            action(self)

    def on_order_update(self, order: OrderRecord) -> None:
        self.updates.append(order)

    def status(self, order_id: int) -> OrderRecord:
        return [u for u in self.updates if u.order_id == order_id][-1]


def run(frame: pd.DataFrame, actions: dict[int, list[Action]], **options: Any) -> Steps:
    engine = af.BacktestEngine(**options)
    engine.add_bars("X", frame)
    strategy = Steps(actions)
    engine.add_strategy(strategy)
    strategy.result = engine.run()  # type: ignore[attr-defined]
    return strategy


def test_buying_a_hundred_times_the_cash_is_refused_and_the_report_stays_sane() -> None:
    ids: list[int] = []
    s = run(bars([100.0] * 4), {0: [lambda st: ids.append(st.buy("X", 100_000))]}, cash=100_000)
    order = s.status(ids[0])
    assert order.status == "REJECTED"
    assert order.reject_reason.startswith("insufficient cash: the order needs 10000000")
    result = s.result  # type: ignore[attr-defined]
    assert result.fills.empty
    assert result.final_equity == pytest.approx(100_000.0)
    assert result.metrics.total_return == pytest.approx(0.0)


def test_open_orders_reserve_cash_and_the_fill_is_checked_again() -> None:
    ids: list[int] = []
    actions = {
        0: [
            lambda st: ids.append(st.buy("X", 600, limit=99.0)),  # reserves 59,400
            lambda st: ids.append(st.buy("X", 600, limit=99.0)),  # would need as much again
        ],
    }
    s = run(bars([100.0, 100.0, 100.0]), actions, cash=100_000)
    assert s.status(ids[0]).status == "FILLED"
    assert s.status(ids[1]).status == "REJECTED"
    assert "buying power is 40600" in s.status(ids[1]).reject_reason
    # A market order sized to the cash at the close is refused when the open gaps up.
    gap = bars([100.0, 130.0], opens=[100.0, 130.0])
    s = run(gap, {0: [lambda st: ids.append(st.buy("X", 990))]}, cash=100_000)
    assert s.status(ids[-1]).status == "REJECTED"
    assert s.status(ids[-1]).reject_reason.startswith("insufficient cash when it fills")
    assert s.result.fills.empty  # type: ignore[attr-defined]


def test_shorts_are_allowed_unless_the_account_forbids_them() -> None:
    ids: list[int] = []
    s = run(bars([100.0] * 3), {0: [lambda st: ids.append(st.sell("X", 10))]})
    assert s.status(ids[0]).status == "FILLED"
    assert s.position("X") == -10
    s = run(bars([100.0] * 3), {0: [lambda st: ids.append(st.sell("X", 10))]}, allow_short=False)
    assert s.status(ids[-1]).status == "REJECTED"
    assert s.status(ids[-1]).reject_reason.startswith("short selling is not allowed")


def test_spot_accounts_hold_a_balance_per_asset() -> None:
    engine = af.BacktestEngine(
        cash=10_000, account="spot", currency="USDT", balances={"BTC": 1.0}, fees=0.001
    )
    engine.add_instrument("BTCUSDT", 0.01, 0.0001, base="BTC", quote="USDT")
    engine.add_bars("BTCUSDT", bars([20_000.0, 20_000.0, 21_000.0]))
    ids: list[int] = []
    strategy = Steps(
        {
            0: [
                lambda st: ids.append(st.buy("BTCUSDT", 1)),  # needs 20,020 USDT of 10,000
                lambda st: ids.append(st.sell("BTCUSDT", 2)),  # holds 1 BTC
                lambda st: ids.append(st.sell("BTCUSDT", 0.5)),
            ],
            1: [lambda st: st.seen.append(st.balances)],
        },
        symbol="BTCUSDT",
    )
    engine.add_strategy(strategy)
    result = engine.run()
    assert [strategy.status(i).status for i in ids] == ["REJECTED", "REJECTED", "FILLED"]
    assert "needs 20020 USDT, free balance is 10000" in strategy.status(ids[0]).reject_reason
    assert "needs 2 BTC, free balance is 1" in strategy.status(ids[1]).reject_reason
    balances = strategy.seen[0]
    assert balances["BTC"].free == pytest.approx(0.5)
    assert balances["USDT"].free == pytest.approx(10_000 + 10_000 - 10.0)
    # Equity counts every asset at its price in the account's currency.
    assert result.final_equity == pytest.approx(19_990 + 0.5 * 21_000)
    assert result.starting_cash == pytest.approx(10_000 + 20_000)


def test_margin_accounts_lever_and_call_margin_below_maintenance() -> None:
    ids: list[int] = []
    actions = {
        0: [
            lambda st: ids.append(st.buy("X", 1_500)),  # 150,000 on 100,000 at 2x: 75,000 margin
            lambda st: ids.append(st.buy("X", 600)),  # 30,000 more margin: only 25,000 is left
        ]
    }
    options = {"cash": 100_000, "account": "margin", "leverage": 2.0, "maintenance_margin": 0.25}
    # Long 1,500 from 100 with 50,000 borrowed: equity is 1,500 p - 50,000, and the call comes
    # when it falls below 25% of 1,500 p, that is below p = 44.44: at the close of 40.
    s = run(bars([100.0, 100.0, 60.0, 40.0, 50.0]), actions, **options)
    assert s.status(ids[0]).status == "FILLED"
    assert s.status(ids[1]).reject_reason.startswith("insufficient margin: the order needs 30000")
    fills = s.result.fills  # type: ignore[attr-defined]
    assert list(zip(fills["side"], fills["qty"], fills["price"], strict=True)) == [
        ("BUY", 1_500.0, 100.0),
        ("SELL", 1_500.0, 40.0),
    ]
    call = s.updates[-1]
    assert call.status == "FILLED"
    assert call.reduce_only
    assert s.position("X") == 0
    assert s.result.final_equity == pytest.approx(10_000.0)  # type: ignore[attr-defined]
    # Above the maintenance margin nothing is closed.
    s = run(bars([100.0, 100.0, 60.0, 50.0]), {0: [lambda st: st.buy("X", 1_500)]}, **options)
    assert s.position("X") == 1_500


def test_reduce_only_orders_never_grow_or_flip_a_position() -> None:
    ids: list[int] = []
    actions = {
        0: [
            lambda st: ids.append(st.sell("X", 5, reduce_only=True)),  # flat: nothing to reduce
            lambda st: ids.append(st.buy("X", 10)),
        ],
        1: [
            lambda st: ids.append(st.sell("X", 15, reduce_only=True)),  # would flip
            lambda st: ids.append(st.sell("X", 10, limit=150.0, reduce_only=True)),  # rests
            lambda st: ids.append(st.sell("X", 10)),  # closes the position first
        ],
    }
    s = run(bars([100.0, 100.0, 100.0, 100.0]), actions)
    first, _, flip, resting, close = (s.status(i) for i in ids)
    assert first.status == "REJECTED"
    assert "would grow or flip the position of 0" in first.reject_reason
    assert flip.status == "REJECTED"
    assert close.status == "FILLED"
    assert resting.status == "EXPIRED"
    assert resting.reject_reason.startswith("reduce_only")
    assert s.position("X") == 0


def test_the_strategy_sees_its_account() -> None:
    def look(st: af.Strategy) -> None:
        st.seen.append((st.cash, st.equity, st.buying_power, st.portfolio))  # type: ignore[attr-defined]

    actions = {0: [lambda st: st.buy("X", 10), lambda st: st.buy("X", 5, limit=90.0)], 1: [look]}
    s = run(bars([100.0, 110.0, 110.0], opens=[100.0, 100.0, 110.0]), actions, cash=10_000)
    cash, equity, buying_power, portfolio = s.seen[0]
    assert cash == pytest.approx(10_000 - 1_000)
    assert equity == pytest.approx(9_000 + 10 * 110)
    assert buying_power == pytest.approx(9_000 - 5 * 90)  # the open limit reserves its cost
    position = portfolio["X"]
    assert (position.qty, position.avg_price) == (10, 100.0)
    assert position.unrealized_pnl == pytest.approx(100.0)


def test_risk_limits_apply_to_backtests() -> None:
    ids: list[int] = []
    actions = {0: [lambda st: ids.append(st.buy("X", 10)), lambda st: ids.append(st.buy("X", 3))]}
    s = run(bars([100.0] * 3), actions, risk=RiskLimits(max_order_qty=5))
    assert s.status(ids[0]).reject_reason == "quantity 10 exceeds max_order_qty 5"
    assert s.status(ids[1]).status == "FILLED"


def test_multiplier_and_fees_of_an_instrument() -> None:
    # A 6E future: 125,000 euros a contract, its own fee of 1 bp either way.
    engine = af.BacktestEngine(cash=1_000_000, fees=0.01)
    engine.add_instrument("6E", 0.00005, 1, multiplier=125_000, fees=(0.0001, 0.0001))
    engine.add_bars("6E", bars([1.1, 1.1, 1.102]))
    engine.add_strategy(Steps({0: [lambda st: st.buy("6E", 2)]}, symbol="6E"))
    result = engine.run()
    fill = result.fills.iloc[0]
    assert fill.fee == pytest.approx(0.0001 * 2 * 1.1 * 125_000)
    position = result.positions.iloc[0]
    assert position.unrealized_pnl == pytest.approx(2 * 0.002 * 125_000)
    assert result.final_equity == pytest.approx(1_000_000 + 500.0 - fill.fee)
