"""BinanceExecution: orders, the user data stream and reconciliation of one Binance Spot account.

Orders go out once, over REST or the WebSocket API, after the symbol's filters have been
checked here as the exchange checks them. An order whose send ends without a definite answer
is reported UNKNOWN and resolved in the background: by the user stream if it reports the order,
else by querying it with retries, since a query right after a 5xx can miss an order that exists
(Memory => Database lag). "Not placed" is concluded only once the request's recvWindow has run
out, so the exchange can no longer execute it. It is never sent again.

The user data stream is a ``userDataStream.subscribe.signature`` subscription on the WebSocket
API. After every reconnect (or resubscribe) its events are held back while the open orders,
the orders in flight and the balances are read over REST and reported; then the held events
follow, so a REST snapshot never overwrites fresher stream news.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from alphaforge.adapters.binance import schemas, translate
from alphaforge.adapters.binance.config import BinanceConfig
from alphaforge.adapters.binance.http import (
    BinanceError,
    BinanceHttp,
    OutcomeUnknown,
    TransportError,
)
from alphaforge.adapters.binance.translate import TERMINAL, OrderRefused
from alphaforge.adapters.binance.ws_api import WsApi
from alphaforge.live.venue import (
    CancelResult,
    ConnectionEvent,
    FillReport,
    OrderIntent,
    OrderReport,
    SubmitResult,
    VenueListener,
)
from alphaforge.records import Balance

if TYPE_CHECKING:
    import aiohttp

_log = logging.getLogger("alphaforge.adapters.binance.execution")
STREAM = "user"
NO_SUCH_ORDER = -2013
CANCEL_REJECTED = -2011
DAY_MS = 86_400_000
TRADES_PAGE = 1000
KNOWN_IDS = 10_000  # venue ids remembered to name the client id of fills read over REST
# Once this long past its recvWindow, a request can no longer be executed (clock error margin).
EXPIRY_MARGIN_MS = 1000


@dataclass(slots=True)
class _Tracked:
    """An order this client sent: what reconciliation must look at again."""

    symbol: str
    intent: OrderIntent | None
    venue_order_id: int = 0
    filled_qty: float = 0.0  # the cumulative quantity whose fills were reported
    venue_filled: float = 0.0  # the cumulative quantity the exchange says was filled
    in_flight: bool = True  # sent, and no definite answer yet
    done: bool = False  # seen in a final state
    seen: asyncio.Event = field(default_factory=asyncio.Event)  # reported by the stream


@dataclass(slots=True)
class ExecutionCounters:
    """What the client has seen, for statistics and tests."""

    unknown_outcomes: int = 0
    resolved_by_stream: int = 0
    resolved_by_query: int = 0
    not_placed: int = 0
    unresolved: int = 0
    reconnects: int = 0
    resyncs: int = 0
    bad_events: int = 0
    refused_locally: int = 0


class BinanceExecution:
    """The ExecutionClient of a Binance Spot account (see live/venue.py)."""

    def __init__(self, config: BinanceConfig) -> None:
        self.config = config
        self.counters = ExecutionCounters()
        self._http: BinanceHttp | None = None
        self._ws: WsApi | None = None
        self._listener: VenueListener | None = None
        self._filters: dict[str, schemas.SymbolInfo] = {}
        self._orders: dict[str, _Tracked] = {}
        self._client_ids: dict[tuple[str, int], str] = {}  # oldest first
        self._subscription: int | None = None
        self._held: list[msgspec.Raw] | None = None  # events held back while reconciling
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return f"BinanceExecution({self.config.rest_url!r}, {len(self._orders)} tracked orders)"

    @property
    def http(self) -> BinanceHttp:
        """The REST client (after start)."""
        if self._http is None:
            raise RuntimeError("BinanceExecution is not started: call start() first")
        return self._http

    @property
    def ws_api(self) -> WsApi:
        """The WebSocket API connection carrying the user data stream (after start)."""
        if self._ws is None:
            raise RuntimeError("BinanceExecution is not started: call start() first")
        return self._ws

    @property
    def bad_frames(self) -> int:
        """Frames and events of the user connection that could not be parsed."""
        return (self._ws.bad_frames if self._ws else 0) + self.counters.bad_events

    # Lifecycle.

    async def start(self, session: aiohttp.ClientSession, listener: VenueListener) -> None:
        """Sync the clock, read the symbols' filters and subscribe to the user data stream."""
        self.config.require_keys()
        self._listener = listener
        self._http = BinanceHttp(self.config, session)
        await self._http.sync_time()
        if self.config.symbols:
            self._filters.update(await self._http.exchange_filters(list(self.config.symbols)))
        self._ws = WsApi(
            self.config,
            self._http,
            session,
            on_event=self._on_event,
            on_up=self._on_up,
            on_down=self._on_down,
            on_error=lambda error: listener.on_error(STREAM, error),
        )
        await self._ws.start()

    async def stop(self) -> None:
        """Stop resolving, close the user data connection."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._ws is not None:
            await self._ws.stop()

    # Orders.

    async def submit(self, intent: OrderIntent) -> SubmitResult:
        """Place `intent` once; UNKNOWN outcomes are resolved in the background, never resent."""
        http = self.http
        try:
            params = translate.order_params(intent, await self._symbol_rules(intent.symbol))
        except OrderRefused as refused:
            self.counters.refused_locally += 1
            return SubmitResult("REJECTED", code=refused.code, reason=refused.msg)
        cid = intent.client_order_id
        tracked = self._orders.get(cid)
        if tracked is not None and not tracked.done:
            # Binance would take a second order with this id only once the first is final.
            return SubmitResult("REJECTED", code=-2010, reason="Duplicate order sent.")
        tracked = self._orders[cid] = _Tracked(intent.symbol.upper(), intent)
        try:
            if self.config.order_transport == "ws":
                await http.wait_for_order_slot()
                body = await self._ws_request("order.place", params, write=True)
            else:
                body = await http.post("/api/v3/order", params, order=True)
            order = schemas.decode_order(body)
        except OutcomeUnknown as unknown:
            return self._unknown(tracked, intent, unknown.reason)
        except msgspec.DecodeError as error:
            # Taken (2xx) but unreadable: the order exists, its state comes from a query.
            return self._unknown(tracked, intent, f"unreadable answer: {error}")
        except (BinanceError, TransportError) as error:
            del self._orders[cid]
            code = error.code if isinstance(error, BinanceError) else 0
            reason = error.msg if isinstance(error, BinanceError) else f"not sent: {error}"
            return SubmitResult("REJECTED", code=code, reason=reason)
        report = translate.order_report(order)
        self._settled(tracked, report)
        return SubmitResult("ACCEPTED", report=report)

    async def cancel(self, symbol: str, client_order_id: str) -> CancelResult:
        """Cancel by client id; REJECTED (-2011) when the order is not open."""
        params = {"symbol": symbol.upper(), "origClientOrderId": client_order_id}
        try:
            if self.config.order_transport == "ws":
                body = await self._ws_request("order.cancel", params, write=True)
            else:
                body = await self.http.delete("/api/v3/order", params)
            report = translate.order_report(schemas.decode_order(body))
        except (OutcomeUnknown, msgspec.DecodeError) as error:
            return CancelResult("UNKNOWN", reason=str(error))
        except BinanceError as error:
            return CancelResult("REJECTED", code=error.code, reason=error.msg)
        except TransportError as error:
            return CancelResult("REJECTED", reason=f"not sent: {error}")
        tracked = self._orders.get(client_order_id)
        if tracked is not None:
            self._settled(tracked, report)
        return CancelResult("CANCELED", report=report)

    async def query_order(self, symbol: str, client_order_id: str) -> OrderReport | None:
        """The exchange's report of an order, or None when it does not know it (-2013)."""
        params = {"symbol": symbol.upper(), "origClientOrderId": client_order_id}
        try:
            body = await self.http.request("GET", "/api/v3/order", params, signed=True, weight=4)
        except BinanceError as error:
            if error.code == NO_SUCH_ORDER:
                return None
            raise
        return translate.order_report(schemas.decode_order(body))

    async def open_orders(self, symbol: str | None = None) -> list[OrderReport]:
        """The account's open orders, of one symbol or all."""
        params = {"symbol": symbol.upper()} if symbol else {}
        body = await self.http.request(
            "GET", "/api/v3/openOrders", params, signed=True, weight=6 if symbol else 80
        )
        return [translate.order_report(o) for o in schemas.decode_orders(body)]

    async def fills(self, symbol: str, since_ns: int) -> list[FillReport]:
        """The account's trades in `symbol` since `since_ns`, oldest first.

        The most recent page usually reaches back far enough. When it does not, the first trade
        since then is searched window by window (myTrades spans at most 24 h by time) and the
        rest follows by trade id (fromId), which has no window."""
        name = symbol.upper()
        since_ms = since_ns // translate.MS
        trades = await self._trades({"symbol": name}, weight=20)
        if len(trades) == TRADES_PAGE and trades[0].time >= since_ms:
            trades = await self._trades_from(name, since_ms, trades[0].time)
        return [
            translate.trade_fill(t, self._client_ids.get((name, t.orderId), ""))
            for t in trades
            if t.time >= since_ms
        ]

    async def _trades_from(self, symbol: str, since_ms: int, until_ms: int) -> list[schemas.Trade]:
        page: list[schemas.Trade] = []
        start = since_ms
        while not page and start <= until_ms:
            end = min(start + DAY_MS - 1, until_ms)
            page = await self._trades(
                {"symbol": symbol, "startTime": start, "endTime": end}, weight=20
            )
            start = end + 1
        trades = list(page)
        while len(page) == TRADES_PAGE:
            page = await self._trades({"symbol": symbol, "fromId": page[-1].id + 1}, weight=20)
            trades += page
        return trades

    async def balances(self) -> dict[str, Balance]:
        """The account's balance per asset (assets with nothing in them left out)."""
        body = await self.http.request(
            "GET", "/api/v3/account", {"omitZeroBalances": "true"}, signed=True, weight=20
        )
        return {b.asset: Balance(b.free, b.locked) for b in schemas.decode_account(body).balances}

    async def resolve(
        self, intent: OrderIntent, expires_ms: int | None = None
    ) -> OrderReport | None:
        """Find out by queries whether `intent` was placed, and report what is found.

        Reports the order (and its fills) when the exchange has it; a REJECTED "not placed"
        report when it still does not after `query_retries` tries and past `expires_ms`
        (exchange time after which the request can no longer be executed; default now).
        Returns the report, or None when the queries kept failing."""
        listener = self._require_listener()
        cid = intent.client_order_id
        tracked = self._orders.setdefault(cid, _Tracked(intent.symbol.upper(), intent))
        expires = self.http.now_ms() if expires_ms is None else expires_ms
        failures = 0
        misses = 0
        delay = self.config.query_retry_s
        while True:
            try:
                report = await self.query_order(intent.symbol, cid)
            except (BinanceError, TransportError, msgspec.DecodeError) as error:
                failures += 1
                listener.on_error(STREAM, f"query of {cid} failed: {error}")
                if failures >= self.config.query_retries * 2:
                    self.counters.unresolved += 1
                    return None  # left in flight: the next reconciliation tries again
            else:
                if report is not None:
                    self.counters.resolved_by_query += 1
                    await self._report_with_fills(tracked, report)
                    return report
                misses += 1
                if misses >= self.config.query_retries and self.http.now_ms() > expires:
                    self.counters.not_placed += 1
                    rejected = translate.not_placed(intent, "not placed")
                    tracked.in_flight, tracked.done = False, True
                    listener.on_order_report(rejected)
                    return rejected
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.reconnect_max_s)

    def _unknown(self, tracked: _Tracked, intent: OrderIntent, reason: str) -> SubmitResult:
        self.counters.unknown_outcomes += 1
        # The request was signed before now: past this, the exchange can no longer execute it.
        expires = self.http.now_ms() + self.config.recv_window + EXPIRY_MARGIN_MS
        self._spawn(self._resolve_in_background(tracked, intent, expires))
        return SubmitResult("UNKNOWN", reason=reason)

    async def _resolve_in_background(
        self, tracked: _Tracked, intent: OrderIntent, expires_ms: int
    ) -> None:
        if self._ws is not None and self._ws.is_up:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tracked.seen.wait(), self.config.timeout_s)
        if tracked.seen.is_set():
            self.counters.resolved_by_stream += 1
            tracked.in_flight = False
            return
        await self.resolve(intent, expires_ms)

    async def _report_with_fills(self, tracked: _Tracked, report: OrderReport) -> None:
        """Report an order read over REST, and its trades when it filled more than reported."""
        self._require_listener().on_order_report(report)
        self._settled(tracked, report)
        await self._owed_fills(tracked, report.client_order_id)

    async def _owed_fills(self, tracked: _Tracked, client_order_id: str) -> None:
        """Report the order's trades when the exchange filled more than its reported fills."""
        if tracked.venue_filled > tracked.filled_qty:
            trades = await self._trades(
                {"symbol": tracked.symbol, "orderId": tracked.venue_order_id}, weight=5
            )
            cum = 0.0
            for trade in trades:
                cum += trade.qty
                fill = translate.trade_fill(trade, client_order_id, cum)
                self._require_listener().on_fill_report(fill)
            tracked.filled_qty = max(tracked.filled_qty, tracked.venue_filled)
        self._forget_if_finished(tracked, client_order_id)

    def _settled(self, tracked: _Tracked, report: OrderReport) -> None:
        """Take in the exchange's answer about the order (its fills may still be owed)."""
        tracked.in_flight = False
        tracked.venue_filled = max(tracked.venue_filled, report.filled_qty)
        self._known(tracked, report.venue_order_id, report.client_order_id)
        if report.status in TERMINAL:
            tracked.done = True
        self._forget_if_finished(tracked, report.client_order_id)

    def _forget_if_finished(self, tracked: _Tracked, client_order_id: str) -> None:
        # Final, answered, and every fill reported: nothing left to reconcile.
        finished = tracked.done and not tracked.in_flight
        owed = tracked.venue_filled > tracked.filled_qty
        if finished and not owed and self._orders.get(client_order_id) is tracked:
            del self._orders[client_order_id]

    def _known(self, tracked: _Tracked, venue_order_id: int, client_order_id: str) -> None:
        if not venue_order_id or tracked.venue_order_id == venue_order_id:
            return
        tracked.venue_order_id = venue_order_id
        self._client_ids[(tracked.symbol, venue_order_id)] = client_order_id
        if len(self._client_ids) > KNOWN_IDS:
            del self._client_ids[next(iter(self._client_ids))]

    async def _symbol_rules(self, symbol: str) -> schemas.SymbolInfo | None:
        name = symbol.upper()
        if name not in self._filters:
            try:
                self._filters.update(await self.http.exchange_filters([name]))
            except ValueError:
                raise OrderRefused(-1121, "Invalid symbol.") from None
            except (BinanceError, TransportError):
                return None  # checked by the exchange alone
        return self._filters[name]

    async def _trades(self, params: dict[str, object], weight: int) -> list[schemas.Trade]:
        params = {**params, "limit": TRADES_PAGE}
        body = await self.http.request(
            "GET", "/api/v3/myTrades", params, signed=True, weight=weight
        )
        return schemas.decode_trades(body)

    async def _ws_request(self, method: str, params: Mapping[str, object], *, write: bool) -> bytes:
        if self._ws is None:
            raise RuntimeError("BinanceExecution is not started: call start() first")
        return bytes(await self._ws.request(method, params, signed=True, write=write))

    # The user data stream.

    async def _on_up(self, first: bool) -> None:
        await self._subscribe(first, "connected" if first else "reconnected", "")

    async def _subscribe(
        self, first: bool, state: Literal["connected", "reconnected"], detail: str
    ) -> None:
        listener = self._require_listener()
        if not first:
            self._held = []
        try:
            raw = await self._ws_request("userDataStream.subscribe.signature", {}, write=False)
            self._subscription = schemas.decode_subscribed(raw).subscriptionId
            listener.on_connection(ConnectionEvent(STREAM, state, detail))
            if first:
                return
            self.counters.reconnects += 1
            await self._reconcile()
            self.counters.resyncs += 1
        finally:
            self._release_held()
        listener.on_connection(ConnectionEvent(STREAM, "resynced", detail))

    def _on_down(self, reason: str) -> None:
        self._subscription = None
        self._require_listener().on_connection(ConnectionEvent(STREAM, "disconnected", reason))

    async def _reconcile(self) -> None:
        """Read over REST what the stream may have missed, and report it."""
        listener = self._require_listener()
        open_now = await self.open_orders()
        listed = set()
        for report in open_now:
            listed.add(report.client_order_id)
            tracked = self._orders.get(report.client_order_id)
            if tracked is None:
                listener.on_order_report(report)
            else:
                await self._report_with_fills(tracked, report)
        for cid, tracked in list(self._orders.items()):
            if cid in listed:
                continue
            if tracked.done:  # final, but some of its fills went unreported
                await self._owed_fills(tracked, cid)
                continue
            found = await self.query_order(tracked.symbol, cid)
            if found is not None:
                await self._report_with_fills(tracked, found)
            elif tracked.in_flight and tracked.intent is not None:
                self._spawn(self.resolve(tracked.intent, None))
        listener.on_balances(await self.balances(), self.http.now_ms() * translate.MS)

    def _release_held(self) -> None:
        held, self._held = self._held, None
        for event in held or ():
            self._dispatch(event)

    def _on_event(self, subscription: int, event: msgspec.Raw) -> None:
        if subscription != self._subscription:
            return  # from an ended subscription
        if self._held is not None:
            self._held.append(event)
        else:
            self._dispatch(event)

    def _dispatch(self, event: msgspec.Raw) -> None:
        listener = self._require_listener()
        try:
            head = schemas.decode_event_head(event)
            if head.type == "executionReport":
                self._execution_report(schemas.decode_execution_report(event))
            elif head.type == "outboundAccountPosition":
                position = schemas.decode_account_position(event)
                balances = {b.asset: Balance(b.free, b.locked) for b in position.balances}
                listener.on_balances(balances, position.event_time * translate.MS)
            elif head.type == "eventStreamTerminated":
                self._subscription = None
                self._spawn(self._resubscribe())
        except msgspec.DecodeError as error:
            self.counters.bad_events += 1
            listener.on_error(STREAM, f"unparseable user event skipped: {error}")

    def _execution_report(self, event: schemas.ExecutionReport) -> None:
        listener = self._require_listener()
        report = translate.event_report(event)
        listener.on_order_report(report)
        tracked = self._orders.get(report.client_order_id)
        if event.execution_type == "TRADE":
            listener.on_fill_report(translate.event_fill(event))
            if tracked is not None:
                tracked.filled_qty = max(tracked.filled_qty, event.cum_qty)
        if tracked is not None:
            tracked.seen.set()
            tracked.venue_filled = max(tracked.venue_filled, event.cum_qty)
            self._known(tracked, event.order_id, report.client_order_id)
            if report.status in TERMINAL:
                tracked.done = True
            self._forget_if_finished(tracked, report.client_order_id)

    async def _resubscribe(self) -> None:
        try:
            await self._subscribe(False, "reconnected", "resubscribed after eventStreamTerminated")
        except (BinanceError, TransportError, msgspec.DecodeError) as error:
            self._require_listener().on_error(STREAM, f"resubscribe failed: {error}")
            if self._ws is not None:
                self._ws.restart("resubscribe failed")

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            _log.error("background work failed: %r", error)
            if self._listener is not None:
                self._listener.on_error(STREAM, f"background work failed: {error!r}")

    def _require_listener(self) -> VenueListener:
        if self._listener is None:
            raise RuntimeError("BinanceExecution is not started: call start() first")
        return self._listener
