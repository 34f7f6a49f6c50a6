"""The market-data parsers of the Binance adapter on recorded messages.

Two sources: the payload shapes printed in Binance's Spot docs (web-socket-streams.md,
rest-api.md), written out here, and frames recorded live from the replay exchange over a real
WebSocket, decoded again with json as the reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from alphaforge.adapters.binance import schemas
from alphaforge.adapters.binance.data import frames_decoder, stream_frame
from replay_helpers import run, serving

# Shapes as the docs print them.
DOC_TRADE = (
    b'{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100",'
    b'"T":1672515782136,"m":true,"M":true}'
)
DOC_AGG_TRADE = (
    b'{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.001","q":"100",'
    b'"f":100,"l":105,"T":1672515782136,"m":true,"M":true}'
)
DOC_BOOK_TICKER = (
    b'{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000",'
    b'"a":"25.36520000","A":"40.66000000"}'
)
DOC_DEPTH = (
    b'{"e":"depthUpdate","E":1672515782136,"s":"BNBBTC","U":157,"u":160,'
    b'"b":[["0.0024","10"]],"a":[["0.0026","100"]]}'
)
DOC_SNAPSHOT = (
    b'{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],'
    b'"asks":[["4.00000200","12.00000000"]]}'
)
DOC_TRADES = (
    b'[{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012",'
    b'"time":1499865549590,"isBuyerMaker":true,"isBestMatch":true}]'
)
DOC_AGG_TRADES = (
    b'[{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,'
    b'"T":1498793709153,"m":true,"M":true}]'
)


def combined(stream: str, data: bytes) -> bytes:
    """`data` in the combined-stream envelope."""
    return b'{"stream":"' + stream.encode() + b'","data":' + data + b"}"


EVENTS: dict[str, type[msgspec.Struct]] = {
    "trade": schemas.TradeEvent,
    "aggTrade": schemas.AggTradeEvent,
    "bookTicker": schemas.BookTickerEvent,
    "depth@100ms": schemas.DepthUpdate,
}


def decoder(symbol: str) -> Callable[[bytes], Any]:
    """The client's frame decoder over the four market streams of `symbol`."""
    return frames_decoder([stream_frame(f"{symbol}@{k}", e) for k, e in EVENTS.items()])


def parse(frame: bytes, symbol: str = "bnbbtc") -> Any:
    """The data of one combined-stream frame, as the client's decoder reads it."""
    return decoder(symbol)(frame).data


def test_a_trade_as_documented() -> None:
    trade = parse(combined("bnbbtc@trade", DOC_TRADE))
    assert trade == schemas.decode_trade_event(DOC_TRADE)
    assert (trade.id, trade.price, trade.qty, trade.time, trade.buyer_maker) == (
        12345,
        0.001,
        100.0,
        1672515782136,
        True,
    )


def test_an_agg_trade_as_documented_on_the_stream_and_over_rest() -> None:
    trade = parse(combined("bnbbtc@aggTrade", DOC_AGG_TRADE))
    assert trade == schemas.decode_agg_trade_event(DOC_AGG_TRADE)
    assert (trade.id, trade.price, trade.qty, trade.time, trade.buyer_maker) == (
        12345,
        0.001,
        100.0,
        1672515782136,
        True,
    )
    [row] = schemas.decode_recent_agg_trades(DOC_AGG_TRADES)
    assert (row.id, row.price, row.qty, row.time, row.buyer_maker) == (
        26129,
        0.01633102,
        4.70443515,
        1498793709153,
        True,
    )


def test_a_book_ticker_as_documented() -> None:
    quote = parse(combined("bnbusdt@bookTicker", DOC_BOOK_TICKER), "bnbusdt")
    assert quote == schemas.decode_book_ticker_event(DOC_BOOK_TICKER)
    assert (quote.update_id, quote.bid, quote.bid_size, quote.ask, quote.ask_size) == (
        400900217,
        25.3519,
        31.21,
        25.3652,
        40.66,
    )


def test_a_depth_update_and_a_snapshot_as_documented() -> None:
    event = parse(combined("bnbbtc@depth@100ms", DOC_DEPTH))
    assert event == schemas.decode_depth_update(DOC_DEPTH)
    assert (event.event_time, event.first_id, event.last_id) == (1672515782136, 157, 160)
    assert event.bids == [(0.0024, 10.0)]
    assert event.asks == [(0.0026, 100.0)]
    snapshot = schemas.decode_depth_snapshot(DOC_SNAPSHOT)
    assert snapshot.last_update_id == 1027024
    assert snapshot.bids == [(4.0, 431.0)]
    assert snapshot.asks == [(4.000002, 12.0)]


def test_recent_trades_as_documented() -> None:
    [row] = schemas.decode_recent_trades(DOC_TRADES)
    assert (row.id, row.price, row.qty, row.time, row.buyer_maker) == (
        28457,
        4.000001,
        12.0,
        1499865549590,
        True,
    )


def test_the_frame_decoder_routes_by_stream_and_refuses_other_frames() -> None:
    decode = decoder("bnbbtc")
    frames = [
        combined("bnbbtc@trade", DOC_TRADE),
        combined("bnbbtc@depth@100ms", DOC_DEPTH),
        # Key order does not matter.
        b'{"data":' + DOC_AGG_TRADE + b',"stream":"bnbbtc@aggTrade"}',
    ]
    kinds = [type(decode(f).data) for f in frames]
    assert kinds == [schemas.TradeEvent, schemas.DepthUpdate, schemas.AggTradeEvent]
    assert len({type(decode(f)) for f in frames}) == 3  # one frame Struct per stream
    for other, where in [
        (combined("ethbtc@trade", DOC_TRADE), "$.stream"),
        (combined("bnbbtc@trade", DOC_DEPTH), "$.data"),
        (b'{"result":null,"id":1}', "stream"),
    ]:
        with pytest.raises(msgspec.ValidationError, match=re.escape(where)):
            decode(other)


def test_the_envelope_reads_events_control_answers_and_refusals() -> None:
    shutdown = schemas.decode_stream_envelope(
        b'{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1}}'
    )
    assert shutdown.stream == "!serverShutdown"
    assert json.loads(bytes(shutdown.data)) == {"e": "serverShutdown", "E": 1}
    answer = schemas.decode_stream_envelope(b'{"result":null,"id":7}')
    assert (answer.stream, answer.id, answer.code, bytes(answer.data)) == ("", 7, 0, b"")
    refusal = schemas.decode_stream_envelope(
        b'{"code":2,"msg":"Invalid request: unknown stream x","id":4}'
    )
    assert (refusal.code, refusal.msg, refusal.id) == (2, "Invalid request: unknown stream x", 4)


@pytest.mark.parametrize(
    ("frame", "where"),
    [
        (b'{"e":"trade","E":', "truncated"),
        (DOC_TRADE.replace(b'"p":"0.001"', b'"p":"nan"'), "$.p"),
        (DOC_TRADE.replace(b'"p":"0.001"', b'"p":"inf"'), "$.p"),
        (DOC_TRADE.replace(b'"p":"0.001"', b'"p":"-1"'), "$.p"),
        (DOC_TRADE.replace(b'"p":"0.001"', b'"p":"0"'), "$.p"),
        (DOC_TRADE.replace(b'"q":"100"', b'"q":"abc"'), "$.q"),
        (DOC_TRADE.replace(b'"t":12345,', b""), "`t`"),
        (b"[1,2]", "array"),
    ],
)
def test_a_trade_that_cannot_be_right_is_refused(frame: bytes, where: str) -> None:
    with pytest.raises(msgspec.DecodeError) as caught:
        schemas.decode_trade_event(frame)
    if where != "truncated":
        assert where in str(caught.value)


def test_depth_levels_may_be_zero_but_not_negative() -> None:
    removed = schemas.decode_depth_update(DOC_DEPTH.replace(b'"10"', b'"0.00000000"'))
    assert removed.bids == [(0.0024, 0.0)]
    with pytest.raises(msgspec.ValidationError, match=r"\$\.b\[0\]\[1\]"):
        schemas.decode_depth_update(DOC_DEPTH.replace(b'"10"', b'"-1"'))
    with pytest.raises(msgspec.ValidationError, match=r"\$\.a\[0\]"):
        schemas.decode_depth_update(DOC_DEPTH.replace(b'["0.0026","100"]', b'["0.0026"]'))


def _first_of_each(frames: list[bytes], streams: list[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for frame in frames:
        name = json.loads(frame).get("stream")
        if name in streams:
            found.setdefault(name, frame)
    return found


@run
async def test_frames_recorded_from_the_replay_exchange_decode_as_json_reads_them() -> None:
    streams = ["btcusdt@trade", "btcusdt@aggTrade", "btcusdt@bookTicker", "btcusdt@depth@100ms"]
    async with serving(speed=0, loops=1, start_on_subscribe=True) as (exchange, session):
        ws = await session.ws_connect(
            f"{exchange.stream_url}/stream?streams={'/'.join(streams)}", decode_text=False
        )
        frames: list[bytes] = []
        while len(_first_of_each(frames, streams)) < len(streams):
            frames.append(await ws.receive_str())
        await ws.close()
        recorded = _first_of_each(frames, streams)
        async with session.get(
            exchange.rest_url + "/api/v3/depth", params={"symbol": "BTCUSDT", "limit": 5000}
        ) as response:
            snapshot_body = await response.read()
        async with session.get(
            exchange.rest_url + "/api/v3/trades", params={"symbol": "BTCUSDT", "limit": 5}
        ) as response:
            trades_body = await response.read()

    def data(stream: str) -> Any:
        return json.loads(recorded[stream])["data"]

    trade = parse(recorded["btcusdt@trade"], "btcusdt")
    ref = data("btcusdt@trade")
    assert (trade.id, trade.price, trade.qty, trade.time, trade.buyer_maker) == (
        ref["t"],
        float(ref["p"]),
        float(ref["q"]),
        ref["T"],
        ref["m"],
    )
    agg = parse(recorded["btcusdt@aggTrade"], "btcusdt")
    ref = data("btcusdt@aggTrade")
    assert (agg.id, agg.price, agg.qty, agg.time, agg.buyer_maker) == (
        ref["a"],
        float(ref["p"]),
        float(ref["q"]),
        ref["T"],
        ref["m"],
    )
    quote = parse(recorded["btcusdt@bookTicker"], "btcusdt")
    ref = data("btcusdt@bookTicker")
    assert (quote.update_id, quote.bid, quote.bid_size, quote.ask, quote.ask_size) == (
        ref["u"],
        float(ref["b"]),
        float(ref["B"]),
        float(ref["a"]),
        float(ref["A"]),
    )
    depth = parse(recorded["btcusdt@depth@100ms"], "btcusdt")
    ref = data("btcusdt@depth@100ms")
    assert (depth.event_time, depth.first_id, depth.last_id) == (ref["E"], ref["U"], ref["u"])
    assert depth.bids == [(float(p), float(q)) for p, q in ref["b"]]
    assert depth.asks == [(float(p), float(q)) for p, q in ref["a"]]
    assert depth.bids
    assert depth.asks
    snapshot = schemas.decode_depth_snapshot(snapshot_body)
    ref = json.loads(snapshot_body)
    assert snapshot.last_update_id == ref["lastUpdateId"]
    assert snapshot.bids == [(float(p), float(q)) for p, q in ref["bids"]]
    assert snapshot.asks == [(float(p), float(q)) for p, q in ref["asks"]]
    rows = schemas.decode_recent_trades(trades_body)
    ref = json.loads(trades_body)
    assert [(r.id, r.price, r.qty, r.time, r.buyer_maker) for r in rows] == [
        (t["id"], float(t["price"]), float(t["qty"]), t["time"], t["isBuyerMaker"]) for t in ref
    ]
    assert len(rows) == 5
