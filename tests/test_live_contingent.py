"""Contingent orders and modify on a paper node: GTD, trailing stops, OCO, brackets, modify.

The node runs over a real WebSocket against the replay exchange, which replays a price path
written for each test; the paper venue fills by the tick backtest's rules: a market order at
the opposite quote of the next event (each trade here is followed by its quote, the bid at
the trade's price and the ask a tick above), a resting limit once a trade prints through it.
Every expected fill is worked out here from the path, independently of the node.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from alphaforge import BacktestEngine
from alphaforge.live import Journal
from live_paths import SYMBOL, TRADE_SIZE, PricePath, run_session, write_path
from live_strategies import Plan

TICK = 0.01
# A: 1-6, B: 7-10, C: 11-14, D: 15-18, E: 19-22, F: 23-26, G: 27-30, H: 31-34
PLATEAUS = [(100.0, 6), (101.0, 4), (102.0, 4), (103.0, 4), (101.5, 4), (100.0, 4),
            (99.0, 4), (104.0, 4)]  # fmt: skip


@pytest.fixture
def path(tmp_path: Path) -> PricePath:
    return write_path(tmp_path, PLATEAUS)


def market_buy_price(path: PricePath, n: int) -> float:
    """A market buy sent on trade n fills at the ask of the quote that follows it."""
    return round(path.price(n) + TICK, 2)


Distance = float | tuple[str, float]  # a price distance, or ("percent", fraction)


def trailing_trigger(path: PricePath, sent_at: int, distance: Distance) -> tuple[int, float]:
    """(trade that reaches a sell trailing stop, its stop then): by hand from the path."""

    def away(price: float) -> float:
        return price * distance[1] if isinstance(distance, tuple) else distance

    stop = path.price(sent_at) - away(path.price(sent_at))
    for n in range(sent_at + 1, len(path.trades) + 1):
        if path.price(n) <= stop:
            return n, stop
        stop = max(stop, path.price(n) - away(path.price(n)))
    raise AssertionError("the stop is never reached")


def fills_of(plan: Plan) -> list[tuple[int, str, float, float]]:
    return [(f.order_id, f.side, f.qty, f.price) for f in plan.fills]


@pytest.mark.parametrize("distance", [1.5, ("percent", 0.01)])
def test_a_trailing_stop_follows_the_trades_and_sells_at_market(
    path: PricePath, distance: Distance
) -> None:
    def enter(s: Plan) -> None:
        s.ids["entry"] = s.buy(SYMBOL, 0.5)

    def trail(s: Plan) -> None:
        if isinstance(distance, tuple):
            s.ids["trail"] = s.submit_order(SYMBOL, "SELL", 0.5, trail_percent=distance[1])
        else:
            s.ids["trail"] = s.submit_order(SYMBOL, "SELL", 0.5, trail_amount=distance)

    plan = Plan(SYMBOL, {2: enter, 4: trail})
    run_session(plan, path, "paper")

    assert plan.errors == []
    trigger, stop = trailing_trigger(path, 4, distance)
    assert trigger == 19  # the first trade of 101.5, after the top at 103
    trail_id = plan.ids["trail"]
    # One order id throughout: the market order it became fills at the bid after the trigger.
    assert fills_of(plan) == [
        (plan.ids["entry"], "BUY", 0.5, market_buy_price(path, 2)),
        (trail_id, "SELL", 0.5, path.price(trigger)),
    ]
    final = plan.last(trail_id)
    assert (final.type, final.status, final.filled_qty) == ("STOP", "FILLED", 0.5)
    assert final.stop_price == pytest.approx(stop)
    assert plan.statuses(trail_id) == ["ACCEPTED", "FILLED"]
    assert plan.position(SYMBOL) == 0.0


def test_gtd_orders_expire_at_the_first_event_at_or_after_their_time(path: PricePath) -> None:
    # A buy limit at 99.50 would fill on trade 27 (99.0): it expires at that trade's time,
    # before the trade is offered to it.
    expire_at = path.ts(27)

    def send(s: Plan) -> None:
        s.ids["gtd"] = s.submit_order(
            SYMBOL, "BUY", 0.5, limit=99.5, time_in_force="GTD", expire_time=expire_at
        )
        # Filled before its expiry: a GTD that fills stays FILLED.
        s.ids["filled"] = s.submit_order(SYMBOL, "BUY", 0.2, limit=100.5,
                                         expire_time=expire_at)  # fmt: skip

    plan = Plan(SYMBOL, {20: send})
    run_session(plan, path, "paper")

    assert plan.errors == []
    gtd = plan.last(plan.ids["gtd"])
    assert (gtd.status, gtd.reject_reason, gtd.filled_qty) == (
        "EXPIRED", "expire_time reached (GTD)", 0.0,
    )  # fmt: skip
    assert plan.statuses(plan.ids["gtd"]) == ["ACCEPTED", "EXPIRED"]
    assert gtd.time_in_force == "GTD"  # sent GTC, the node keeps the expiry
    assert plan.last(plan.ids["filled"]).time_in_force == "GTC"
    seen = [n for n, o in plan.updates if o.order_id == plan.ids["gtd"] and o.status == "EXPIRED"]
    assert seen == [26]  # after trade 26, before the strategy saw trade 27
    # The other limit fills on trade 23 (100.0 prints below 100.5), at its price.
    assert fills_of(plan) == [(plan.ids["filled"], "BUY", 0.2, 100.5)]
    assert plan.last(plan.ids["filled"]).status == "FILLED"


def test_the_tick_backtest_expires_the_same_gtd_order_at_the_same_trade(path: PricePath) -> None:
    trades = pd.DataFrame(
        {"ts_ns": [ts for ts, _ in path.trades], "price": [p for _, p in path.trades],
         "size": TRADE_SIZE}
    )  # fmt: skip

    def send(s: Plan) -> None:
        s.ids["gtd"] = s.submit_order(
            SYMBOL, "BUY", 0.5, limit=99.5, time_in_force="GTD", expire_time=path.ts(27)
        )

    plan = Plan(SYMBOL, {20: send})
    engine = BacktestEngine(cash=100_000.0)
    engine.add_instrument(SYMBOL, TICK, 0.000001)
    engine.add_trades(SYMBOL, trades)
    engine.add_strategy(plan)
    result = engine.run()

    assert result.fills.empty
    expired = [(n, o) for n, o in plan.updates if o.status == "EXPIRED"]
    assert [(n, o.order_id, o.time_in_force) for n, o in expired] == [(26, plan.ids["gtd"], "GTD")]


def test_a_gtd_order_expires_by_the_clock_when_no_event_comes(path: PricePath) -> None:
    # 0.3 s after the last trade of the path, by the node's clock; no event comes after it.
    expire_at = path.ts(len(path.trades)) + 300_000_000

    def send(s: Plan) -> None:
        s.ids["gtd"] = s.submit_order(SYMBOL, "BUY", 0.5, limit=90.0, expire_time=expire_at)

    plan = Plan(SYMBOL, {len(path.trades): send})
    run_session(plan, path, "paper", settle_s=1.0)

    assert plan.statuses(plan.ids["gtd"]) == ["ACCEPTED", "EXPIRED"]
    assert plan.last(plan.ids["gtd"]).reject_reason == "expire_time reached (GTD)"


def test_an_oco_pair_of_venue_orders_keeps_the_first_to_fill(path: PricePath) -> None:
    def send(s: Plan) -> None:
        s.ids["dip"] = s.buy(SYMBOL, 0.5, limit=99.5)
        s.ids["breakout"] = s.submit_order(SYMBOL, "BUY", 0.5, stop=103.5, oco=s.ids["dip"])

    plan = Plan(SYMBOL, {2: send})
    run_session(plan, path, "paper")

    # The path tops at 103 (the stop is never reached) and trade 27 prints 99.0 below 99.5.
    dip, breakout = plan.ids["dip"], plan.ids["breakout"]
    assert fills_of(plan) == [(dip, "BUY", 0.5, 99.5)]
    canceled = plan.last(breakout)
    assert (canceled.status, canceled.reject_reason) == (
        "CANCELED", f"OCO: order {dip} filled or ended",
    )  # fmt: skip
    assert plan.position(SYMBOL) == 0.5


def test_on_paper_one_trade_reaching_both_members_fills_the_first_only(tmp_path: Path) -> None:
    # The paper venue is in the process: the cancel lands before the other member is
    # matched, as the backtest's rule has it (the first placed fills, the others are canceled).
    path = write_path(tmp_path, [(100.0, 4), (99.0, 3)])

    def send(s: Plan) -> None:
        s.ids["a"] = s.buy(SYMBOL, 0.5, limit=99.5)
        s.ids["b"] = s.submit_order(SYMBOL, "BUY", 0.5, limit=99.2, oco=s.ids["a"])

    plan = Plan(SYMBOL, {2: send})
    run_session(plan, path, "paper")

    assert fills_of(plan) == [(plan.ids["a"], "BUY", 0.5, 99.5)]
    assert plan.last(plan.ids["b"]).status == "CANCELED"
    assert plan.position(SYMBOL) == 0.5


def test_an_oco_of_a_venue_limit_and_a_held_trailing_stop(path: PricePath) -> None:
    def enter(s: Plan) -> None:
        s.buy(SYMBOL, 0.5)

    def exits(s: Plan) -> None:
        s.ids["target"] = s.sell(SYMBOL, 0.5, limit=102.5)
        s.ids["trail"] = s.submit_order(SYMBOL, "SELL", 0.5, trail_amount=2.0,
                                        oco=s.ids["target"])  # fmt: skip

    plan = Plan(SYMBOL, {2: enter, 4: exits})
    run_session(plan, path, "paper")

    # The stop trails 2.0 below (101.0 at the top of 103): trade 15 at 103 goes through the
    # target first.
    target, trail = plan.ids["target"], plan.ids["trail"]
    assert fills_of(plan)[1:] == [(target, "SELL", 0.5, 102.5)]
    assert plan.last(trail).status == "CANCELED"
    assert plan.last(trail).reject_reason == f"OCO: order {target} filled or ended"
    assert plan.position(SYMBOL) == 0.0


def test_brackets_take_profit_stop_out_and_drop_when_the_entry_never_fills(
    path: PricePath, tmp_path: Path
) -> None:
    def first(s: Plan) -> None:
        s.brackets = [s.buy_bracket(SYMBOL, 0.5, stop_loss=99.5, take_profit=102.5)]  # type: ignore[attr-defined]

    def resting(s: Plan) -> None:
        s.brackets.append(  # type: ignore[attr-defined]
            s.buy_bracket(SYMBOL, 0.5, stop_loss=94.0, take_profit=96.0, limit=95.0)
        )

    def drop(s: Plan) -> None:
        s.cancel(s.brackets[1].entry_id)  # type: ignore[attr-defined]

    def second(s: Plan) -> None:
        s.brackets.append(  # type: ignore[attr-defined]
            s.buy_bracket(SYMBOL, 0.5, stop_loss=100.5, take_profit=103.5)
        )

    plan = Plan(SYMBOL, {2: first, 5: resting, 8: drop, 19: second})
    journal = tmp_path / "j.db"
    run_session(plan, path, "paper", journal=journal)

    assert plan.errors == []
    one, dropped, two = plan.brackets  # type: ignore[attr-defined]
    assert (dropped.stop_loss_id, dropped.take_profit_id) == (None, None)
    assert plan.statuses(dropped.entry_id) == ["ACCEPTED", "CANCELED"]
    # Exits placed stop-loss first, then take-profit, as in the backtest.
    assert (one.stop_loss_id, one.take_profit_id) == (one.entry_id + 1, one.entry_id + 2)
    # One: the entry buys at the ask after trade 2; trade 15 (103) goes through 102.5.
    # Two: the entry buys after trade 19 (101.5); trade 23 (100.0) reaches the stop at 100.5,
    # the take-profit is canceled, and the market sell fills at the bid after trade 23.
    assert fills_of(plan) == [
        (one.entry_id, "BUY", 0.5, market_buy_price(path, 2)),
        (one.take_profit_id, "SELL", 0.5, 102.5),
        (two.entry_id, "BUY", 0.5, market_buy_price(path, 19)),
        (two.stop_loss_id, "SELL", 0.5, path.price(23)),
    ]
    assert plan.last(one.stop_loss_id).status == "CANCELED"
    assert plan.last(one.stop_loss_id).reject_reason == (
        f"OCO: order {one.take_profit_id} filled or ended"
    )
    stop = plan.last(two.stop_loss_id)
    assert (stop.type, stop.stop_price, stop.status) == ("STOP", 100.5, "FILLED")
    assert plan.last(two.take_profit_id).reject_reason == (
        f"OCO: order {two.stop_loss_id} triggered"
    )
    assert plan.position(SYMBOL) == 0.0
    # Every exit journaled with its final state.
    with Journal(journal) as j:
        states = {body["order_id"]: body["state"] for body in j.contingent()}
        assert [b["entry_id"] for b in j.brackets()] == [one.entry_id, two.entry_id]
    assert states == {
        one.stop_loss_id: "CANCELED", one.take_profit_id: "FILLED",
        two.stop_loss_id: "FILLED", two.take_profit_id: "CANCELED",
    }  # fmt: skip


def test_modify_keeps_the_order_id_for_venue_and_held_orders(path: PricePath) -> None:
    def send(s: Plan) -> None:
        s.ids["limit"] = s.buy(SYMBOL, 0.5, limit=95.0)
        s.ids["entry"] = s.buy(SYMBOL, 0.5)

    def trail(s: Plan) -> None:
        s.ids["trail"] = s.submit_order(SYMBOL, "SELL", 0.5, trail_amount=1.5)

    def change(s: Plan) -> None:
        s.modify(s.ids["limit"], price=99.5, quantity=0.3)
        s.modify(s.ids["trail"], quantity=0.2)
        for bad in (
            lambda: s.modify(s.ids["trail"], price=1.0),
            lambda: s.modify(999, price=1.0),
            lambda: s.modify(s.ids["entry"], price=1.0),
            lambda: s.modify(s.ids["limit"], price=99.505),
        ):
            try:
                bad()
            except ValueError as error:
                s.errors.append(error)
        s.ids["open"] = len(s.open_orders(SYMBOL))

    plan = Plan(SYMBOL, {2: send, 4: trail, 6: change})
    run_session(plan, path, "paper")

    assert [str(e) for e in plan.errors] == [
        "a STOP order has no price",
        "order_id 999 is unknown",
        f"order {plan.ids['entry']} is FILLED and cannot be modified",
        "price 99.505 is not a multiple of the tick_size 0.01",
    ]
    limit, trail = plan.ids["limit"], plan.ids["trail"]
    assert plan.ids["open"] == 2  # the limit and the trailing stop, each once
    trigger, _ = trailing_trigger(path, 4, 1.5)
    # The limit, now 0.3 at 99.5, fills on trade 27 (99.0); the stop sells 0.2.
    assert fills_of(plan)[1:] == [
        (trail, "SELL", 0.2, path.price(trigger)),
        (limit, "BUY", 0.3, 99.5),
    ]
    changed = [o for n, o in plan.updates if o.order_id == limit and n == 6]
    assert [(o.qty, o.price, o.status) for o in changed] == [(0.3, 99.5, "ACCEPTED")]
    assert plan.statuses(limit) == ["ACCEPTED", "FILLED"]  # the replaced order never shows
    assert plan.last(trail).qty == 0.2
    assert plan.position(SYMBOL) == pytest.approx(0.6)


def test_bad_contingent_input_is_refused_by_name_and_changes_nothing(
    path: PricePath, tmp_path: Path
) -> None:
    attempts = {
        "past": lambda s: s.submit_order(SYMBOL, "BUY", 0.5, limit=99.0,
                                         expire_time=s.clock.timestamp_ns() - 1),
        "oco": lambda s: s.submit_order(SYMBOL, "BUY", 0.5, limit=99.0, oco=999),
        "order": lambda s: s.buy_bracket(SYMBOL, 0.5, stop_loss=105.0, take_profit=95.0),
        "limit": lambda s: s.buy_bracket(SYMBOL, 0.5, stop_loss=95.0, take_profit=105.0,
                                         limit=106.0),
        "grid": lambda s: s.buy_bracket(SYMBOL, 0.5, stop_loss=95.005, take_profit=105.0),
        "lot": lambda s: s.submit_order(SYMBOL, "SELL", 0.0000005, trail_amount=1.0),
        "wide": lambda s: s.submit_order(SYMBOL, "SELL", 0.5, trail_amount=100.0),
    }  # fmt: skip
    expected = {
        "past": r"expire_time \d+ ns must be after the current time \d+ ns",
        "oco": "oco: order 999 is unknown",
        "order": "a buy bracket needs stop_loss below take_profit, got stop_loss=105.0",
        "limit": "the entry limit 106.0 must lie between stop_loss=95.0 and take_profit=105.0",
        "grid": "stop_loss 95.005 is not a multiple of the tick_size 0.01",
        "lot": "qty 5e-07 is not a multiple of the lot_size 1e-06",
        "wide": "trailing stop of BTCUSDT would start at 0.0 from the last price 100.0",
    }
    raised: dict[str, str] = {}

    def try_all(s: Plan) -> None:
        for name, attempt in attempts.items():
            with pytest.raises(ValueError, match=expected[name]):
                attempt(s)
            raised[name] = "raised"
        s.ids["open"] = len(s.open_orders(SYMBOL))

    plan = Plan(SYMBOL, {3: try_all})
    journal = tmp_path / "j.db"
    session = run_session(plan, path, "paper", journal=journal)

    assert plan.errors == []
    assert list(raised) == list(expected)
    assert plan.ids["open"] == 0
    assert session.stats.orders_sent == 0
    with Journal(journal) as j:
        assert (j.contingent(), j.brackets(), j.orders()) == ([], [], [])
        assert j.last_order_id() == 0


def test_a_trailing_stop_needs_a_last_price(tmp_path: Path) -> None:
    path = write_path(tmp_path, [(100.0, 3)])

    class Early(Plan):
        def on_start(self) -> None:
            super().on_start()
            try:
                self.submit_order(SYMBOL, "SELL", 0.5, trail_amount=1.0)
            except ValueError as error:
                self.errors.append(error)

    plan = Early(SYMBOL, {})
    run_session(plan, path, "paper")
    assert [str(e) for e in plan.errors] == [
        f"a trailing stop of {SYMBOL} starts from its last price, and none is known yet"
    ]
