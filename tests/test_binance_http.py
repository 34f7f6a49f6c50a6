"""BinanceHttp against the replay exchange over loopback: signing, time, limits and failures."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from alphaforge.adapters.binance import BinanceConfig, BinanceError, BinanceHttp, OutcomeUnknown
from alphaforge.adapters.binance.http import (
    RateLimited,
    TransportError,
    param_text,
    query_string,
    sign,
    ws_payload,
)
from alphaforge.live.venue import InstrumentSpec
from alphaforge.replay import DEFAULT_API_KEY, DEFAULT_API_SECRET, FaultConfig, ReplayExchange
from replay_helpers import config, run

# rest-api.md "HMAC Keys" and web-socket-api.md "SIGNED request example (HMAC)".
REST_PARAMS = {
    "symbol": "LTCBTC",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": 1,
    "price": 0.1,
    "recvWindow": 5000,
    "timestamp": 1499827319559,
}
REST_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)
REST_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
NON_ASCII_PAYLOAD = (
    "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT"
    "&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
)
NON_ASCII_SIGNATURE = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"
WS_PARAMS = {
    "symbol": "BTCUSDT",
    "side": "SELL",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01000000",
    "price": "52000.00",
    "recvWindow": 100,
    "timestamp": 1645423376532,
    "apiKey": DEFAULT_API_KEY,
}
WS_SIGNATURE = "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"
ORDER = {
    "symbol": "BTCUSDT",
    "side": "BUY",
    "type": "LIMIT",
    "timeInForce": "GTC",
    "quantity": "0.01",
    "price": "1000",
}


def test_rest_signature_equals_the_documented_vector() -> None:
    assert query_string(REST_PARAMS) == REST_PAYLOAD
    assert sign(DEFAULT_API_SECRET, query_string(REST_PARAMS)) == REST_SIGNATURE


def test_non_ascii_values_are_percent_encoded_before_signing() -> None:
    params = {**REST_PARAMS, "symbol": "\uff11\uff12\uff13\uff14\uff15\uff16"}
    assert query_string(params) == NON_ASCII_PAYLOAD
    assert sign(DEFAULT_API_SECRET, query_string(params)) == NON_ASCII_SIGNATURE


def test_ws_api_signature_equals_the_documented_vector() -> None:
    payload = ws_payload({**WS_PARAMS, "signature": "ignored"})
    assert payload.startswith(f"apiKey={DEFAULT_API_KEY}&price=52000.00&quantity=0.01000000")
    assert sign(DEFAULT_API_SECRET, payload) == WS_SIGNATURE


def test_parameters_are_written_as_plain_decimals() -> None:
    assert [param_text(v) for v in (1e-05, 0.1 + 0.2, 30000.0, True, ["A", "B"])] == [
        "0.00001",
        "0.30000000000000004",
        "30000.0",
        "true",
        '["A","B"]',
    ]


async def _client(
    exchange: ReplayExchange, session: aiohttp.ClientSession, **fields: object
) -> BinanceHttp:
    return BinanceHttp(BinanceConfig.local(exchange, **fields), session)


@run
async def test_time_offset_and_resync_on_1021() -> None:
    async with ReplayExchange(config(speed=0, loops=1)) as ex, aiohttp.ClientSession() as session:
        http = await _client(ex, session)
        offset = await http.sync_time()
        assert abs(offset) < 1000  # the same clock, less the round trip
        for wrong in (-100_000.0, 5_000.0):  # behind the recvWindow, then ahead of the server
            http.offset_ms = wrong
            assert await http.get("/api/v3/openOrders", {"symbol": "BTCUSDT"}, signed=True) == []
            assert abs(http.offset_ms) < 1000


@run
async def test_exchange_info_gives_the_exchanges_rules_and_names_unknown_symbols() -> None:
    fields = {
        "speed": 0,
        "loops": 1,
        "tick_size": "0.05",
        "step_size": "0.0001",
        "min_notional": "7",
    }
    async with ReplayExchange(config(**fields)) as ex, aiohttp.ClientSession() as session:
        http = await _client(ex, session)
        specs = await http.exchange_info(["btcusdt"])
        assert specs == {
            "BTCUSDT": InstrumentSpec(
                symbol="BTCUSDT",
                base="BTC",
                quote="USDT",
                tick_size=0.05,
                lot_size=0.0001,
                min_qty=0.0001,
                max_qty=9000.0,
                min_notional=7.0,
                max_notional=9_000_000.0,
            )
        }
        with pytest.raises(ValueError, match=r"symbols not listed by the exchange: \['ETHUSDT'\]"):
            await http.exchange_info(["BTCUSDT", "ETHUSDT"])
        assert await http.exchange_info([]) == {}


@run
async def test_used_weight_follows_the_exchanges_header() -> None:
    async with ReplayExchange(config(speed=0, loops=1)) as ex, aiohttp.ClientSession() as session:
        http = await _client(ex, session)
        await http.exchange_info(["BTCUSDT"])
        await http.get("/api/v3/depth", {"symbol": "BTCUSDT", "limit": 10}, weight=5)
        async with session.get(ex.rest_url + "/api/v3/ping") as response:
            after = int(response.headers["X-MBX-USED-WEIGHT-1M"])
        assert http.used_weight == after - 1 == 25
        await http.post("/api/v3/order", ORDER, order=True)
        assert http.order_count_10s == 1


@run
async def test_errors_carry_status_code_and_message_and_no_secret() -> None:
    async with ReplayExchange(config(speed=0, loops=1)) as ex, aiohttp.ClientSession() as session:
        http = await _client(ex, session)
        with pytest.raises(BinanceError) as caught:
            await http.get(
                "/api/v3/order", {"symbol": "BTCUSDT", "origClientOrderId": "nope"}, signed=True
            )
        assert (caught.value.status, caught.value.code) == (400, -2013)
        assert caught.value.msg == "Order does not exist."
        wrong = await _client(ex, session, api_secret="not-the-secret-at-all")
        with pytest.raises(BinanceError, match="-1022") as caught:
            await wrong.get("/api/v3/account", signed=True)
        assert "not-the-secret-at-all" not in str(caught.value)
        nokey = BinanceHttp(
            BinanceConfig.replay(
                ex.rest_url, ex.stream_url, ex.ws_api_url, api_key="", api_secret="x"
            ),
            session,
        )
        with pytest.raises(ValueError, match="api_key is not set"):
            await nokey.get("/api/v3/account", signed=True)


@run
async def test_429_is_waited_out_for_reads_and_refuses_writes_with_nothing_placed() -> None:
    faults = FaultConfig(http429_every=2)
    async with (
        ReplayExchange(config(speed=0, loops=1, faults=faults)) as ex,
        aiohttp.ClientSession() as session,
    ):
        http = await _client(ex, session)
        # Requests 2 and 4 are refused: both reads come back all the same.
        assert (await http.get("/api/v3/time"))["serverTime"] > 0
        assert (await http.get("/api/v3/ping")) == {}
        assert http.rate_limited == 1
        with pytest.raises(RateLimited) as caught:
            await http.post("/api/v3/order", ORDER, order=True)
        assert (caught.value.status, caught.value.code) == (429, -1003)
        assert caught.value.retry_after_s == 1.0
        assert ex.orders() == []
        placed = await http.post("/api/v3/order", ORDER, order=True)  # request 5, after the wait
        assert b"clientOrderId" in placed
        assert len(ex.orders()) == 1


@run
async def test_5xx_after_the_order_is_taken_is_an_unknown_outcome_never_resent() -> None:
    faults = FaultConfig(http5xx_order_every=1)
    async with (
        ReplayExchange(config(speed=0, loops=1, faults=faults)) as ex,
        aiohttp.ClientSession() as session,
    ):
        http = await _client(ex, session)
        with pytest.raises(OutcomeUnknown) as caught:
            await http.post("/api/v3/order", {**ORDER, "newClientOrderId": "once"}, order=True)
        assert caught.value.code == -1007
        assert [o["clientOrderId"] for o in ex.orders()] == ["once"]


@run
async def test_a_timed_out_write_is_unknown_and_a_read_is_retried() -> None:
    faults = FaultConfig(latency_ms=300)
    async with (
        ReplayExchange(config(speed=0, loops=1, faults=faults)) as ex,
        aiohttp.ClientSession() as session,
    ):
        patient = await _client(ex, session)
        http = await _client(ex, session, timeout_s=0.1, query_retry_s=0.01)
        http.set_offset(await patient.sync_time())
        with pytest.raises(OutcomeUnknown, match="outcome unknown"):
            await http.post("/api/v3/order", ORDER, order=True)
        with pytest.raises(TransportError, match="GET /api/v3/ping"):
            await http.get("/api/v3/ping")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@run
async def test_a_connection_that_never_opened_sent_nothing() -> None:
    port = _closed_port()
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        cfg = BinanceConfig.replay(
            url, f"ws://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws-api/v3", query_retry_s=0.01
        )
        http = BinanceHttp(cfg, session)
        with pytest.raises(TransportError, match="cannot connect") as caught:
            await http.request("POST", "/api/v3/order", ORDER, order=True)
        assert not isinstance(caught.value, OutcomeUnknown)
        with pytest.raises(TransportError, match="cannot connect"):
            await http.get("/api/v3/time")
        await asyncio.sleep(0)
