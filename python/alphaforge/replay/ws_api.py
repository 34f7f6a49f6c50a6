"""The WebSocket API at /ws-api/v3: requests and responses, and user data event subscriptions.

Requests are ``{"id", "method", "params"}``; responses ``{"id", "status", "result"|"error",
"rateLimits"}`` (rateLimits left out when the connection URL or the request says
``returnRateLimits=false``). ``userDataStream.subscribe.signature`` subscribes the session to an
API key's executionReport and outboundAccountPosition events, delivered as
``{"subscriptionId", "event"}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import WSMsgType, web

from alphaforge.replay import errors
from alphaforge.replay.connection import Connection
from alphaforge.replay.context import Context
from alphaforge.replay.errors import BinanceError
from alphaforge.replay.exchange import Listener, now_ms
from alphaforge.replay.params import Params
from alphaforge.replay.rest import CONTEXT, ENDPOINTS

_decode = msgspec.json.Decoder().decode
MAX_SUBSCRIPTIONS = 1000


@dataclass(frozen=True, slots=True)
class Method:
    """One WebSocket API method: what it does, whether it is SIGNED and what it weighs."""

    run: Callable[[Session, str, Params], object]
    weight: Callable[[Params], int]
    signed: bool = False
    free_on_success: bool = False
    new_order: bool = False


def _rest(method: str, path: str) -> Method:
    """A method that does what a REST endpoint does, with its weight and signing."""
    endpoint = ENDPOINTS[(method, path)]
    return Method(
        lambda session, key, params: endpoint.handler(session.ctx, key, params),
        endpoint.weight,
        endpoint.signed,
        endpoint.free_on_success,
        endpoint.new_order,
    )


class Session:
    """One WebSocket API connection and its user data subscriptions."""

    def __init__(self, ctx: Context, connection: Connection, ip: str, rate_limits: bool) -> None:
        self.ctx = ctx
        self.connection = connection
        self.ip = ip
        self.rate_limits = rate_limits
        self.subscriptions: dict[int, tuple[str, Listener]] = {}
        self.next_subscription = 0

    async def handle(self, text: str) -> None:
        """Answer one request frame."""
        await self.ctx.faults.delay()
        ident: object = None
        key: str | None = None
        show_limits = self.rate_limits
        now = now_ms()
        weight = 1
        try:
            request = _decode(text)
            if not isinstance(request, dict) or not isinstance(request.get("method"), str):
                raise BinanceError(
                    -1102,
                    "Mandatory parameter 'method' was not sent, was empty/null, or malformed.",
                )
            ident = request.get("id")
            raw_params = request.get("params", {})
            if not isinstance(raw_params, dict):
                raise BinanceError(
                    -1102,
                    "Mandatory parameter 'params' was not sent, was empty/null, or malformed.",
                )
            params = Params(raw_params)
            if raw_params.get("returnRateLimits") is False:
                show_limits = False
            name = request["method"].removeprefix("v3/")
            method = METHODS.get(name)
            if method is None:
                raise BinanceError(-1000, f"Unknown method '{name}'.")
            weight = method.weight(params)
            self.ctx.limiter.check_weight(self.ip, now)
            key = self.ctx.auth.ws(params, now) if method.signed else ""
            if method.new_order:
                self.ctx.limiter.check_orders(key, now)
            result = method.run(self, key, params)
            if method.new_order:
                self.ctx.limiter.add_order(key, now)
            response: dict[str, Any] = {"id": ident, "status": 200, "result": result}
            if method.new_order and self.ctx.faults.take_5xx():
                code, msg = errors.TIMEOUT
                response = {"id": ident, "status": 503, "error": {"code": code, "msg": msg}}
            elif method.free_on_success:
                weight = 0
        except msgspec.DecodeError:
            response = {
                "id": None,
                "status": 400,
                "error": {"code": -1000, "msg": "Malformed request: not valid JSON."},
            }
        except BinanceError as error:
            response = {"id": ident, "status": error.status, "error": error.body()}
            if error.retry_after is not None:
                response["error"]["data"] = {"retryAfter": now + 1000 * error.retry_after}
        self.ctx.limiter.weight.add(self.ip, weight, now)
        if show_limits:
            response["rateLimits"] = self.ctx.limiter.rate_limits(self.ip, key or None, now)
        self.connection.push_json(response)
        await self.connection.flush()

    def subscribe(self, key: str, params: Params) -> object:
        """userDataStream.subscribe.signature: follow `key`'s user data events."""
        if any(k == key for k, _ in self.subscriptions.values()):
            raise BinanceError(-2035, "User Data Stream subscription already active.")
        if len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            raise BinanceError(-2042, "Maximum subscription ID reached for this connection.")
        subscription = self.next_subscription
        self.next_subscription += 1
        connection = self.connection

        def deliver(event: dict[str, object]) -> None:
            connection.push_json({"subscriptionId": subscription, "event": event})
            connection.flush_soon()

        self.subscriptions[subscription] = (key, deliver)
        self.ctx.exchange.listeners[key].append(deliver)
        return {"subscriptionId": subscription}

    def unsubscribe(self, params: Params) -> object:
        """userDataStream.unsubscribe: one subscription by id, or all of them."""
        wanted = params.integer("subscriptionId")
        if wanted is not None and wanted not in self.subscriptions:
            raise BinanceError(-2036, "User Data Stream subscription not active.")
        for subscription in [wanted] if wanted is not None else list(self.subscriptions):
            self._end(subscription)
        return {}

    def close(self) -> None:
        """Drop every subscription of a closed connection."""
        for subscription in list(self.subscriptions):
            key, deliver = self.subscriptions.pop(subscription)
            self.ctx.exchange.listeners[key].remove(deliver)

    def _end(self, subscription: int) -> None:
        key, deliver = self.subscriptions.pop(subscription)
        self.ctx.exchange.listeners[key].remove(deliver)
        terminated = {"e": "eventStreamTerminated", "E": now_ms()}
        self.connection.push_json({"subscriptionId": subscription, "event": terminated})


def _session_subscriptions(session: Session, key: str, params: Params) -> object:
    return [{"subscriptionId": s} for s in session.subscriptions]


METHODS: dict[str, Method] = {
    "ping": _rest("GET", "/api/v3/ping"),
    "time": _rest("GET", "/api/v3/time"),
    "exchangeInfo": _rest("GET", "/api/v3/exchangeInfo"),
    "depth": _rest("GET", "/api/v3/depth"),
    "trades.recent": _rest("GET", "/api/v3/trades"),
    "ticker.book": _rest("GET", "/api/v3/ticker/bookTicker"),
    "ticker.price": _rest("GET", "/api/v3/ticker/price"),
    "order.place": _rest("POST", "/api/v3/order"),
    "order.test": _rest("POST", "/api/v3/order/test"),
    "order.status": _rest("GET", "/api/v3/order"),
    "order.cancel": _rest("DELETE", "/api/v3/order"),
    "openOrders.status": _rest("GET", "/api/v3/openOrders"),
    "openOrders.cancelAll": _rest("DELETE", "/api/v3/openOrders"),
    "allOrders": _rest("GET", "/api/v3/allOrders"),
    "myTrades": _rest("GET", "/api/v3/myTrades"),
    "account.status": _rest("GET", "/api/v3/account"),
    "account.rateLimits.orders": _rest("GET", "/api/v3/rateLimit/order"),
    "userDataStream.subscribe.signature": Method(
        lambda session, key, params: session.subscribe(key, params), lambda _: 2, signed=True
    ),
    "userDataStream.unsubscribe": Method(
        lambda session, key, params: session.unsubscribe(params), lambda _: 2
    ),
    "session.subscriptions": Method(_session_subscriptions, lambda _: 2),
}


async def ws_api_handler(request: web.Request) -> web.StreamResponse:
    """Serve one WebSocket API connection."""
    ctx = request.app[CONTEXT]
    ws = web.WebSocketResponse(autoping=False, compress=False)
    await ws.prepare(request)
    connection = Connection(request, ws, ctx.config.faults)
    connection.shutdown_message = lambda now: {"event": {"e": "serverShutdown", "E": now}}
    rate_limits = request.query.get("returnRateLimits", "true").lower() != "false"
    session = Session(ctx, connection, request.remote or "", rate_limits)
    ctx.connections.add(connection)
    # Connecting to the WebSocket API costs 2 weight.
    ctx.limiter.weight.add(session.ip, 2, now_ms())
    heartbeat = asyncio.create_task(
        connection.heartbeat(ctx.config.ping_interval, ctx.config.pong_timeout)
    )
    try:
        async for message in ws:
            if await connection.answer_control(message):
                continue
            if message.type == WSMsgType.TEXT:
                await session.handle(message.data)
    finally:
        heartbeat.cancel()
        session.close()
        ctx.connections.discard(connection)
    return ws
