"""BinanceMarketData: Binance Spot trades, best quotes and local order books for the live node.

Channels map to streams: "trades" to <symbol>@trade (or @aggTrade), "quotes" to
<symbol>@bookTicker, "book" to <symbol>@depth@100ms kept as a local book (book_sync.py). All of
them share one combined-stream connection (streams.py). Each frame is decoded by msgspec
straight from its bytes by one decoder over a union of the subscribed streams' frame Structs,
tagged by stream name, so finding the stream and parsing its data is one pass; the data goes
to the listener. A frame that does not parse is counted, reported to
``listener.on_error("market", ...)`` and skipped.

Trades are delivered once each and in id order. Binance numbers a symbol's trades without
holes, so a jump in ids (after a reconnect, say) is filled from GET /api/v3/trades, which
serves the last 1000: trades older than that are reported lost, never invented.

bookTicker carries no event time on Spot, so quotes are stamped with the local receive time
(``time.time_ns()``); trades carry their trade time and books their event time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import operator
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, NoReturn, Protocol

import msgspec

from alphaforge.adapters.binance import schemas
from alphaforge.adapters.binance.book_sync import BookSync
from alphaforge.adapters.binance.config import BinanceConfig
from alphaforge.adapters.binance.http import BinanceError, BinanceHttp, TransportError
from alphaforge.adapters.binance.streams import CombinedStream
from alphaforge.live.venue import Channel, ConnectionEvent, InstrumentSpec, VenueListener

if TYPE_CHECKING:
    import aiohttp

TradeStream = Literal["trade", "aggTrade"]
CHANNELS: frozenset[str] = frozenset({"trades", "quotes", "book"})
MAX_DEPTH = 5000  # the largest REST snapshot
RECENT_TRADES = 1000  # the most GET /api/v3/trades and /aggTrades return
BACKFILL_ATTEMPTS = 5
SHUTDOWN_STREAM = "!serverShutdown"
_DEPTH_WEIGHTS = ((100, 5), (500, 25), (1000, 50), (5000, 250))  # rest-api.md "Order book"


class _TradeLike(Protocol):
    """What the trade Structs of the stream and of REST have in common."""

    @property
    def id(self) -> int: ...
    @property
    def price(self) -> float: ...
    @property
    def qty(self) -> float: ...
    @property
    def time(self) -> int: ...
    @property
    def buyer_maker(self) -> bool: ...


class _Tape:
    """One symbol's trades: each delivered once, in id order, holes filled from REST."""

    def __init__(
        self,
        symbol: str,
        listener: VenueListener,
        fetch: Callable[[], Awaitable[list[_TradeLike]]],
        retry_s: Callable[[int], float],
    ) -> None:
        self.symbol = symbol
        self.last_id = 0
        self.duplicates = 0
        self.backfilled = 0
        self.lost = 0
        self._deliver = listener.on_trade
        self._on_error = listener.on_error
        self._fetch = fetch
        self._retry_s = retry_s
        self._pending: list[_TradeLike] | None = None  # held while a hole is being filled
        self._task: asyncio.Task[None] | None = None

    def on_trade(self, trade: _TradeLike) -> None:
        """Take one trade of the stream."""
        trade_id = trade.id
        if trade_id != self.last_id + 1:  # the next id is the one case kept short
            self._out_of_line(trade)
            return
        self.last_id = trade_id
        self._deliver(
            self.symbol,
            trade.time * 1_000_000,
            trade.price,
            trade.qty,
            trade_id,
            trade.buyer_maker,
        )

    def _out_of_line(self, trade: _TradeLike) -> None:
        if trade.id <= self.last_id:
            self.duplicates += 1
        elif self._pending is not None:
            self._pending.append(trade)
        elif self.last_id:
            self._pending = [trade]
            self._task = asyncio.get_running_loop().create_task(self._backfill())
        else:  # the first trade
            self.last_id = trade.id - 1
            self.on_trade(trade)

    async def close(self) -> None:
        """Cancel a backfill under way."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def resume(self) -> None:
        """The stream was replaced: check the venue's recent trades for any it missed, even
        when no new trade comes to show the hole."""
        if self.last_id and self._pending is None:
            self._pending = []
            self._task = asyncio.get_running_loop().create_task(self._backfill())

    async def _backfill(self) -> None:
        rows: list[_TradeLike] = []
        for attempt in range(1, BACKFILL_ATTEMPTS + 1):
            try:
                rows = await self._fetch()
            except (TransportError, BinanceError, msgspec.DecodeError) as error:
                self._on_error("market", f"{self.symbol} recent trades for a gap failed: {error}")
                await asyncio.sleep(self._retry_s(attempt))
                continue
            held = self._pending
            if not held or (rows and rows[-1].id + 1 >= held[0].id):
                break  # the answer reaches the trades the stream holds
            await asyncio.sleep(self._retry_s(attempt))
        self._task = None
        held, self._pending = self._pending or [], None
        rows.sort(key=lambda r: r.id)
        # Trades after last_id up to the first one held, or up to the newest REST knows.
        newest = rows[-1].id + 1 if rows else self.last_id + 1
        upto = held[0].id if held else newest
        fresh = [r for r in rows if self.last_id < r.id < upto]
        known = fresh[0].id if fresh else upto
        if known > self.last_id + 1:
            missed = known - self.last_id - 1
            self.lost += missed
            self._on_error(
                "market",
                f"{self.symbol}: {missed} trades after id {self.last_id} were missed and are "
                f"not among the last {RECENT_TRADES} the venue serves",
            )
            self.last_id = known - 1
        self.backfilled += len(fresh)
        for trade in fresh:
            self.on_trade(trade)
        for trade in held:
            self.on_trade(trade)


class _Symbol:
    """What is subscribed of one symbol."""

    def __init__(self, spec: InstrumentSpec) -> None:
        self.spec = spec
        self.tape: _Tape | None = None
        self.quotes = False
        self.book: BookSync | None = None


class BinanceMarketData:
    """The MarketDataClient of Binance Spot over one combined-stream WebSocket.

    `trade_stream` picks what "trades" carries: every trade ("trade", trade_id = Binance's
    trade id) or aggregated trades ("aggTrade", trade_id = the aggregate's id).
    """

    def __init__(self, config: BinanceConfig, *, trade_stream: TradeStream = "trade") -> None:
        if trade_stream not in ("trade", "aggTrade"):
            raise ValueError(f"trade_stream must be 'trade' or 'aggTrade', got {trade_stream!r}")
        self.config = config
        self.trade_stream = trade_stream
        self.malformed = 0
        self.handler_errors = 0
        self.unrouted = 0
        self._listener: VenueListener | None = None
        self._http: BinanceHttp | None = None
        self._stream: CombinedStream | None = None
        self._stopped = False
        self._specs: dict[str, InstrumentSpec] = {}
        self._symbols: dict[str, _Symbol] = {}
        # The frame Struct of each subscribed stream -> the handler of its data, and one
        # decoder over all of them: it finds a frame's stream and parses it in one pass.
        self._handlers: dict[type, Callable[[Any], None]] = {}
        self._decode: Callable[[bytes], Any] = _no_stream
        # Stream name -> (decoder of its data alone, handler), for frames the union refuses.
        self._events: dict[str, tuple[Callable[[Any], Any], Callable[[Any], None]]] = {}

    def __repr__(self) -> str:
        return (
            f"BinanceMarketData({self.config.stream_url!r}, symbols={list(self._symbols)}, "
            f"{'running' if self._stream is not None and not self._stopped else 'stopped'})"
        )

    async def start(self, session: aiohttp.ClientSession, listener: VenueListener) -> None:
        """Open the stream connection; return once it is open."""
        if self._stream is not None:
            raise RuntimeError("BinanceMarketData is already started")
        self._listener = listener
        self._http = BinanceHttp(self.config, session)
        stream = CombinedStream(self.config, self._on_frame, self._on_state, self._on_failure)
        self._events[SHUTDOWN_STREAM] = (lambda raw: raw, self._on_shutdown)
        await stream.start(session)
        self._stream = stream

    async def instruments(self, symbols: list[str]) -> dict[str, InstrumentSpec]:
        """The trading rules of `symbols`; ValueError naming any symbol the venue lacks."""
        specs = await self._require_http().exchange_info(list(symbols))
        self._specs.update(specs)
        return specs

    async def subscribe(self, symbol: str, channels: frozenset[Channel], depth: int) -> None:
        """Stream `channels` of `symbol`; `depth` is how many levels a BookView shows."""
        listener, stream = self._running()
        wanted = _channels(channels)
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"depth must be an int in [1, {MAX_DEPTH}], got {depth!r}")
        if not isinstance(symbol, str) or not symbol.isascii() or not symbol.isalnum():
            raise ValueError(f"symbol must be a name like 'BTCUSDT', got {symbol!r}")
        symbol = symbol.upper()
        spec = self._specs.get(symbol)
        if spec is None:
            spec = (await self.instruments([symbol]))[symbol]
        if "book" in wanted and not spec.tick_size > 0:
            raise ValueError(f"{symbol}: the venue states no tick size, so no book can be kept")
        state = self._symbols.get(symbol) or _Symbol(spec)
        prefix = symbol.lower() + "@"
        new_trades = "trades" in wanted and state.tape is None
        new_quotes = "quotes" in wanted and not state.quotes
        new_book = "book" in wanted and state.book is None
        names = [
            prefix + name
            for name, new in (
                (self.trade_stream, new_trades),
                ("bookTicker", new_quotes),
                ("depth@100ms", new_book),
            )
            if new
        ]
        stream.check_room(names)
        self._symbols[symbol] = state
        if new_trades:
            tape = _Tape(symbol, listener, lambda: self._recent_trades(symbol), self._retry_s)
            event: type[msgspec.Struct]
            decoder: Callable[[Any], Any]
            if self.trade_stream == "trade":
                event, decoder = schemas.TradeEvent, schemas.decode_trade_event
            else:
                event, decoder = schemas.AggTradeEvent, schemas.decode_agg_trade_event
            self._route(prefix + self.trade_stream, event, decoder, tape.on_trade)
            state.tape = tape
        if new_quotes:
            handler = _quote_handler(symbol, listener)
            event, decoder = schemas.BookTickerEvent, schemas.decode_book_ticker_event
            self._route(prefix + "bookTicker", event, decoder, handler)
            state.quotes = True
        if new_book:
            book = BookSync(
                symbol,
                spec.tick_size,
                depth,
                listener,
                lambda limit: self._snapshot(symbol, limit),
                self._retry_s,
            )
            self._route(
                prefix + "depth@100ms",
                schemas.DepthUpdate,
                schemas.decode_depth_update,
                book.on_diff,
            )
            state.book = book
        elif state.book is not None and "book" in wanted:
            state.book.depth = max(state.book.depth, depth)
        await stream.add(names)

    async def stop(self) -> None:
        """Close the connection and cancel every task of the client."""
        self._stopped = True
        if self._stream is not None:
            await self._stream.stop()
        for state in self._symbols.values():
            if state.tape is not None:
                await state.tape.close()
            if state.book is not None:
                await state.book.close()

    def statistics(self) -> dict[str, int]:
        """Counts of what the client received and repaired."""
        stream = self._stream
        tapes = [s.tape for s in self._symbols.values() if s.tape is not None]
        books = [s.book for s in self._symbols.values() if s.book is not None]
        return {
            "frames": stream.frames if stream is not None else 0,
            "connects": stream.connects if stream is not None else 0,
            "malformed": self.malformed,
            "handler_errors": self.handler_errors,
            "unrouted": self.unrouted,
            "duplicate_trades": sum(t.duplicates for t in tapes),
            "backfilled_trades": sum(t.backfilled for t in tapes),
            "lost_trades": sum(t.lost for t in tapes),
            "book_gaps": sum(b.gaps for b in books),
            "book_syncs": sum(b.syncs for b in books),
            "snapshots": sum(b.snapshots for b in books),
        }

    # The hot path: one call per frame, from the stream's reader.

    def _on_frame(self, frame: bytes) -> None:
        try:
            try:
                parsed = self._decode(frame)
            except msgspec.ValidationError:
                self._on_other(frame)
                return
            self._handlers[type(parsed)](parsed.data)
        except msgspec.DecodeError as error:  # not JSON, or a stream's data that is wrong
            self.malformed += 1
            self._report(f"frame skipped, it does not parse ({error}): {frame[:160]!r}")
        except Exception as error:
            self.handler_errors += 1
            self._report(f"handling a frame failed: {error!r}")

    def _on_other(self, frame: bytes) -> None:
        """A frame outside the subscribed streams' union: an answer to a control frame, the
        server's shutdown notice, a stream no longer routed, or a stream's data that is wrong
        (its decoder raises again, saying where)."""
        envelope = schemas.decode_stream_envelope(frame)
        if envelope.stream:
            route = self._events.get(envelope.stream)
            if route is None or not envelope.data:
                self.unrouted += 1
                return
            route[1](route[0](envelope.data))
        elif envelope.code:
            self._report(f"control frame {envelope.id!r} refused: {envelope.code} {envelope.msg}")
        elif envelope.id is None:
            raise msgspec.ValidationError("neither a stream event nor a control answer")

    def _route(
        self,
        name: str,
        event: type[msgspec.Struct],
        event_decoder: Callable[[Any], Any],
        handler: Callable[[Any], None],
    ) -> None:
        """Send the frames of stream `name` to `handler`."""
        self._handlers[stream_frame(name, event)] = handler
        self._decode = frames_decoder(list(self._handlers))
        self._events[name] = (event_decoder, handler)

    # Connection state and repairs.

    def _on_state(self, event: ConnectionEvent) -> None:
        if event.state == "reconnected":
            for state in self._symbols.values():
                if state.book is not None:
                    state.book.reset("a reconnect")
                if state.tape is not None:
                    state.tape.resume()
        if self._listener is not None:
            self._listener.on_connection(event)

    def _on_failure(self, error: str) -> None:
        self._report(error)

    def _on_shutdown(self, _: object) -> None:
        if self._stream is not None:
            self._stream.reconnect("the server announced a shutdown (serverShutdown)")

    def _report(self, error: str) -> None:
        if self._listener is not None:
            self._listener.on_error("market", error)

    async def _snapshot(self, symbol: str, limit: int) -> schemas.DepthSnapshot:
        weight = next(w for top, w in _DEPTH_WEIGHTS if limit <= top)
        body = await self._require_http().request(
            "GET", "/api/v3/depth", {"symbol": symbol, "limit": limit}, weight=weight
        )
        return schemas.decode_depth_snapshot(body)

    async def _recent_trades(self, symbol: str) -> list[_TradeLike]:
        http = self._require_http()
        params = {"symbol": symbol, "limit": RECENT_TRADES}
        if self.trade_stream == "trade":
            body = await http.request("GET", "/api/v3/trades", params, weight=25)
            return list(schemas.decode_recent_trades(body))
        body = await http.request("GET", "/api/v3/aggTrades", params, weight=4)
        return list(schemas.decode_recent_agg_trades(body))

    def _retry_s(self, attempt: int) -> float:
        config = self.config
        return float(min(config.reconnect_max_s, config.reconnect_initial_s * 2 ** (attempt - 1)))

    def _running(self) -> tuple[VenueListener, CombinedStream]:
        if self._stopped:
            raise RuntimeError("BinanceMarketData is stopped")
        if self._listener is None or self._stream is None:
            raise RuntimeError("BinanceMarketData is not started: await start(session, listener)")
        return self._listener, self._stream

    def _require_http(self) -> BinanceHttp:
        if self._http is None:
            raise RuntimeError("BinanceMarketData is not started: await start(session, listener)")
        return self._http


def _channels(channels: object) -> frozenset[str]:
    if isinstance(channels, str) or not isinstance(channels, (set, frozenset, list, tuple)):
        raise ValueError(f"channels must be a set of {sorted(CHANNELS)}, got {channels!r}")
    if not channels:
        raise ValueError(f"channels must name at least one of {sorted(CHANNELS)}")
    unknown = sorted(str(c) for c in channels if c not in CHANNELS)
    if unknown:
        raise ValueError(f"channels: unknown {unknown}, expected some of {sorted(CHANNELS)}")
    return frozenset(channels)


def stream_frame(stream: str, event: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """The Struct of a combined-stream frame of `stream`: ``{"stream": stream, "data": event}``.

    `stream` is its tag, so a decoder over a union of them (:func:`frames_decoder`) finds the
    stream of a frame and parses its data in one pass.
    """
    return msgspec.defstruct(
        "StreamFrame", [("data", event)], tag_field="stream", tag=stream, frozen=True, gc=False
    )


def frames_decoder(frames: list[type[msgspec.Struct]]) -> Callable[[bytes], Any]:
    """One decoder for the frames of every stream in `frames`; a frame of any other stream,
    or without one, is a ValidationError."""
    union: Any = functools.reduce(operator.or_, frames)
    return msgspec.json.Decoder(union, strict=False).decode


def _no_stream(frame: bytes) -> NoReturn:
    raise msgspec.ValidationError("no stream is subscribed")


def _quote_handler(symbol: str, listener: VenueListener) -> Callable[[Any], None]:
    deliver = listener.on_quote
    now = time.time_ns

    def on_quote(quote: schemas.BookTickerEvent) -> None:
        deliver(symbol, now(), quote.bid, quote.ask, quote.bid_size, quote.ask_size)

    return on_quote
