"""Positions, PnL, fees, cash and equity after random trading, against a plain Python
average-cost ledger written independently of the engine."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.execution import ExecutionEngine, Fees, Instrument, Order, OrderSide

TICK, LOT, TAKER, CASH = 0.25, 0.5, 0.0007, 50_000.0


@dataclass
class Ledger:
    qty: float = 0.0
    avg: float = 0.0
    realized: float = 0.0
    fees: float = 0.0

    def trade(self, signed_qty: float, price: float, fee: float) -> None:
        self.fees += fee
        if self.qty == 0 or (self.qty > 0) == (signed_qty > 0):
            total = abs(self.qty) + abs(signed_qty)
            self.avg = (self.avg * abs(self.qty) + price * abs(signed_qty)) / total
            self.qty += signed_qty
            return
        closed = min(abs(self.qty), abs(signed_qty))
        self.realized += closed * (price - self.avg) * (1 if self.qty > 0 else -1)
        was_long = self.qty > 0
        self.qty += signed_qty
        if abs(self.qty) < 1e-12:
            self.qty, self.avg = 0.0, 0.0
        elif (self.qty > 0) != was_long:
            self.avg = price


steps = st.lists(
    st.one_of(
        st.tuples(st.just("price"), st.integers(min_value=300, max_value=500)),
        st.tuples(
            st.just("order"),
            st.sampled_from(["a", "b"]),
            st.integers(min_value=-20, max_value=20).filter(lambda n: n != 0),
        ),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(steps)
def test_engine_books_trades_like_the_ledger(script: list[tuple]) -> None:
    engine = ExecutionEngine(fees=Fees(taker=TAKER), cash=CASH)
    engine.add_instrument(Instrument("FUT", tick_size=TICK, lot_size=LOT))
    engine.update_price("FUT", 100.0)
    price = 100.0
    ledgers = {"a": Ledger(), "b": Ledger()}
    net = Ledger()
    cash = CASH
    for step in script:
        if step[0] == "price":
            price = step[1] * TICK
            engine.update_price("FUT", price)
            continue
        _, strategy, lots = step
        qty = abs(lots) * LOT
        side = OrderSide.Buy if lots > 0 else OrderSide.Sell
        engine.submit_order(Order.market("FUT", side, qty, strategy))
        fee = qty * price * TAKER
        signed = qty if lots > 0 else -qty
        ledgers[strategy].trade(signed, price, fee)
        net.trade(signed, price, fee)
        cash -= signed * price + fee

    for strategy, ledger in ledgers.items():
        pos = engine.position("FUT", strategy)
        assert pos.quantity == pytest.approx(ledger.qty, abs=1e-9)
        assert pos.avg_price == pytest.approx(ledger.avg, rel=1e-12, abs=1e-9)
        assert pos.realized_pnl == pytest.approx(ledger.realized, rel=1e-9, abs=1e-6)
        assert pos.fees == pytest.approx(ledger.fees, rel=1e-9, abs=1e-9)
        assert pos.unrealized_pnl == pytest.approx(ledger.qty * (price - ledger.avg), abs=1e-6)
    account = engine.account()
    unrealized = net.qty * (price - net.avg)
    assert account.cash == pytest.approx(cash, rel=1e-12, abs=1e-6)
    assert account.realized_pnl == pytest.approx(net.realized, rel=1e-9, abs=1e-6)
    assert account.unrealized_pnl == pytest.approx(unrealized, abs=1e-6)
    assert account.equity == pytest.approx(cash + net.qty * price, rel=1e-12, abs=1e-6)
    assert account.equity == pytest.approx(
        CASH + net.realized + unrealized - net.fees, rel=1e-12, abs=1e-6
    )
