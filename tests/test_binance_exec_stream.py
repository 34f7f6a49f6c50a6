"""The user data stream of BinanceExecution: reconnects and what they reconcile, drops,
malformed frames, serverShutdown, the watchdog, planned reconnects, pings and resubscribing."""

from __future__ import annotations

import asyncio

import aiohttp

from alphaforge.adapters.binance import BinanceExecution
from alphaforge.live.venue import ConnectionEvent, OrderIntent
from alphaforge.replay import FaultConfig, ReplayExchange
from binance_exec_helpers import Recorder, trading
from replay_helpers import Rest, run


def _settled(recorder: Recorder, exchange: ReplayExchange) -> bool:
    """Every order's last report has the exchange's status, and every trade was reported."""
    mapped = {"NEW": "ACCEPTED"}
    for row in exchange.orders():
        reports = recorder.of(str(row["clientOrderId"]))
        if not reports or reports[-1].status != mapped.get(str(row["status"]), row["status"]):
            return False
    reported = {f.trade_id for f in recorder.fills}
    return {t["id"] for t in exchange.trades()} <= reported


async def _submit(client: BinanceExecution, recorder: Recorder, intent: OrderIntent) -> None:
    """Submit as the node does: the answer's report is applied like a reported one."""
    result = await client.submit(intent)
    if result.report is not None:
        recorder.on_order_report(result.report)


def _reconnected(recorder: Recorder) -> bool:
    return recorder.states()[-2:] == ["reconnected", "resynced"]


@run
async def test_a_reconnect_reconciles_what_happened_while_the_stream_was_away() -> None:
    async with (
        trading(reconnect_initial_s=0.5) as (exchange, client, recorder),
        aiohttp.ClientSession() as session,
    ):
        rest = Rest(session, exchange)
        resting = await client.submit(
            OrderIntent("gap-1", "BTCUSDT", "BUY", "LIMIT", 0.01, price=30000.0)
        )
        assert resting.status == "ACCEPTED"
        client.ws_api.restart("test")
        await recorder.until(lambda: "disconnected" in recorder.states())
        # While nobody listens: the order is canceled from elsewhere and a new one fills.
        await rest.ok("DELETE", "/api/v3/order", symbol="BTCUSDT", origClientOrderId="gap-1")
        filled = await client.submit(OrderIntent("gap-2", "BTCUSDT", "BUY", "MARKET", 1.0))
        assert filled.report is not None
        assert filled.report.status == "FILLED"
        assert [f for f in recorder.fills if f.client_order_id == "gap-2"] == []
        await recorder.until(lambda: _reconnected(recorder))
        assert recorder.states() == ["connected", "disconnected", "reconnected", "resynced"]
        assert recorder.of("gap-1")[-1].status == "CANCELED"
        # The fills come from myTrades, one for each of the exchange's trades of the order.
        order_id = next(o["orderId"] for o in exchange.orders() if o["clientOrderId"] == "gap-2")
        trades = sorted(int(str(t["id"])) for t in exchange.trades() if t["orderId"] == order_id)
        got = [f for f in recorder.fills if f.client_order_id == "gap-2"]
        assert sorted(f.trade_id for f in got) == trades
        assert abs(got[-1].cum_filled_qty - 1.0) < 1e-12
        # All of it between "reconnected" and "resynced".
        states = [i for i, e in enumerate(recorder.log) if isinstance(e, ConnectionEvent)]
        back, synced = states[-2], states[-1]
        canceled = recorder.log.index(recorder.of("gap-1")[-1])
        assert back < canceled < synced
        assert all(back < recorder.log.index(f) < synced for f in got)
        # And the balances are the account's.
        btc_free = float(exchange.balances()["BTC"][0])
        assert recorder.balances[-1]["BTC"].free == btc_free
        assert client.counters.resyncs == 1


@run
async def test_dropped_connections_still_settle_every_order() -> None:
    faults = FaultConfig(drop_every=4)
    async with trading({"faults": faults}, reconnect_initial_s=0.05) as (
        exchange,
        client,
        recorder,
    ):
        for i in range(4):
            await _submit(client, recorder, OrderIntent(f"d{i}", "BTCUSDT", "BUY", "MARKET", 0.01))
            limit = OrderIntent(f"l{i}", "BTCUSDT", "BUY", "LIMIT", 0.01, price=30000.0)
            await _submit(client, recorder, limit)
        canceled = await client.cancel("BTCUSDT", "l0")
        assert canceled.report is not None
        recorder.on_order_report(canceled.report)
        await recorder.until(lambda: _settled(recorder, exchange) and _reconnected(recorder))
        assert client.ws_api.connections > 1
        assert recorder.states().count("resynced") >= 1


@run
async def test_malformed_frames_are_counted_and_skipped() -> None:
    faults = FaultConfig(malformed_every=2)
    async with trading({"faults": faults}) as (exchange, client, recorder):
        for i in range(3):
            await _submit(client, recorder, OrderIntent(f"m{i}", "BTCUSDT", "BUY", "MARKET", 0.01))
        await recorder.until(lambda: len(recorder.fills) >= 3)
        assert _settled(recorder, exchange)
        assert client.bad_frames >= 2
        assert sum("unparseable" in e for _, e in recorder.errors) == client.bad_frames
        assert recorder.states() == ["connected"]


@run
async def test_server_shutdown_reconnects_at_once_and_resyncs() -> None:
    faults = FaultConfig(shutdown_after=0.3)
    async with trading({"faults": faults}) as (_, client, recorder):
        await recorder.until(lambda: _reconnected(recorder))
        down = [e for e in recorder.connections if e.state == "disconnected"]
        assert [e.detail for e in down] == ["serverShutdown"]
        placed = await client.submit(OrderIntent("after", "BTCUSDT", "BUY", "MARKET", 0.01))
        assert placed.status == "ACCEPTED"
        await recorder.until(lambda: any(f.client_order_id == "after" for f in recorder.fills))


@run
async def test_a_silent_connection_is_dropped_by_the_watchdog() -> None:
    async with trading({"ping_interval": 60.0}, watchdog_s=0.3, reconnect_initial_s=0.05) as (
        _,
        _client,
        recorder,
    ):
        await recorder.until(lambda: _reconnected(recorder))
        down = [e for e in recorder.connections if e.state == "disconnected"]
        assert down[0].detail == "silent for 0.3 s"


@run
async def test_connections_are_renewed_before_their_age_limit() -> None:
    async with trading(max_connection_s=0.3) as (_, client, recorder):
        await recorder.until(lambda: _reconnected(recorder))
        down = [e for e in recorder.connections if e.state == "disconnected"]
        assert down[0].detail == "proactive reconnect after 0.3 s"
        assert client.ws_api.connections == 2


@run
async def test_pings_are_answered_so_the_server_keeps_the_connection() -> None:
    # The server closes a connection that has not answered a ping within 0.3 s.
    async with trading({"ping_interval": 0.05, "pong_timeout": 0.3}) as (_, client, recorder):
        await asyncio.sleep(1.0)
        assert recorder.states() == ["connected"]
        assert client.ws_api.connections == 1


@run
async def test_event_stream_terminated_resubscribes() -> None:
    async with trading() as (exchange, client, recorder):
        await client.ws_api.request("userDataStream.unsubscribe", {}, signed=False, write=False)
        await recorder.until(lambda: _reconnected(recorder))
        assert recorder.connections[-2].detail == "resubscribed after eventStreamTerminated"
        assert client.ws_api.connections == 1  # the same connection
        await _submit(client, recorder, OrderIntent("again", "BTCUSDT", "BUY", "MARKET", 0.01))
        await recorder.until(lambda: any(f.client_order_id == "again" for f in recorder.fills))
        assert _settled(recorder, exchange)
