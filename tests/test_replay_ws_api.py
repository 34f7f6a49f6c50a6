"""The WebSocket API of the replay exchange: requests, signatures and user data events."""

from __future__ import annotations

from decimal import Decimal

from replay_helpers import WsApi, run, serving

STILL = {"speed": 0, "loops": 1}
EXECUTION_FIELDS = set(
    [
        "e",
        "E",
        "s",
        "c",
        "S",
        "o",
        "f",
        "q",
        "p",
        "P",
        "F",
        "g",
        "C",
        "x",
        "X",
        "r",
        "i",
        "l",
        "z",
        "L",
        "n",
        "N",
        "T",
        "t",
        "I",
        "w",
        "m",
        "M",
        "O",
        "Z",
        "Y",
        "Q",
        "W",
        "V",
    ]
)


@run
async def test_ping_time_and_rate_limits_shown_or_hidden() -> None:
    async with serving(**STILL) as (exchange, session):
        api = WsApi(
            await session.ws_connect(exchange.ws_api_url), exchange.api_key, exchange.api_secret
        )
        pong = await api.call("ping")
        assert (pong["status"], pong["result"]) == (200, {})
        limits = pong["rateLimits"][0]
        assert (limits["rateLimitType"], limits["interval"], limits["limit"]) == (
            "REQUEST_WEIGHT",
            "MINUTE",
            6000,
        )
        assert limits["count"] == 3  # 2 for connecting, 1 for the ping
        quiet = await api.call("time", returnRateLimits=False)
        assert "rateLimits" not in quiet
        assert "serverTime" in quiet["result"]
        hidden = WsApi(
            await session.ws_connect(exchange.ws_api_url + "?returnRateLimits=false"),
            exchange.api_key,
            exchange.api_secret,
        )
        assert "rateLimits" not in await hidden.call("ping")
        unknown = await api.call("no.such")
        assert (unknown["status"], unknown["error"]["code"]) == (400, -1000)
        await api.ws.send_str("{oops")
        broken = await api.ws.receive_json()
        assert (broken["id"], broken["status"]) == (None, 400)


@run
async def test_an_order_over_the_websocket_api_and_its_user_events() -> None:
    async with serving(**STILL) as (exchange, session):
        await exchange.wait_finished()
        api = WsApi(
            await session.ws_connect(exchange.ws_api_url), exchange.api_key, exchange.api_secret
        )
        subscribed = await api.call("userDataStream.subscribe.signature", signed=True)
        assert subscribed["status"] == 200
        assert subscribed["result"] == {"subscriptionId": 0}
        again = await api.call("userDataStream.subscribe.signature", signed=True)
        assert again["error"]["code"] == -2035
        placed = await api.call(
            "order.place",
            signed=True,
            symbol="BTCUSDT",
            side="BUY",
            type="MARKET",
            quantity="0.003",
            newClientOrderId="ws-1",
        )
        assert placed["status"] == 200, placed
        result = placed["result"]
        assert result["status"] == "FILLED"
        assert result["fills"]
        assert {r["rateLimitType"] for r in placed["rateLimits"]} == {"REQUEST_WEIGHT", "ORDERS"}
        await api.events_until(
            lambda e: any(m["event"]["e"] == "outboundAccountPosition" for m in e)
        )
        assert {m["subscriptionId"] for m in api.events} == {0}
        reports = [m["event"] for m in api.events if m["event"]["e"] == "executionReport"]
        assert all(set(r) == EXECUTION_FIELDS for r in reports)
        assert reports[0]["x"] == "NEW"
        assert reports[-1]["X"] == "FILLED"
        trades = [r for r in reports if r["x"] == "TRADE"]
        assert [t["t"] for t in trades] == [f["tradeId"] for f in result["fills"]]
        assert trades[-1]["z"] == "0.00300000"
        assert Decimal(trades[-1]["Z"]) == sum(Decimal(t["Y"]) for t in trades)
        assert all(t["N"] == "BTC" and t["m"] is False for t in trades)
        ids = [r["I"] for r in reports]
        assert ids == sorted(ids)
        assert len(set(ids)) == len(ids)
        status = await api.call(
            "order.status", signed=True, symbol="BTCUSDT", origClientOrderId="ws-1"
        )
        assert status["result"]["status"] == "FILLED"
        resting = await api.call(
            "order.place",
            signed=True,
            symbol="BTCUSDT",
            side="SELL",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price="45000",
        )
        open_orders = await api.call("openOrders.status", signed=True, symbol="BTCUSDT")
        assert [o["orderId"] for o in open_orders["result"]] == [resting["result"]["orderId"]]
        cancel = await api.call(
            "order.cancel", signed=True, symbol="BTCUSDT", orderId=resting["result"]["orderId"]
        )
        assert cancel["result"]["status"] == "CANCELED"
        await api.events_until(lambda e: any(m["event"].get("x") == "CANCELED" for m in e))
        gone = await api.call("userDataStream.unsubscribe")
        assert gone["result"] == {}
        await api.events_until(lambda e: e[-1]["event"]["e"] == "eventStreamTerminated")
        assert exchange.balances()["BTC"][0] == Decimal("1.003") - Decimal("0.000003")


@run
async def test_signature_key_and_timing_errors_on_the_websocket_api() -> None:
    async with serving(**STILL) as (exchange, session):
        ws = await session.ws_connect(exchange.ws_api_url)
        wrong = WsApi(ws, exchange.api_key, "not the secret")
        answer = await wrong.call("openOrders.status", signed=True, symbol="BTCUSDT")
        assert (answer["status"], answer["error"]["code"]) == (400, -1022)
        stranger = WsApi(ws, "nobody", exchange.api_secret)
        answer = await stranger.call("openOrders.status", signed=True, symbol="BTCUSDT")
        assert (answer["status"], answer["error"]["code"]) == (401, -2015)
        late = WsApi(ws, exchange.api_key, exchange.api_secret)
        answer = await late.call("openOrders.status", signed=True, symbol="BTCUSDT", timestamp=1)
        assert answer["error"]["code"] == -1021
        answer = await late.call(
            "order.place",
            signed=True,
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price="30000.001",
        )
        assert answer["error"] == {"code": -1013, "msg": "Filter failure: PRICE_FILTER"}
