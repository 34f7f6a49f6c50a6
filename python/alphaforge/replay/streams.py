"""Market streams: raw at /ws/<name>[/<name>...], combined at /stream?streams=<a>/<b>.

Live control frames (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY and GET_PROPERTY
of "combined") are answered as Binance answers them, errors included.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from aiohttp import WSMsgType, web

from alphaforge.replay.connection import Connection
from alphaforge.replay.context import Context
from alphaforge.replay.feed import Subscriber
from alphaforge.replay.rest import CONTEXT

_decode = msgspec.json.Decoder().decode
MAX_STREAMS = 1024
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")


async def stream_handler(request: web.Request) -> web.StreamResponse:
    """Serve one market-data WebSocket connection."""
    ctx = request.app[CONTEXT]
    combined = request.path.startswith("/stream")
    if combined:
        names = [n for n in request.query.get("streams", "").split("/") if n]
    else:
        names = [n for n in request.path[len("/ws") :].split("/") if n]
    unknown = [n for n in names if not ctx.streams.has(n)]
    if unknown:
        raise web.HTTPBadRequest(text=f"Invalid stream name {unknown[0]!r}")
    ws = web.WebSocketResponse(autoping=False, compress=False)
    await ws.prepare(request)
    connection = Connection(request, ws, ctx.config.faults)
    subscriber = Subscriber(connection, combined)
    connection.shutdown_message = lambda now: _shutdown(subscriber, now)
    ctx.connections.add(connection)
    if names:
        ctx.feed.subscribe(subscriber, names)
    heartbeat = asyncio.create_task(
        connection.heartbeat(ctx.config.ping_interval, ctx.config.pong_timeout)
    )
    try:
        async for message in ws:
            if await connection.answer_control(message):
                continue
            if message.type == WSMsgType.TEXT:
                connection.push_json(_control(ctx, subscriber, message.data))
                await connection.flush()
    finally:
        heartbeat.cancel()
        ctx.feed.remove(subscriber)
        ctx.connections.discard(connection)
    return ws


def _control(ctx: Context, subscriber: Subscriber, text: str) -> dict[str, Any]:
    try:
        request = _decode(text)
    except msgspec.DecodeError as error:
        return {"code": 3, "msg": f"Invalid JSON: {error}"}
    if not isinstance(request, dict):
        return {"code": 2, "msg": "Invalid request: expected an object"}
    ident = request.get("id")
    if ident is not None and not isinstance(ident, (int, str)):
        return {
            "code": 2,
            "msg": "Invalid request: request ID must be an unsigned integer",
            "id": None,
        }
    method = request.get("method")
    if method not in _METHODS:
        return {
            "code": 2,
            "msg": f"Invalid request: unknown variant {method}, expected one of "
            + ", ".join(f"`{m}`" for m in _METHODS),
            "id": ident,
        }
    params = request.get("params", [])
    if not isinstance(params, list):
        return {"code": 2, "msg": "Invalid request: params must be an array", "id": ident}
    if method == "LIST_SUBSCRIPTIONS":
        return {"result": list(subscriber.streams), "id": ident}
    if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
        bad = [p for p in params if not isinstance(p, str) or not ctx.streams.has(p)]
        if bad:
            return {"code": 2, "msg": f"Invalid request: unknown stream {bad[0]}", "id": ident}
        if method == "SUBSCRIBE":
            if len(set(subscriber.streams) | set(params)) > MAX_STREAMS:
                return {"code": 2, "msg": "Invalid request: too many streams", "id": ident}
            ctx.feed.subscribe(subscriber, params)
        else:
            ctx.feed.unsubscribe(subscriber, params)
        return {"result": None, "id": ident}
    if not params or params[0] != "combined":
        return {"code": 0, "msg": "Unknown property", "id": ident}
    if method == "GET_PROPERTY":
        return {"result": subscriber.combined, "id": ident}
    if len(params) != 2 or not isinstance(params[1], bool):
        return {"code": 1, "msg": "Invalid value type: expected Boolean", "id": ident}
    subscriber.combined = params[1]
    return {"result": None, "id": ident}


def _shutdown(subscriber: Subscriber, now: int) -> object:
    event = {"e": "serverShutdown", "E": now}
    return {"stream": "!serverShutdown", "data": event} if subscriber.combined else event
