"""Contingent orders and modify on a live node against the replay exchange, over signed REST
and the WebSocket API on loopback: brackets, OCO groups, modify and GTD, and a restart in the
middle of a bracket.

The replay exchange replays a path of plateaus in real time (0.1 s a trade) and derives its
book from the trades: a market buy takes the ask a tick above the last price, a market sell the
bid at it, and a resting sell limit fills at its price once the bid rises through it. What the
exchange holds (its orders and trades) is read back over REST and compared with the hand
computed fills and with what the strategy saw.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import alphaforge as af
from alphaforge.live import Journal
from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.replay.config import FaultConfig
from live_paths import SYMBOL, PathSession, PricePath, run_on, run_session, write_path
from live_session import exchange_fills, journal_fills
from live_strategies import Plan
from test_live_contingent import PLATEAUS, market_buy_price


@pytest.fixture
def path(tmp_path: Path) -> PricePath:
    return write_path(tmp_path, PLATEAUS)


def fills_of(plan: Plan) -> list[tuple[int, str, float, float]]:
    """(order id, side, qty, price) of the strategy's fills, an order's trades merged."""
    merged: dict[tuple[int, str, float], float] = {}
    for f in plan.fills:
        key = (f.order_id, f.side, f.price)
        merged[key] = round(merged.get(key, 0.0) + f.qty, 9)
    return [(order_id, side, qty, price) for (order_id, side, price), qty in merged.items()]


def at_exchange(session: PathSession) -> list[tuple[str, str, str, float]]:
    """(client id, type, status, executed qty) of every order the exchange holds."""
    return sorted(
        (o["clientOrderId"], o["type"], o["status"], float(o["executedQty"]))
        for o in session.orders
    )


def placed_once(session: PathSession) -> None:
    placed = Counter(o["clientOrderId"] for o in session.orders)
    assert set(placed.values()) == {1}, placed


def cid(order_id: int) -> str:
    return f"af-{order_id}"


@pytest.mark.parametrize("unknown_every", [0, 2])
def test_brackets_live_take_profit_at_the_venue_and_stop_out_by_the_node(
    path: PricePath, tmp_path: Path, unknown_every: int
) -> None:
    # With `unknown_every`, every second new order is placed but answered 503: its outcome is
    # unknown to the node, which learns it from the user stream or a query, never a resend.
    def first(s: Plan) -> None:
        s.brackets = [s.buy_bracket(SYMBOL, 0.5, stop_loss=99.5, take_profit=102.5)]  # type: ignore[attr-defined]

    def second(s: Plan) -> None:
        s.brackets.append(s.buy_bracket(SYMBOL, 0.5, stop_loss=100.5, take_profit=103.5))  # type: ignore[attr-defined]

    plan = Plan(SYMBOL, {2: first, 19: second})
    journal = tmp_path / "j.db"
    faults = FaultConfig(http5xx_order_every=unknown_every)
    session = run_session(plan, path, "live", journal=journal, faults=faults)
    assert session.stats.unknown_outcomes == (2 if unknown_every else 0)  # of 5 orders

    assert plan.errors == []
    one, two = plan.brackets  # type: ignore[attr-defined]
    assert fills_of(plan) == [
        (one.entry_id, "BUY", 0.5, market_buy_price(path, 2)),
        (one.take_profit_id, "SELL", 0.5, 102.5),
        (two.entry_id, "BUY", 0.5, market_buy_price(path, 19)),
        # Trade 23 (100.0) reaches 100.5; once the venue confirms the take-profit's cancel,
        # the node's market sell takes the bid at 100.0.
        (two.stop_loss_id, "SELL", 0.5, path.price(23)),
    ]
    placed_once(session)
    # The stop-losses never reached the exchange until one fired, as a market order.
    assert at_exchange(session) == [
        (cid(one.entry_id), "MARKET", "FILLED", 0.5),
        (cid(one.take_profit_id), "LIMIT", "FILLED", 0.5),
        (cid(two.entry_id), "MARKET", "FILLED", 0.5),
        (cid(two.stop_loss_id), "MARKET", "FILLED", 0.5),
        (cid(two.take_profit_id), "LIMIT", "CANCELED", 0.0),
    ]
    assert journal_fills(journal) == exchange_fills(session.trades)
    assert plan.last(one.stop_loss_id).status == "CANCELED"
    assert plan.last(two.take_profit_id).reject_reason == (
        f"OCO: order {two.stop_loss_id} triggered"
    )
    assert plan.position(SYMBOL) == pytest.approx(0.0, abs=1e-12)


def test_a_bracket_entry_that_fills_in_parts_grows_its_exits(tmp_path: Path) -> None:
    # The buy limit of 8 at 99.0 rests first in the queue there; each trade of 5 at 99.0
    # fills up to 5 of it: 5, then 3. The exits follow: 5, then 8.
    path = write_path(tmp_path, [(100.0, 4), (99.0, 4), (100.0, 4), (104.0, 4)])

    def enter(s: Plan) -> None:
        s.brackets = [  # type: ignore[attr-defined]
            s.buy_bracket(SYMBOL, 8.0, stop_loss=97.0, take_profit=103.0, limit=99.0)
        ]

    plan = Plan(SYMBOL, {2: enter})
    session = run_session(plan, path, "live", journal=tmp_path / "j.db")

    assert plan.errors == []
    (bracket,) = plan.brackets  # type: ignore[attr-defined]
    entry_fills = [f.qty for f in plan.fills if f.order_id == bracket.entry_id]
    assert entry_fills == [5.0, 3.0]
    stop = [o for _, o in plan.updates if o.order_id == bracket.stop_loss_id]
    assert [o.qty for o in stop if o.status == "ACCEPTED"] == [5.0, 8.0]
    assert fills_of(plan)[-1] == (bracket.take_profit_id, "SELL", 8.0, 103.0)
    placed_once(session)
    take_profit_legs = [
        (o["type"], float(o["origQty"]), o["status"]) for o in session.orders if o["side"] == "SELL"
    ]
    # Grown by cancel, then (the cancel confirmed) a new order: never both open.
    assert take_profit_legs == [("LIMIT", 5.0, "CANCELED"), ("LIMIT", 8.0, "FILLED")]
    # The replaced leg never shows: the take-profit is open until it has filled its 8.
    assert "CANCELED" not in plan.statuses(bracket.take_profit_id)
    assert plan.last(bracket.take_profit_id).status == "FILLED"
    assert plan.position(SYMBOL) == pytest.approx(0.0, abs=1e-12)


def test_oco_and_gtd_live(path: PricePath) -> None:
    def send(s: Plan) -> None:
        s.ids["dip"] = s.buy(SYMBOL, 0.5, limit=99.5)
        s.ids["breakout"] = s.submit_order(SYMBOL, "BUY", 0.5, stop=103.5, oco=s.ids["dip"])
        s.ids["gtd"] = s.submit_order(SYMBOL, "BUY", 0.5, limit=95.0, time_in_force="GTD",
                                      expire_time=path.ts(12))  # fmt: skip

    plan = Plan(SYMBOL, {2: send})
    session = run_session(plan, path, "live")

    assert plan.errors == []
    dip, breakout, gtd = plan.ids["dip"], plan.ids["breakout"], plan.ids["gtd"]
    assert fills_of(plan) == [(dip, "BUY", 0.5, 99.5)]
    assert plan.last(breakout).reject_reason == f"OCO: order {dip} filled or ended"
    expired = plan.last(gtd)
    assert (expired.status, expired.reject_reason) == ("EXPIRED", "expire_time reached (GTD)")
    assert expired.time_in_force == "GTD"
    seen = [n for n, o in plan.updates if o.order_id == gtd and o.status == "EXPIRED"]
    assert seen[0] >= 11  # canceled from trade 12 on, once the exchange confirmed it
    placed_once(session)
    assert at_exchange(session) == [
        (cid(dip), "LIMIT", "FILLED", 0.5),
        (cid(breakout), "STOP_LOSS", "CANCELED", 0.0),
        (cid(gtd), "LIMIT", "CANCELED", 0.0),  # GTC at the venue, canceled by the node
    ]


def test_the_oco_race_two_venue_members_filled_by_one_trade(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # One trade at 99.0 sweeps both buy limits at the exchange in one event, before the
    # node hears of either fill: both stand, and the node sends nothing to undo them.
    path = write_path(tmp_path, [(100.0, 4), (99.0, 3)])

    def send(s: Plan) -> None:
        s.ids["a"] = s.buy(SYMBOL, 0.5, limit=99.5)
        s.ids["b"] = s.submit_order(SYMBOL, "BUY", 0.5, limit=99.2, oco=s.ids["a"])

    plan = Plan(SYMBOL, {2: send})
    with caplog.at_level("WARNING", logger="alphaforge.live.emulated_orders"):
        session = run_session(plan, path, "live")

    a, b = plan.ids["a"], plan.ids["b"]
    assert sorted(fills_of(plan)) == [(a, "BUY", 0.5, 99.5), (b, "BUY", 0.5, 99.2)]
    assert (plan.last(a).status, plan.last(b).status) == ("FILLED", "FILLED")
    assert at_exchange(session) == [
        (cid(a), "LIMIT", "FILLED", 0.5),
        (cid(b), "LIMIT", "FILLED", 0.5),
    ]
    assert plan.position(SYMBOL) == pytest.approx(1.0, abs=1e-12)
    assert "filled after order" in caplog.text


def test_modify_live_cancels_then_replaces_under_one_id(path: PricePath) -> None:
    def send(s: Plan) -> None:
        s.ids["limit"] = s.buy(SYMBOL, 0.5, limit=95.0)

    def change(s: Plan) -> None:
        s.modify(s.ids["limit"], price=99.5, quantity=0.3)

    plan = Plan(SYMBOL, {2: send, 6: change})
    session = run_session(plan, path, "live")

    assert plan.errors == []
    limit = plan.ids["limit"]
    assert fills_of(plan) == [(limit, "BUY", 0.3, 99.5)]
    assert plan.statuses(limit) == ["ACCEPTED", "FILLED"]
    final = plan.last(limit)
    assert (final.qty, final.price, final.filled_qty) == (0.3, 99.5, 0.3)
    placed_once(session)
    legs = sorted(
        (int(o["clientOrderId"].split("-")[1]), float(o["price"]), float(o["origQty"]),
         o["status"])
        for o in session.orders
    )  # fmt: skip
    assert [leg[1:] for leg in legs] == [(95.0, 0.5, "CANCELED"), (99.5, 0.3, "FILLED")]
    assert legs[0][0] == limit  # the first leg carries the strategy's id


async def restart_in_a_bracket(tmp_path: Path) -> tuple[Any, ...]:
    # Trade 2 enters; the node stops at trade 8 with its exits open; a second node takes
    # over from the journal and sees the take-profit fill at 103 (trades 41 to 46).
    path = write_path(tmp_path, [(100.0, 40), (103.0, 6)])
    journal = tmp_path / "j.db"
    config = ReplayConfig(port=0, speed=1.0, loops=1, start_on_subscribe=True, data=path.file)
    async with ReplayExchange(config) as exchange:

        def enter(s: Plan) -> None:
            s.brackets = [s.buy_bracket(SYMBOL, 0.5, stop_loss=99.0, take_profit=102.5)]  # type: ignore[attr-defined]

        first = Plan(SYMBOL, {2: enter})
        before = await run_on(exchange, first, path, mode="live", journal=journal,
                              cancel_on_stop=False, until_trades=8)  # fmt: skip
        second = Plan(SYMBOL, {})
        after = await run_on(exchange, second, path, mode="live", journal=journal,
                             until=lambda: bool(second.fills))  # fmt: skip
    return path, journal, first, before, second, after


def test_a_restart_in_the_middle_of_a_bracket_goes_on_from_the_journal(tmp_path: Path) -> None:
    path, journal, first, before, second, after = asyncio.run(
        asyncio.wait_for(restart_in_a_bracket(tmp_path), 60)
    )
    (bracket,) = first.brackets
    stop_id, target_id = bracket.stop_loss_id, bracket.take_profit_id
    assert (stop_id, target_id) == (bracket.entry_id + 1, bracket.entry_id + 2)
    # The first node stopped with its exits open: the stop-loss held, the take-profit resting.
    assert at_exchange(before) == [
        (cid(bracket.entry_id), "MARKET", "FILLED", 0.5),
        (cid(target_id), "LIMIT", "NEW", 0.0),
    ]
    # The second node started with both, as the strategy knows them, before any trade.
    assert sorted((o.order_id, o.type, o.status) for o in second.open_at_start) == [
        (stop_id, "STOP", "ACCEPTED"),
        (target_id, "LIMIT", "ACCEPTED"),
    ]
    assert af.Bracket(second, bracket.entry_id).take_profit_id == target_id
    assert second.position_at_start == pytest.approx(0.5, abs=1e-12)
    # Nothing sent twice; the take-profit filled once the bid reached 103; the stop-loss,
    # never at the exchange, canceled by its group.
    placed_once(after)
    assert at_exchange(after) == [
        (cid(bracket.entry_id), "MARKET", "FILLED", 0.5),
        (cid(target_id), "LIMIT", "FILLED", 0.5),
    ]
    assert [(f.order_id, f.side, f.qty, f.price) for f in second.fills] == [
        (target_id, "SELL", 0.5, 102.5)
    ]
    assert second.last(stop_id).reject_reason == f"OCO: order {target_id} filled or ended"
    assert second.position(SYMBOL) == pytest.approx(0.0, abs=1e-12)
    assert journal_fills(journal) == exchange_fills(after.trades)
    with Journal(journal) as j:
        states = {body["order_id"]: body["state"] for body in j.contingent()}
    assert states == {stop_id: "CANCELED", target_id: "FILLED"}
    assert first.fills[0].price == market_buy_price(path, 2)


KILLED_NODE = """
import sys
sys.path.insert(0, {tests!r})
from live_strategies import Plan
from alphaforge.adapters.binance import BinanceConfig
from alphaforge.live import TradingNode


def enter(s):
    s.buy_bracket({symbol!r}, 0.5, stop_loss=99.0, take_profit=102.5)


venue = BinanceConfig({key!r}, {secret!r}, symbols=[{symbol!r}], rest_url={rest!r},
                      stream_url={stream!r}, ws_api_url={ws_api!r})
TradingNode([Plan({symbol!r}, {{2: enter}})], venue=venue, mode="live", journal={journal!r}).run()
"""


def exits_working(journal: Path) -> bool:
    """Whether the journal holds a bracket's held stop-loss and its acknowledged take-profit."""
    if not journal.exists():
        return False
    with Journal(journal) as j:
        states = sorted(body["state"] for body in j.contingent())
        acknowledged = [o for o in j.orders() if o.type == "LIMIT" and o.status == "ACCEPTED"]
    return states == ["HELD", "WORKING"] and len(acknowledged) == 1


def test_a_node_killed_with_its_bracket_open_restarts_without_sending_twice(
    tmp_path: Path,
) -> None:
    path = write_path(tmp_path, [(100.0, 50), (103.0, 6)])
    journal = tmp_path / "j.db"
    config = ReplayConfig(port=0, speed=1.0, loops=1, start_on_subscribe=True, data=path.file)
    with ReplayExchange(config) as exchange:
        script = KILLED_NODE.format(
            tests=str(Path(__file__).parent), key=exchange.api_key, secret=exchange.api_secret,
            symbol=SYMBOL, rest=exchange.rest_url, stream=exchange.stream_url,
            ws_api=exchange.ws_api_url, journal=str(journal),
        )  # fmt: skip
        node = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while not exits_working(journal):
                assert node.poll() is None, "the node died before it was killed"
                assert time.monotonic() < deadline, "no open bracket in the journal after 30 s"
                time.sleep(0.05)
        finally:
            os.kill(node.pid, signal.SIGKILL)
            node.wait(10)
        second = Plan(SYMBOL, {})
        after = asyncio.run(
            asyncio.wait_for(
                run_on(exchange, second, path, mode="live", journal=journal,
                       until=lambda: bool(second.fills)),
                30,
            )
        )  # fmt: skip

    stop, target = sorted(second.open_at_start, key=lambda o: o.order_id)
    assert (stop.type, stop.stop_price, stop.status) == ("STOP", 99.0, "ACCEPTED")
    assert (target.type, target.price, target.status) == ("LIMIT", 102.5, "ACCEPTED")
    assert af.Bracket(second, stop.order_id - 1).stop_loss_id == stop.order_id
    assert second.position_at_start == pytest.approx(0.5, abs=1e-12)
    placed_once(after)
    assert at_exchange(after) == [
        (cid(stop.order_id - 1), "MARKET", "FILLED", 0.5),
        (cid(target.order_id), "LIMIT", "FILLED", 0.5),
    ]
    assert [(f.order_id, f.qty, f.price) for f in second.fills] == [(target.order_id, 0.5, 102.5)]
    assert second.last(stop.order_id).reject_reason == (
        f"OCO: order {target.order_id} filled or ended"
    )
    assert journal_fills(journal) == exchange_fills(after.trades)


async def triggered_when_killed(tmp_path: Path) -> tuple[Any, ...]:
    # The first node holds a trailing stop and stops; its journal is then set as a node that
    # died between journaling the trigger and sending the market order would leave it.
    path = write_path(tmp_path, [(100.0, 60)])
    journal = tmp_path / "j.db"
    config = ReplayConfig(port=0, speed=1.0, loops=1, start_on_subscribe=True, data=path.file)
    async with ReplayExchange(config) as exchange:

        def enter(s: Plan) -> None:
            s.ids["entry"] = s.buy(SYMBOL, 0.5)

        def trail(s: Plan) -> None:
            s.ids["trail"] = s.submit_order(SYMBOL, "SELL", 0.5, trail_amount=1.0)

        first = Plan(SYMBOL, {2: enter, 3: trail})
        await run_on(exchange, first, path, mode="live", journal=journal,
                     cancel_on_stop=False, until_trades=6)  # fmt: skip
        with Journal(journal) as j:
            (body,) = j.contingent()
            assert body["state"] == "HELD"
            j.record_contingent(body["order_id"], body["strategy"], "TRIGGERED",
                                {**body, "state": "TRIGGERED"}, time.time_ns())  # fmt: skip
        second = Plan(SYMBOL, {})
        resumed = await run_on(exchange, second, path, mode="live", journal=journal,
                               until=lambda: bool(second.fills))  # fmt: skip
        third = Plan(SYMBOL, {})
        again = await run_on(exchange, third, path, mode="live", journal=journal,
                             until=lambda: third.trades >= 3)  # fmt: skip
    return first, second, resumed, third, again


def test_a_trigger_journaled_but_not_sent_is_sent_once_on_restart(tmp_path: Path) -> None:
    first, second, resumed, third, again = asyncio.run(
        asyncio.wait_for(triggered_when_killed(tmp_path), 60)
    )
    entry, trail = first.ids["entry"], first.ids["trail"]
    # No market order of it was journaled: the restart sends it (its first send), once.
    assert [(f.order_id, f.side, f.qty, f.price) for f in second.fills] == [
        (trail, "SELL", 0.5, 100.0)
    ]
    final = second.last(trail)
    assert (final.type, final.status, final.stop_price) == ("STOP", "FILLED", 99.0)
    expected = [(cid(entry), "MARKET", "FILLED", 0.5), (cid(trail), "MARKET", "FILLED", 0.5)]
    assert at_exchange(resumed) == expected
    # A third life finds it settled and sends nothing.
    assert third.fills == []
    assert third.open_at_start == []
    placed_once(again)
    assert at_exchange(again) == expected


def test_modify_live_after_a_partial_fill_sends_what_is_left_of_the_new_total(
    tmp_path: Path,
) -> None:
    # The buy limit of 8 at 99.0 fills 5 on trade 5 (a trade of 5 there); raised to 10 on
    # trade 7, its new order is for the 5 left, which trade 10 fills.
    path = write_path(tmp_path, [(100.0, 4), (99.0, 1), (100.0, 4), (99.0, 2), (100.0, 4)])

    def send(s: Plan) -> None:
        s.ids["limit"] = s.buy(SYMBOL, 8.0, limit=99.0)

    def raise_it(s: Plan) -> None:
        s.modify(s.ids["limit"], quantity=10.0)

    plan = Plan(SYMBOL, {2: send, 7: raise_it})
    session = run_session(plan, path, "live")

    assert plan.errors == []
    limit = plan.ids["limit"]
    assert [(f.order_id, f.qty, f.price) for f in plan.fills] == [
        (limit, 5.0, 99.0),
        (limit, 5.0, 99.0),
    ]
    final = plan.last(limit)
    assert (final.qty, final.filled_qty, final.status) == (10.0, 10.0, "FILLED")
    assert plan.statuses(limit) == ["ACCEPTED", "PARTIALLY_FILLED", "FILLED"]
    placed_once(session)
    legs = sorted(
        (int(o["clientOrderId"].split("-")[1]), float(o["origQty"]), float(o["executedQty"]),
         o["status"])
        for o in session.orders
    )  # fmt: skip
    assert [leg[1:] for leg in legs] == [(8.0, 5.0, "CANCELED"), (5.0, 5.0, "FILLED")]
