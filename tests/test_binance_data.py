"""BinanceMarketData against the replay exchange over real aiohttp on loopback.

References are computed apart from the client: the trades and quotes of the replayed record
(loop after loop, ids and times shifted as the exchange shifts them), the book the exchange
derives at every update id, and its REST snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import numpy as np
import pytest

from alphaforge.adapters.binance import BinanceConfig, BinanceMarketData
from alphaforge.adapters.binance.data import TradeStream
from alphaforge.live.venue import BookView, Channel, ConnectionEvent, FillReport, OrderReport
from alphaforge.records import Balance
from alphaforge.replay import FaultConfig, ReplayExchange
from alphaforge.replay.depth import DerivedDepth
from alphaforge.replay.frames import StreamBook
from alphaforge.replay.market import load_market
from replay_helpers import SYMBOL, config, run

TICK, LOT = 0.01, 0.000001
ALL: frozenset[Channel] = frozenset({"trades", "quotes", "book"})
Levels = tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]


class Recorder:
    """A VenueListener that keeps everything the client tells it."""

    def __init__(self) -> None:
        self.trades: list[tuple[str, int, float, float, int, bool]] = []
        self.quotes: list[tuple[str, int, float, float, float, float]] = []
        self.books: list[tuple[int, int, Levels]] = []  # (update id, ts_ns, levels)
        self.events: list[ConnectionEvent] = []
        self.errors: list[str] = []
        self.other: list[object] = []

    def on_trade(
        self, symbol: str, ts_ns: int, price: float, size: float, trade_id: int, buyer_maker: bool
    ) -> None:
        self.trades.append((symbol, ts_ns, price, size, trade_id, buyer_maker))

    def on_quote(
        self, symbol: str, ts_ns: int, bid: float, ask: float, bid_size: float, ask_size: float
    ) -> None:
        self.quotes.append((symbol, ts_ns, bid, ask, bid_size, ask_size))

    def on_book(self, book: BookView) -> None:
        assert book.symbol == SYMBOL
        levels = (
            _ticks_lots(book.bid_prices, book.bid_sizes),
            _ticks_lots(book.ask_prices, book.ask_sizes),
        )
        self.books.append((book.update_id, book.ts_ns, levels))

    def on_order_report(self, report: OrderReport) -> None:
        self.other.append(report)

    def on_fill_report(self, report: FillReport) -> None:
        self.other.append(report)

    def on_balances(self, balances: dict[str, Balance], ts_ns: int) -> None:
        self.other.append(balances)

    def on_connection(self, event: ConnectionEvent) -> None:
        self.events.append(event)

    def on_error(self, source: str, error: str) -> None:
        assert source == "market"
        self.errors.append(error)

    def states(self, state: str) -> list[str]:
        """The details of the connection events in `state`."""
        return [e.detail for e in self.events if e.state == state]


def _ticks_lots(prices: np.ndarray, sizes: np.ndarray) -> tuple[tuple[int, int], ...]:
    return tuple(
        (round(p / TICK), round(s / LOT))
        for p, s in zip(prices.tolist(), sizes.tolist(), strict=True)
    )


class Record:
    """What the replay exchange plays, computed from its record as the exchange shifts it."""

    def __init__(self) -> None:
        market = load_market(None, None, SYMBOL, TICK)
        self.market = market
        self.streams = StreamBook(market, DerivedDepth(market, TICK, LOT, 20, 0), SYMBOL)

    def trades(self, loops: int) -> list[tuple[str, int, float, float, int, bool]]:
        """Every trade of `loops` loops as on_trade receives it."""
        m = self.market
        out = []
        for k in range(loops):
            shift_ms = self.streams.loop_shift_ms(k)
            for i in range(len(m.price)):
                out.append(
                    (
                        SYMBOL,
                        (int(m.trade_ms[i]) + shift_ms) * 1_000_000,
                        float(f"{m.price[i]:.8f}"),
                        float(f"{m.qty[i]:.8f}"),
                        int(m.trade_id[i]) + k * m.trade_id_span,
                        bool(m.buyer_maker[i]),
                    )
                )
        return out

    def quotes(self, loops: int) -> list[tuple[int, int, int, int]]:
        """Every best bid and ask of `loops` loops: (bid, bid size, ask, ask size) in units."""
        out = []
        for _ in range(loops):
            for i in range(len(self.market.bid)):
                bids, asks = self.streams.book_after(i)
                bid, ask = max(bids), min(asks)
                out.append((bid, bids[bid], ask, asks[ask]))
        return out

    def books(self, loops: int) -> dict[int, Levels]:
        """The exchange's book at every update id of `loops` loops, best levels first."""
        out: dict[int, Levels] = {}
        for k in range(loops):
            for i in range(len(self.market.bid)):
                bids, asks = self.streams.book_after(i)
                out[self.streams.update_id(k, i)] = (
                    tuple(sorted(bids.items(), reverse=True)),
                    tuple(sorted(asks.items())),
                )
        return out


RECORD = Record()


@contextlib.asynccontextmanager
async def client(
    *,
    trade_stream: TradeStream = "trade",
    settings: dict[str, Any] | None = None,
    **replay: Any,
) -> AsyncIterator[tuple[ReplayExchange, BinanceMarketData, Recorder, aiohttp.ClientSession]]:
    """A replay exchange with `replay` set and a started client on it, stopped afterwards."""
    fast = {"reconnect_initial_s": 0.01, "reconnect_max_s": 0.05, **(settings or {})}
    async with ReplayExchange(config(**replay)) as exchange, aiohttp.ClientSession() as session:
        data = BinanceMarketData(
            BinanceConfig.local(exchange, symbols=(SYMBOL,), **fast), trade_stream=trade_stream
        )
        recorder = Recorder()
        await data.start(session, recorder)
        try:
            yield exchange, data, recorder, session
        finally:
            await data.stop()
        assert recorder.other == []


async def until(done: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `done()` holds (a test that waits too long fails on the timeout)."""
    async with asyncio.timeout(timeout):
        while not done():
            await asyncio.sleep(0.01)


async def snapshot(session: aiohttp.ClientSession, exchange: ReplayExchange) -> Any:
    """The exchange's own REST depth snapshot."""
    async with session.get(
        exchange.rest_url + "/api/v3/depth", params={"symbol": SYMBOL, "limit": 5000}
    ) as response:
        return await response.json()


def assert_books_match_the_exchange(recorder: Recorder, loops: int) -> None:
    """Every book shown equals the exchange's book at the same update id."""
    reference = RECORD.books(loops)
    assert recorder.books
    for update_id, _, levels in recorder.books:
        assert levels == reference[update_id], f"book at update id {update_id}"


@run
async def test_every_trade_and_quote_of_the_record_arrives_once_in_order() -> None:
    async with client(speed=0, loops=2, start_on_subscribe=True) as (exchange, data, rec, _):
        await data.subscribe(SYMBOL, frozenset({"trades", "quotes"}), 10)
        expected = RECORD.trades(2)
        await until(lambda: len(rec.trades) >= len(expected) and exchange.finished)
        await until(lambda: len(rec.quotes) >= len(RECORD.quotes(2)))
        assert rec.trades == expected
        quotes = [
            (round(b / TICK), round(bs / LOT), round(a / TICK), round(az / LOT))
            for _, _, b, a, bs, az in rec.quotes
        ]
        assert quotes == RECORD.quotes(2)
        assert {q[0] for q in rec.quotes} == {SYMBOL}
        stats = data.statistics()
        assert stats["duplicate_trades"] == stats["malformed"] == stats["lost_trades"] == 0
        assert rec.states("connected") == [""]
        assert rec.errors == []


@run
async def test_the_book_joined_mid_feed_equals_the_exchanges_book_at_every_update_id() -> None:
    async with client(speed=40, loops=1) as (exchange, data, rec, session):
        await asyncio.sleep(0.2)  # a feed already under way
        await data.subscribe(SYMBOL, frozenset({"book"}), 50)
        await exchange.wait_finished()
        final = await snapshot(session, exchange)
        await until(lambda: bool(rec.books) and rec.books[-1][0] == final["lastUpdateId"])
        assert_books_match_the_exchange(rec, 1)
        assert len(rec.books) > 100  # diffs applied one by one, not only snapshots
        ids = [b[0] for b in rec.books]
        assert ids == sorted(set(ids))
        assert rec.books[0][0] > 1  # the sync began from a snapshot, not from the start
        levels = rec.books[-1][2]
        assert [(p, q) for p, q in levels[0]] == [
            (round(float(p) / TICK), round(float(q) / LOT)) for p, q in final["bids"]
        ]
        assert [(p, q) for p, q in levels[1]] == [
            (round(float(p) / TICK), round(float(q) / LOT)) for p, q in final["asks"]
        ]
        stats = data.statistics()
        assert (stats["book_syncs"], stats["book_gaps"]) == (1, 0)
        assert rec.states("resynced") == []


@run
async def test_a_book_view_shows_the_top_depth_levels() -> None:
    async with client(speed=40, loops=1) as (_, data, rec, _session):
        await data.subscribe(SYMBOL, frozenset({"book"}), 3)
        await until(lambda: len(rec.books) > 20)
        reference = RECORD.books(1)
        for update_id, ts_ns, (bids, asks) in rec.books:
            assert len(bids) == len(asks) == 3
            assert (bids, asks) == (reference[update_id][0][:3], reference[update_id][1][:3])
            assert ts_ns > RECORD.market.start_ms * 1_000_000


@run
async def test_gaps_in_the_diffs_rebuild_the_book_from_a_new_snapshot() -> None:
    # The book stream alone: with gap_every the replay feed fails when it merges a thinned
    # depth batch with other streams of the same connection.
    async with client(speed=40, loops=1, faults=FaultConfig(gap_every=25)) as (
        exchange,
        data,
        rec,
        _,
    ):
        await data.subscribe(SYMBOL, frozenset({"book"}), 50)
        await exchange.wait_finished()
        await until(lambda: data.statistics()["book_syncs"] >= 4)
        stats = data.statistics()
        assert stats["book_gaps"] >= 3
        rebuilt = rec.states("resynced")
        assert len(rebuilt) >= 3
        assert all("after a gap (expected U=" in d for d in rebuilt)
        assert_books_match_the_exchange(rec, 1)


@run
async def test_dropped_connections_reconnect_resubscribe_and_lose_no_trade() -> None:
    # A real pace, so that the market moves while the client is away.
    async with client(
        speed=50, loops=1, start_on_subscribe=True, faults=FaultConfig(drop_every=150)
    ) as (
        exchange,
        data,
        rec,
        _,
    ):
        await data.subscribe(SYMBOL, ALL, 50)
        expected = RECORD.trades(1)
        await exchange.wait_finished()
        await until(lambda: len(rec.trades) >= len(expected))
        await until(lambda: data.statistics()["book_syncs"] == len(rec.states("reconnected")) + 1)
        assert rec.trades == expected
        stats = data.statistics()
        assert len(rec.states("reconnected")) >= 3
        assert stats["connects"] == len(rec.states("reconnected")) + 1
        assert all(d.startswith("closed by the server") for d in rec.states("disconnected"))
        assert stats["backfilled_trades"] > 0  # the trades played while it was away
        assert stats["lost_trades"] == 0
        assert len(rec.quotes) > 300
        assert_books_match_the_exchange(rec, 1)
        assert all("after a reconnect" in d for d in rec.states("resynced"))


@run
async def test_trades_played_while_away_are_fetched_when_no_later_trade_shows_the_hole() -> None:
    # At speed 0 the whole loop goes out at once: the drop cuts it after 1500 frames (the
    # answer to SUBSCRIBE and 1499 trades) and the feed has ended by the time the client is
    # back, so only REST knows the last 502.
    async with client(
        speed=0, loops=1, start_on_subscribe=True, faults=FaultConfig(drop_every=1500)
    ) as (exchange, data, rec, _):
        await data.subscribe(SYMBOL, frozenset({"trades"}), 10)
        expected = RECORD.trades(1)
        await until(lambda: len(rec.trades) >= len(expected) and exchange.finished)
        assert rec.trades == expected
        assert data.statistics()["backfilled_trades"] == 502
        assert rec.errors == []


@run
async def test_trades_older_than_the_rest_window_are_reported_lost_never_invented() -> None:
    async with client(
        speed=0, loops=1, start_on_subscribe=True, faults=FaultConfig(drop_every=500)
    ) as (_, data, rec, _session):
        await data.subscribe(SYMBOL, frozenset({"trades"}), 10)
        expected = RECORD.trades(1)
        await until(lambda: bool(rec.trades) and rec.trades[-1] == expected[-1])
        # 499 trades came before the drop (after the answer to SUBSCRIBE), and GET
        # /api/v3/trades serves the last 1000: the 502 between are gone.
        assert rec.trades == expected[:499] + expected[-1000:]
        stats = data.statistics()
        assert (stats["lost_trades"], stats["backfilled_trades"]) == (502, 1000)
        assert rec.errors == [
            f"{SYMBOL}: 502 trades after id {expected[498][4]} were missed and are not among "
            "the last 1000 the venue serves"
        ]


@run
async def test_malformed_frames_are_counted_reported_and_skipped() -> None:
    async with client(
        speed=0, loops=1, start_on_subscribe=True, faults=FaultConfig(malformed_every=7)
    ) as (exchange, data, rec, _):
        await data.subscribe(SYMBOL, frozenset({"trades", "quotes"}), 10)
        expected = RECORD.trades(1)
        await until(lambda: len(rec.trades) >= len(expected) and exchange.finished)
        await until(lambda: len(rec.quotes) >= len(RECORD.market.bid))
        assert rec.trades == expected
        stats = data.statistics()
        good = stats["frames"] - stats["malformed"]
        assert stats["malformed"] == good // 7 > 100
        assert len(rec.errors) == stats["malformed"]
        assert all(e.startswith("frame skipped, it does not parse") for e in rec.errors)
        assert rec.states("disconnected") == []


@run
async def test_server_shutdown_reconnects_before_the_server_closes() -> None:
    async with client(speed=20, loops=1, faults=FaultConfig(shutdown_after=0.5)) as (
        exchange,
        data,
        rec,
        _,
    ):
        await data.subscribe(SYMBOL, frozenset({"trades", "book"}), 50)
        await until(lambda: bool(rec.states("reconnected")))
        assert rec.states("disconnected") == ["the server announced a shutdown (serverShutdown)"]
        await exchange.wait_finished()
        expected = RECORD.trades(1)
        first = rec.trades[0][4]
        await until(lambda: rec.trades[-1][4] == expected[-1][4])
        assert rec.trades == [t for t in expected if t[4] >= first]
        assert data.statistics()["lost_trades"] == 0
        await until(lambda: data.statistics()["book_syncs"] == 2)
        assert_books_match_the_exchange(rec, 1)


@run
async def test_a_silent_stream_is_replaced_by_the_watchdog() -> None:
    async with client(speed=0, loops=1, start_on_subscribe=True, settings={"watchdog_s": 0.3}) as (
        exchange,
        data,
        rec,
        _,
    ):
        await data.subscribe(SYMBOL, frozenset({"trades"}), 10)
        await exchange.wait_finished()  # then nothing more is sent
        await until(lambda: bool(rec.states("reconnected")))
        assert rec.states("disconnected")[0] == "no message for 0.3 s"
        assert rec.trades == RECORD.trades(1)


@run
async def test_a_connection_is_replaced_before_max_connection_s() -> None:
    async with client(speed=20, loops=1, settings={"max_connection_s": 0.4}) as (
        exchange,
        data,
        rec,
        _,
    ):
        await data.subscribe(SYMBOL, frozenset({"trades"}), 10)
        await until(lambda: len(rec.states("reconnected")) >= 2)
        assert (
            rec.states("disconnected")[:2]
            == ["the connection reached max_connection_s (0.4 s)"] * 2
        )
        await exchange.wait_finished()
        expected = RECORD.trades(1)
        await until(lambda: rec.trades[-1][4] == expected[-1][4])
        first = rec.trades[0][4]
        assert rec.trades == [t for t in expected if t[4] >= first]


@run
async def test_agg_trades_arrive_once_each_as_rest_lists_them() -> None:
    async with client(trade_stream="aggTrade", speed=0, loops=1, start_on_subscribe=True) as (
        exchange,
        data,
        rec,
        session,
    ):
        await data.subscribe(SYMBOL, frozenset({"trades"}), 10)
        await exchange.wait_finished()
        async with session.get(
            exchange.rest_url + "/api/v3/aggTrades", params={"symbol": SYMBOL, "limit": 1000}
        ) as response:
            rows = await response.json()
        await until(lambda: bool(rec.trades) and rec.trades[-1][4] == rows[-1]["a"])
        ids = [t[4] for t in rec.trades]
        assert ids == list(range(1, len(ids) + 1))
        assert sum(t[3] for t in rec.trades) == pytest.approx(float(RECORD.market.qty.sum()))
        assert rec.trades[-len(rows) :] == [
            (SYMBOL, r["T"] * 1_000_000, float(r["p"]), float(r["q"]), r["a"], r["m"]) for r in rows
        ]


@run
async def test_an_unknown_symbol_is_a_value_error_naming_it() -> None:
    async with client(speed=0, loops=1) as (_, data, rec, _session):
        with pytest.raises(ValueError, match="ETHUSDT"):
            await data.instruments(["BTCUSDT", "ETHUSDT"])
        with pytest.raises(ValueError, match="ETHUSDT"):
            await data.subscribe("ETHUSDT", frozenset({"trades"}), 10)
        specs = await data.instruments(["BTCUSDT"])
        assert (specs[SYMBOL].tick_size, specs[SYMBOL].lot_size) == (TICK, LOT)
        assert data.statistics()["connects"] == 1
        assert rec.errors == []


@run
async def test_bad_subscriptions_are_refused_and_change_nothing() -> None:
    async with client(speed=0, loops=1) as (_, data, _rec, _session):
        bad: list[tuple[Any, Any, str]] = [
            (frozenset({"candles"}), 10, "unknown \\['candles'\\]"),
            (frozenset(), 10, "at least one"),
            ("trades", 10, "must be a set"),
            (ALL, 0, "depth must be an int in \\[1, 5000\\], got 0"),
            (ALL, 5001, "got 5001"),
            (ALL, True, "got True"),
        ]
        for channels, depth, message in bad:
            with pytest.raises(ValueError, match=message):
                await data.subscribe(SYMBOL, channels, depth)
        with pytest.raises(ValueError, match="symbol must be a name"):
            await data.subscribe("BTC/USDT", ALL, 10)
        assert data.statistics()["frames"] == 0
        assert "symbols=[]" in repr(data)
    with pytest.raises(ValueError, match="trade_stream"):
        BinanceMarketData(BinanceConfig(), trade_stream="kline")  # type: ignore[arg-type]
    idle = BinanceMarketData(BinanceConfig())
    with pytest.raises(RuntimeError, match="not started"):
        await idle.subscribe(SYMBOL, ALL, 10)
    with pytest.raises(RuntimeError, match="not started"):
        await idle.instruments([SYMBOL])


@run
async def test_nothing_runs_after_stop_and_a_second_start_is_refused() -> None:
    async with client(speed=20, loops=1) as (_, data, rec, s):
        await data.subscribe(SYMBOL, ALL, 10)
        await until(lambda: len(rec.trades) > 10 and len(rec.books) > 0)
        with pytest.raises(RuntimeError, match="already started"):
            await data.start(s, rec)
        await data.stop()
        assert rec.events[-1] == ConnectionEvent("market", "disconnected", "stopped")
        seen = len(rec.trades)
        await asyncio.sleep(0.1)
        assert len(rec.trades) == seen
        with pytest.raises(RuntimeError, match="is stopped"):
            await data.subscribe(SYMBOL, ALL, 10)
        assert data.statistics()["frames"] > 10  # the counts outlive the connection
        assert "stopped" in repr(data)

        ours = {"CombinedStream._run", "BookSync._sync", "_Tape._backfill"}
        assert [
            t for t in asyncio.all_tasks() if getattr(t.get_coro(), "__qualname__", "") in ours
        ] == []


def test_the_package_exports_the_client() -> None:
    from alphaforge.adapters import binance

    assert binance.BinanceMarketData is BinanceMarketData


@run
async def test_a_connection_refuses_more_streams_than_binance_allows() -> None:
    async with client(speed=0, loops=1) as (_, data, _rec, _session):
        stream = data._stream
        assert stream is not None
        stream.check_room([f"s{i}usdt@trade" for i in range(1024)])
        with pytest.raises(ValueError, match="at most 1024 streams; 0 are open and 1025 more"):
            stream.check_room([f"s{i}usdt@trade" for i in range(1025)])
        await data.subscribe(SYMBOL, ALL, 10)
        assert stream.streams == ["btcusdt@trade", "btcusdt@bookTicker", "btcusdt@depth@100ms"]
        with pytest.raises(ValueError, match="3 are open and 1022 more"):
            stream.check_room([f"s{i}usdt@trade" for i in range(1022)])
