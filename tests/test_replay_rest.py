"""The REST API of the replay exchange over loopback HTTP, with a signing aiohttp client."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from alphaforge.replay import RateLimits
from replay_helpers import Rest, run, serving

# With loops=1 at speed 0 the feed plays the record at once and the market then holds still at
# the record's last quote.
STILL = {"speed": 0, "loops": 1}


@run
async def test_public_endpoints_and_their_weights() -> None:
    async with serving(**STILL) as (exchange, session):
        await exchange.wait_finished()
        rest = Rest(session, exchange)
        assert (await rest.public("GET", "/api/v3/ping"))[:2] == (200, {})
        status, body, headers = await rest.public("GET", "/api/v3/time")
        assert abs(body["serverTime"] - time.time() * 1000) < 5000
        assert headers["X-MBX-USED-WEIGHT-1M"] == "2"
        _, info, headers = await rest.public("GET", "/api/v3/exchangeInfo", symbol="BTCUSDT")
        assert headers["X-MBX-USED-WEIGHT-1M"] == "22"
        symbol = info["symbols"][0]
        assert (symbol["symbol"], symbol["baseAsset"], symbol["quoteAsset"]) == (
            "BTCUSDT",
            "BTC",
            "USDT",
        )
        filters = {f["filterType"]: f for f in symbol["filters"]}
        assert filters["PRICE_FILTER"]["tickSize"] == "0.01000000"
        assert filters["LOT_SIZE"]["stepSize"] == "0.00000100"
        assert filters["NOTIONAL"]["minNotional"] == "5.00000000"
        assert {r["rateLimitType"] for r in info["rateLimits"]} >= {"REQUEST_WEIGHT", "ORDERS"}
        _, depth, headers = await rest.public("GET", "/api/v3/depth", symbol="BTCUSDT", limit=5)
        assert headers["X-MBX-USED-WEIGHT-1M"] == "27"
        assert len(depth["bids"]) == len(depth["asks"]) == 5
        assert float(depth["bids"][0][0]) < float(depth["asks"][0][0])
        assert depth["lastUpdateId"] == 451  # one id per quote that changed the derived book
        _, _, headers = await rest.public("GET", "/api/v3/depth", symbol="BTCUSDT", limit=1000)
        assert headers["X-MBX-USED-WEIGHT-1M"] == "77"
        _, trades, _ = await rest.public("GET", "/api/v3/trades", symbol="BTCUSDT", limit=3)
        assert [t["id"] for t in trades] == [553289557, 553289558, 553289559]
        _, aggs, _ = await rest.public("GET", "/api/v3/aggTrades", symbol="BTCUSDT", limit=2)
        assert aggs[-1]["l"] == trades[-1]["id"]
        assert aggs[-1]["a"] == aggs[-2]["a"] + 1
        assert set(aggs[0]) == {"a", "p", "q", "f", "l", "T", "m", "M"}
        _, ticker, _ = await rest.public("GET", "/api/v3/ticker/bookTicker", symbol="BTCUSDT")
        assert (ticker["bidPrice"], ticker["askPrice"]) == (
            depth["bids"][0][0],
            depth["asks"][0][0],
        )
        _, price, _ = await rest.public("GET", "/api/v3/ticker/price", symbol="BTCUSDT")
        assert price == {"symbol": "BTCUSDT", "price": trades[-1]["price"]}
        status, error, _ = await rest.public("GET", "/api/v3/depth", symbol="ETHUSDT")
        assert (status, error) == (400, {"code": -1121, "msg": "Invalid symbol."})
        status, error, _ = await rest.public("GET", "/api/v3/depth")
        assert (status, error["code"]) == (400, -1102)
        status, error, _ = await rest.public("POST", "/api/v3/userDataStream")
        assert status == 410


@run
async def test_an_order_placed_queried_listed_and_cancelled() -> None:
    async with serving(**STILL) as (exchange, session):
        await exchange.wait_finished()
        rest = Rest(session, exchange)
        status, order, headers = await rest.signed(
            "POST",
            "/api/v3/order",
            in_body=True,
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.01",
            price="30000",
            newClientOrderId="rest-1",
        )
        assert status == 200, order
        assert (order["status"], order["clientOrderId"], order["fills"]) == ("NEW", "rest-1", [])
        assert (headers["X-MBX-ORDER-COUNT-10S"], headers["X-MBX-ORDER-COUNT-1D"]) == ("1", "1")
        assert headers["X-MBX-USED-WEIGHT-1M"] == "0"  # a successful order costs no weight
        found = await rest.ok("GET", "/api/v3/order", symbol="BTCUSDT", origClientOrderId="rest-1")
        assert (found["orderId"], found["isWorking"], found["price"]) == (
            order["orderId"],
            True,
            "30000.00000000",
        )
        assert [
            o["orderId"] for o in await rest.ok("GET", "/api/v3/openOrders", symbol="BTCUSDT")
        ] == [order["orderId"]]
        account = await rest.ok("GET", "/api/v3/account")
        balances = {b["asset"]: (b["free"], b["locked"]) for b in account["balances"]}
        assert balances["USDT"] == ("99700.00000000", "300.00000000")
        canceled = await rest.ok(
            "DELETE", "/api/v3/order", symbol="BTCUSDT", orderId=order["orderId"]
        )
        assert canceled["status"] == "CANCELED"
        status, error, _ = await rest.signed(
            "DELETE", "/api/v3/order", symbol="BTCUSDT", orderId=order["orderId"]
        )
        assert (status, error) == (400, {"code": -2011, "msg": "Unknown order sent."})
        status, error, _ = await rest.signed("GET", "/api/v3/order", symbol="BTCUSDT", orderId=999)
        assert (status, error) == (400, {"code": -2013, "msg": "Order does not exist."})
        market = await rest.ok(
            "POST", "/api/v3/order", symbol="BTCUSDT", side="SELL", type="MARKET", quantity="0.002"
        )
        assert market["status"] == "FILLED"
        assert market["fills"]
        listed = await rest.ok("GET", "/api/v3/allOrders", symbol="BTCUSDT")
        assert [o["status"] for o in listed] == ["CANCELED", "FILLED"]
        trades = await rest.ok("GET", "/api/v3/myTrades", symbol="BTCUSDT")
        assert [t["orderId"] for t in trades] == [market["orderId"]] * len(market["fills"])
        assert sum(Decimal(t["qty"]) for t in trades) == Decimal("0.002")
        assert all(
            not t["isBuyer"] and not t["isMaker"] and t["commissionAsset"] == "USDT" for t in trades
        )
        assert exchange.trades() == trades
        assert [o["orderId"] for o in exchange.orders()] == [o["orderId"] for o in listed]
        ack = await rest.ok(
            "POST",
            "/api/v3/order",
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.001",
            price="30000",
            newOrderRespType="ACK",
        )
        assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
        cancelled_all = await rest.ok("DELETE", "/api/v3/openOrders", symbol="BTCUSDT")
        assert [o["orderId"] for o in cancelled_all] == [ack["orderId"]]
        assert await rest.ok("GET", "/api/v3/openOrders") == []


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ("signature", 400, -1022),
        ("key", 401, -2015),
        ("no key", 401, -2014),
        ("old", 400, -1021),
        ("future", 400, -1021),
    ],
)
def test_signed_requests_are_checked(change: str, status: int, code: int) -> None:
    @run
    async def check() -> None:
        async with serving(**STILL) as (exchange, session):
            rest = Rest(session, exchange)
            params = {"symbol": "BTCUSDT"}
            if change == "signature":
                rest.secret = "another secret"
            elif change == "key":
                rest.key = "someone else"
            elif change == "no key":
                rest.key = ""
            elif change == "old":
                params["timestamp"] = str(int(time.time() * 1000) - 6000)
            else:
                params["timestamp"] = str(int(time.time() * 1000) + 2000)
            got, body, _ = await rest.signed("GET", "/api/v3/openOrders", **params)
            assert (got, body["code"]) == (status, code)

    check()


@run
async def test_duplicate_parameters_are_refused() -> None:
    async with (
        serving(**STILL) as (exchange, session),
        session.get(exchange.rest_url + "/api/v3/depth?symbol=BTCUSDT&symbol=BTCUSDT") as response,
    ):
        assert response.status == 400
        assert (await response.json())["code"] == -1101


@run
async def test_weight_and_order_limits_answer_429_with_retry_after() -> None:
    limits = RateLimits(weight_per_minute=30, orders_per_10s=2)
    async with serving(limits=limits, **STILL) as (exchange, session):
        await exchange.wait_finished()
        rest = Rest(session, exchange)
        order = {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.001",
            "price": "30000",
        }
        for _ in range(2):
            assert (await rest.signed("POST", "/api/v3/order", **order))[0] == 200
        status, body, headers = await rest.signed("POST", "/api/v3/order", **order)
        assert (status, body["code"]) == (429, -1015)
        assert 1 <= int(headers["Retry-After"]) <= 10
        for _ in range(2):
            await rest.public("GET", "/api/v3/exchangeInfo")
        status, body, headers = await rest.public("GET", "/api/v3/ping")
        assert (status, body["code"]) == (429, -1003)
        assert 1 <= int(headers["Retry-After"]) <= 60
