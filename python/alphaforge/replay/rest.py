"""The REST API at /api/v3: public market data, SIGNED trading and account endpoints.

Every response carries X-MBX-USED-WEIGHT-1M (the IP's weight this minute, this request
included); a successful new order also carries X-MBX-ORDER-COUNT-10S and -1D. Successful order
placements and cancels cost no weight (Binance since 2026-04-02); failed ones cost their weight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl

import msgspec
from aiohttp import web

from alphaforge.replay import errors, info
from alphaforge.replay.context import Context
from alphaforge.replay.errors import BinanceError
from alphaforge.replay.exchange import now_ms
from alphaforge.replay.params import Params, order_request

CONTEXT = web.AppKey("replay_context", Context)
_encode = msgspec.json.Encoder(decimal_format="number").encode
Handler = Callable[[Context, str, Params], object]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST endpoint: its handler, whether it is SIGNED, and what it weighs."""

    handler: Handler
    weight: Callable[[Params], int]
    signed: bool = False
    free_on_success: bool = False
    new_order: bool = False


def _fixed(weight: int) -> Callable[[Params], int]:
    return lambda _: weight


def _depth_weight(params: Params) -> int:
    limit = params.integer("limit", 100) or 100
    return 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250


def _symbol_weight(with_symbol: int, without: int) -> Callable[[Params], int]:
    return lambda p: with_symbol if p.get("symbol") else without


def _ping(ctx: Context, key: str, params: Params) -> object:
    return {}


def _time(ctx: Context, key: str, params: Params) -> object:
    return {"serverTime": now_ms()}


def _exchange_info(ctx: Context, key: str, params: Params) -> object:
    wanted = params.get("symbol")
    symbols = params.get("symbols")
    if symbols is not None:
        names = [s.strip().strip('"') for s in symbols.strip("[]").split(",") if s.strip()]
        if any(n != ctx.exchange.symbol for n in names):
            raise BinanceError(*errors.INVALID_SYMBOL)
    if wanted is not None and wanted != ctx.exchange.symbol:
        raise BinanceError(*errors.INVALID_SYMBOL)
    return {
        "timezone": "UTC",
        "serverTime": now_ms(),
        "rateLimits": ctx.limiter.exchange_limits(),
        "exchangeFilters": [],
        "symbols": [info.symbol_info(ctx.exchange)],
    }


def _depth(ctx: Context, key: str, params: Params) -> object:
    _symbol(ctx, params)
    limit = params.limit(100, 5000)
    bids, asks = info.book_levels(ctx.feed.book(), ctx.exchange.tick, ctx.exchange.step, limit)
    return {"lastUpdateId": ctx.feed.update_id(), "bids": bids, "asks": asks}


def _trades(ctx: Context, key: str, params: Params) -> object:
    _symbol(ctx, params)
    limit = params.limit(500, 1000)
    return [
        {
            "id": trade_id,
            "price": f"{price:.8f}",
            "qty": f"{qty:.8f}",
            "quoteQty": f"{Decimal(f'{price:.8f}') * Decimal(f'{qty:.8f}'):.8f}",
            "time": time_ms,
            "isBuyerMaker": buyer_maker,
            "isBestMatch": True,
        }
        for trade_id, price, qty, time_ms, buyer_maker in ctx.feed.recent_trades(limit)
    ]


def _agg_trades(ctx: Context, key: str, params: Params) -> object:
    _symbol(ctx, params)
    return ctx.feed.recent_agg_trades(params.limit(500, 1000))


def _book_ticker(ctx: Context, key: str, params: Params) -> object:
    ticker = info.book_ticker(
        ctx.exchange.symbol, ctx.feed.book(), ctx.exchange.tick, ctx.exchange.step
    )
    if params.get("symbol") is None:
        return [ticker]
    _symbol(ctx, params)
    return ticker


def _price(ctx: Context, key: str, params: Params) -> object:
    last = ctx.feed.last_price()
    price = "0.00000000" if last is None else f"{last * ctx.exchange.tick:.8f}"
    ticker = {"symbol": ctx.exchange.symbol, "price": price}
    if params.get("symbol") is None:
        return [ticker]
    _symbol(ctx, params)
    return ticker


def _test_order(ctx: Context, key: str, params: Params) -> object:
    request = order_request(params)
    if request.symbol != ctx.exchange.symbol:
        raise BinanceError(*errors.INVALID_SYMBOL)
    return {}


def _order_rate(ctx: Context, key: str, params: Params) -> object:
    return ctx.limiter.rate_limits("", key, now_ms())[1:]


def _symbol(ctx: Context, params: Params) -> None:
    if params.required("symbol") != ctx.exchange.symbol:
        raise BinanceError(*errors.INVALID_SYMBOL)


def _gone(ctx: Context, key: str, params: Params) -> object:
    raise BinanceError(
        -1000,
        "listenKey user data streams were removed; subscribe through the WebSocket API "
        "(userDataStream.subscribe.signature).",
        410,
    )


def _trading(method: Callable[..., object]) -> Handler:
    return lambda ctx, key, params: method(ctx.exchange, key, params)


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v3/ping"): Endpoint(_ping, _fixed(1)),
    ("GET", "/api/v3/time"): Endpoint(_time, _fixed(1)),
    ("GET", "/api/v3/exchangeInfo"): Endpoint(_exchange_info, _fixed(20)),
    ("GET", "/api/v3/depth"): Endpoint(_depth, _depth_weight),
    ("GET", "/api/v3/trades"): Endpoint(_trades, _fixed(25)),
    ("GET", "/api/v3/aggTrades"): Endpoint(_agg_trades, _fixed(4)),
    ("GET", "/api/v3/ticker/bookTicker"): Endpoint(_book_ticker, _symbol_weight(2, 4)),
    ("GET", "/api/v3/ticker/price"): Endpoint(_price, _symbol_weight(2, 4)),
    ("POST", "/api/v3/order"): Endpoint(
        _trading(lambda e, k, p: e.place(k, p)), _fixed(1), True, True, True
    ),
    ("POST", "/api/v3/order/test"): Endpoint(_test_order, _fixed(1), True),
    ("GET", "/api/v3/order"): Endpoint(_trading(lambda e, k, p: e.query(k, p)), _fixed(4), True),
    ("DELETE", "/api/v3/order"): Endpoint(
        _trading(lambda e, k, p: e.cancel(k, p)), _fixed(1), True, True
    ),
    ("GET", "/api/v3/openOrders"): Endpoint(
        _trading(lambda e, k, p: e.open_orders(k, p)), _symbol_weight(6, 80), True
    ),
    ("DELETE", "/api/v3/openOrders"): Endpoint(
        _trading(lambda e, k, p: e.cancel_all(k, p)), _fixed(1), True
    ),
    ("GET", "/api/v3/allOrders"): Endpoint(
        _trading(lambda e, k, p: e.all_orders(k, p)), _fixed(20), True
    ),
    ("GET", "/api/v3/myTrades"): Endpoint(
        _trading(lambda e, k, p: e.my_trades(k, p)),
        lambda p: 5 if p.get("orderId") else 20,
        True,
    ),
    ("GET", "/api/v3/account"): Endpoint(
        _trading(lambda e, k, p: e.account_info(k, p)), _fixed(20), True
    ),
    ("GET", "/api/v3/rateLimit/order"): Endpoint(_order_rate, _fixed(40), True),
}
for _method in ("POST", "PUT", "DELETE"):
    ENDPOINTS[(_method, "/api/v3/userDataStream")] = Endpoint(_gone, _fixed(2))


async def dispatch(request: web.Request) -> web.Response:
    """Answer one REST request the way Binance would."""
    ctx = request.app[CONTEXT]
    await ctx.faults.delay()
    endpoint = ENDPOINTS.get((request.method, request.path))
    if endpoint is None:
        return _json(
            {"code": -1000, "msg": f"Unknown endpoint {request.method} {request.path}"}, 404
        )
    ip = request.remote or ""
    now = now_ms()
    headers: dict[str, str] = {}
    weight = 1
    try:
        raw_query = request.rel_url.raw_query_string
        raw_body = (await request.read()).decode() if request.can_read_body else ""
        params = _params(raw_query, raw_body, request.content_type)
        weight = endpoint.weight(params)
        if ctx.faults.take_429():
            raise BinanceError(
                -1003,
                errors.TOO_MUCH_WEIGHT.format(limit=ctx.limiter.limits.weight_per_minute),
                429,
                1,
            )
        ctx.limiter.check_weight(ip, now)
        key = ""
        if endpoint.signed:
            key = ctx.auth.rest(
                request.headers.get("X-MBX-APIKEY"), raw_query, raw_body, params, now
            )
        if endpoint.new_order:
            ctx.limiter.check_orders(key, now)
        result = endpoint.handler(ctx, key, params)
        if endpoint.new_order:
            ctx.limiter.add_order(key, now)
            ten, day = ctx.limiter.order_counts(key, now)
            headers["X-MBX-ORDER-COUNT-10S"] = str(ten)
            headers["X-MBX-ORDER-COUNT-1D"] = str(day)
        status = 200
        if endpoint.new_order and ctx.faults.take_5xx():
            # The order is on the exchange; the answer says its fate is unknown.
            status, result = 503, dict(zip(("code", "msg"), errors.TIMEOUT, strict=True))
        elif endpoint.free_on_success:
            weight = 0
    except BinanceError as error:
        status, result = error.status, error.body()
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
    used = ctx.limiter.weight.add(ip, weight, now)
    headers["X-MBX-USED-WEIGHT-1M"] = str(used)
    return _json(result, status, headers)


def _params(raw_query: str, raw_body: str, content_type: str) -> Params:
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    if raw_body and content_type in ("application/x-www-form-urlencoded", "", "text/plain"):
        pairs += parse_qsl(raw_body, keep_blank_values=True)
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise BinanceError(-1101, "Duplicate values for a parameter detected.")
    return Params(dict(pairs))


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=_encode(body), status=status, headers=headers, content_type="application/json"
    )
