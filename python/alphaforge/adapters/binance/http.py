"""REST access to Binance Spot: signing, server time, rate limits and what a failure means.

A SIGNED request is signed when it is sent (never earlier, so a queued request cannot fall out
of its recvWindow) over the percent-encoded query string exactly as it goes on the wire, with
timestamp = local clock + the measured server offset. Failures are sorted by what they say
about the request:

- ``BinanceError``: the exchange refused it (a definite answer, nothing happened);
- ``RateLimited``: a 429 or 418; the client waits out Retry-After before its next request;
- ``OutcomeUnknown``: a write (POST, DELETE) got no definite answer (timeout, 5xx, -1006,
  -1007, a connection lost after sending); it may or may not have taken effect, so it is
  never sent again here;
- ``TransportError``: no answer at all to a read, or a connection that never opened.

Reads (GET) are idempotent: they are retried on 429, 5xx and transport errors.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
import msgspec
from yarl import URL

from alphaforge.adapters.binance import schemas
from alphaforge.adapters.binance.config import BinanceConfig
from alphaforge.live.venue import InstrumentSpec

Params = Mapping[str, object]

UNKNOWN_CODES = frozenset({-1006, -1007})  # "execution status unknown" (errors.md)
INVALID_TIMESTAMP = -1021
INVALID_SYMBOL = -1121
GET_ATTEMPTS = 4
WEIGHT_HEADROOM = 0.9  # slow down once 90% of a window's limit is used
_MINUTE_MS = 60_000
_TEN_S_MS = 10_000


class BinanceError(Exception):
    """The exchange refused a request: HTTP status, Binance error code and message."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(f"HTTP {status}, code {code}: {msg}")
        self.status = status
        self.code = code
        self.msg = msg


class RateLimited(BinanceError):
    """HTTP 429 (a limit broken) or 418 (the IP is banned); `retry_after_s` as the exchange said."""

    def __init__(self, status: int, code: int, msg: str, retry_after_s: float) -> None:
        super().__init__(status, code, msg)
        self.retry_after_s = retry_after_s


class TransportError(Exception):
    """No answer: the connection failed, timed out or closed."""


class OutcomeUnknown(TransportError):
    """A write was sent and no definite answer came back; it may have taken effect."""

    def __init__(self, method: str, path: str, reason: str, code: int = 0) -> None:
        super().__init__(f"{method} {path}: outcome unknown ({reason})")
        self.code = code
        self.reason = reason


def sign(secret: str, payload: str) -> str:
    """HMAC-SHA256 of `payload` keyed with `secret`, as hex (rest-api.md "HMAC Keys")."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def query_string(params: Params) -> str:
    """`params` percent-encoded in their given order, as sent and as signed."""
    return urlencode([(name, param_text(value)) for name, value in params.items()])


def ws_payload(params: Params) -> str:
    """The WebSocket API signing payload: names sorted, ``k=v`` joined by ``&``, not encoded."""
    return "&".join(f"{k}={param_text(params[k])}" for k in sorted(params) if k != "signature")


def param_text(value: object) -> str:
    """A parameter as Binance reads it: plain decimals (never 1e-05), lower-case booleans."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), separators=(",", ":"))
    return str(value)


class BinanceHttp:
    """The REST client of one account over the node's aiohttp session."""

    def __init__(self, config: BinanceConfig, session: aiohttp.ClientSession) -> None:
        self.config = config
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=config.timeout_s)
        self.offset_ms = 0.0  # server clock minus local clock
        self._synced = False
        self._blocked_until = 0.0  # monotonic time before which nothing is sent
        self.weight_limit = 6000
        self.order_limit_10s = 50
        self.used_weight = 0
        self._weight_window = -1
        self.order_count_10s = 0
        self._order_window = -1
        self.rate_limited = 0  # 429/418 answers seen

    def __repr__(self) -> str:
        return f"BinanceHttp({self.config.rest_url!r}, offset_ms={self.offset_ms:.1f})"

    def now_ms(self) -> int:
        """The exchange's clock in ms, as this client estimates it."""
        return int(time.time() * 1000 + self.offset_ms)

    async def sync_time(self) -> float:
        """Measure the server clock's offset from GET /api/v3/time; returns it in ms."""
        sent = time.time() * 1000
        body = await self.request("GET", "/api/v3/time")
        received = time.time() * 1000
        server = schemas.decode_server_time(body).serverTime
        # The server read its clock about half way through the round trip.
        self.offset_ms = server - (sent + received) / 2
        self._synced = True
        return self.offset_ms

    def set_offset(self, offset_ms: float) -> None:
        """Take a server clock offset measured elsewhere (another client of the same host)."""
        self.offset_ms = offset_ms
        self._synced = True

    async def get(
        self, path: str, params: Params | None = None, signed: bool = False, weight: int = 1
    ) -> Any:
        """GET `path`; the decoded JSON."""
        body = await self.request("GET", path, params, signed=signed, weight=weight)
        return msgspec.json.decode(body)

    async def post(
        self, path: str, params: Params, *, weight: int = 1, order: bool = False
    ) -> bytes:
        """A SIGNED POST; the raw JSON body. `order` counts it against the order limits."""
        return await self.request("POST", path, params, signed=True, weight=weight, order=order)

    async def delete(self, path: str, params: Params, *, weight: int = 1) -> bytes:
        """A SIGNED DELETE; the raw JSON body."""
        return await self.request("DELETE", path, params, signed=True, weight=weight)

    async def exchange_filters(self, symbols: list[str]) -> dict[str, schemas.SymbolInfo]:
        """exchangeInfo of `symbols`; ValueError naming any symbol the exchange lacks."""
        if not symbols:
            return {}
        wanted = [s.upper() for s in symbols]
        try:
            body = await self.request("GET", "/api/v3/exchangeInfo", {"symbols": wanted}, weight=20)
        except BinanceError as error:
            if error.code != INVALID_SYMBOL:
                raise
            # The refusal does not say which symbol is unknown: list them all to tell.
            body = await self.request("GET", "/api/v3/exchangeInfo", weight=20)
        info = schemas.decode_exchange_info(body)
        for limit in info.rateLimits:
            if limit.rateLimitType == "REQUEST_WEIGHT" and limit.interval == "MINUTE":
                self.weight_limit = limit.limit * limit.intervalNum
            if limit.rateLimitType == "ORDERS" and (limit.interval, limit.intervalNum) == (
                "SECOND",
                10,
            ):
                self.order_limit_10s = limit.limit
        found = {s.symbol: s for s in info.symbols if s.symbol in wanted}
        missing = [s for s in wanted if s not in found]
        if missing:
            raise ValueError(f"symbols not listed by the exchange: {missing}")
        return {s: found[s] for s in wanted}

    async def exchange_info(self, symbols: list[str]) -> dict[str, InstrumentSpec]:
        """The trading rules of `symbols`; ValueError naming any symbol the exchange lacks."""
        return {s: instrument_spec(i) for s, i in (await self.exchange_filters(symbols)).items()}

    async def request(
        self,
        method: str,
        path: str,
        params: Params | None = None,
        *,
        signed: bool = False,
        weight: int = 1,
        order: bool = False,
    ) -> bytes:
        """Send one request and return its body, or raise what its failure means."""
        idempotent = method == "GET"
        if signed:
            self.config.require_keys()
            if not self._synced:
                await self.sync_time()
        resynced = False
        attempt = 0
        while True:
            attempt += 1
            await self._wait_for_limits(weight, order)
            url, headers = self._prepare(path, params or {}, signed)
            try:
                async with self._session.request(
                    method, url, headers=headers, timeout=self._timeout
                ) as response:
                    status = response.status
                    body = await response.read()
                    retry_after = response.headers.get("Retry-After")
                    self._track(response.headers)
            except aiohttp.ClientConnectorError as error:
                # The connection never opened, so nothing was sent.
                if idempotent and attempt < GET_ATTEMPTS:
                    await self._backoff(attempt)
                    continue
                raise TransportError(
                    f"{method} {path}: cannot connect ({error.os_error})"
                ) from None
            except (TimeoutError, aiohttp.ClientError) as error:
                reason = type(error).__name__ if isinstance(error, TimeoutError) else str(error)
                if idempotent and attempt < GET_ATTEMPTS:
                    await self._backoff(attempt)
                    continue
                if idempotent:
                    raise TransportError(f"{method} {path}: {reason}") from None
                raise OutcomeUnknown(method, path, reason or type(error).__name__) from None
            if status < 300:
                return body
            code, msg = _error(body, status)
            if status in (418, 429):
                wait = _seconds(retry_after)
                self.rate_limited += 1
                self._blocked_until = max(self._blocked_until, time.monotonic() + wait)
                if idempotent and attempt < GET_ATTEMPTS:
                    continue  # _wait_for_limits waits out Retry-After
                raise RateLimited(status, code, msg, wait)
            if code == INVALID_TIMESTAMP and signed and not resynced:
                # A definite refusal before anything happened: resync the clock, send again.
                resynced = True
                await self.sync_time()
                continue
            if status >= 500 or code in UNKNOWN_CODES:
                if idempotent and attempt < GET_ATTEMPTS:
                    await self._backoff(attempt)
                    continue
                if not idempotent:
                    raise OutcomeUnknown(method, path, f"HTTP {status}, code {code}: {msg}", code)
            raise BinanceError(status, code, msg)

    def _prepare(self, path: str, params: Params, signed: bool) -> tuple[URL, dict[str, str]]:
        headers: dict[str, str] = {}
        items = dict(params)
        if signed:
            items.setdefault("recvWindow", self.config.recv_window)
            items["timestamp"] = self.now_ms()
            headers["X-MBX-APIKEY"] = self.config.api_key
        query = query_string(items)
        if signed:
            query += "&signature=" + sign(self.config.api_secret, query)
        url = self.config.rest_url + path + ("?" + query if query else "")
        # encoded=True: the query goes out byte for byte as it was signed.
        return URL(url, encoded=True), headers

    async def _wait_for_limits(self, weight: int, order: bool) -> None:
        delay = self._blocked_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = self.now_ms()
        if now // _MINUTE_MS != self._weight_window:
            self._weight_window, self.used_weight = now // _MINUTE_MS, 0
        if self.used_weight + weight > self.weight_limit * WEIGHT_HEADROOM:
            await asyncio.sleep((_MINUTE_MS - now % _MINUTE_MS) / 1000)
            self._weight_window, self.used_weight = self.now_ms() // _MINUTE_MS, 0
        self.used_weight += weight  # until the answer's header says better
        if order:
            await self.wait_for_order_slot()

    async def wait_for_order_slot(self) -> None:
        """Wait, if need be, until a new order fits under the 10 s order limit."""
        now = self.now_ms()
        if now // _TEN_S_MS != self._order_window:
            self._order_window, self.order_count_10s = now // _TEN_S_MS, 0
        if self.order_count_10s + 1 > self.order_limit_10s * WEIGHT_HEADROOM:
            await asyncio.sleep((_TEN_S_MS - now % _TEN_S_MS) / 1000)
            self._order_window, self.order_count_10s = self.now_ms() // _TEN_S_MS, 0
        self.order_count_10s += 1

    def _track(self, headers: Mapping[str, str]) -> None:
        now = self.now_ms()
        used = headers.get("X-MBX-USED-WEIGHT-1M")
        if used is not None and used.isdigit():
            self._weight_window, self.used_weight = now // _MINUTE_MS, int(used)
        count = headers.get("X-MBX-ORDER-COUNT-10S")
        if count is not None and count.isdigit():
            self._order_window, self.order_count_10s = now // _TEN_S_MS, int(count)

    def track_ws_limits(self, limits: list[dict[str, object]]) -> None:
        """Take in the `rateLimits` of a WebSocket API answer (weight is per IP, shared)."""
        now = self.now_ms()
        for limit in limits:
            count = limit.get("count")
            if not isinstance(count, int):
                continue
            kind, interval, num = (
                limit.get("rateLimitType"),
                limit.get("interval"),
                limit.get("intervalNum"),
            )
            if (kind, interval, num) == ("REQUEST_WEIGHT", "MINUTE", 1):
                self._weight_window, self.used_weight = now // _MINUTE_MS, count
            elif (kind, interval, num) == ("ORDERS", "SECOND", 10):
                self._order_window, self.order_count_10s = now // _TEN_S_MS, count

    def block_for(self, seconds: float) -> None:
        """Send nothing for `seconds` (a 429 or 418 seen on another connection)."""
        self.rate_limited += 1
        self._blocked_until = max(self._blocked_until, time.monotonic() + seconds)

    async def _backoff(self, attempt: int) -> None:
        await asyncio.sleep(self.config.query_retry_s * 2 ** (attempt - 1))


def instrument_spec(info: schemas.SymbolInfo) -> InstrumentSpec:
    """The InstrumentSpec of one exchangeInfo symbol."""
    price = info.filter("PRICE_FILTER")
    lot = info.filter("LOT_SIZE")
    notional = info.filter("NOTIONAL") or info.filter("MIN_NOTIONAL")
    return InstrumentSpec(
        symbol=info.symbol,
        base=info.baseAsset,
        quote=info.quoteAsset,
        tick_size=float(price.tickSize) if price else 0.0,
        lot_size=float(lot.stepSize) if lot else 0.0,
        min_qty=float(lot.minQty) if lot else 0.0,
        max_qty=float(lot.maxQty) if lot else 0.0,
        min_notional=float(notional.minNotional) if notional else 0.0,
        max_notional=float(notional.maxNotional) if notional else 0.0,
    )


def _error(body: bytes, status: int) -> tuple[int, str]:
    try:
        error = schemas.decode_error(body)
    except msgspec.DecodeError:
        # Not Binance's JSON (a proxy's page, say): keep a short, printable excerpt.
        return 0, body[:200].decode("utf-8", "replace").strip() or f"HTTP {status}"
    return error.code, error.msg


def _seconds(retry_after: str | None) -> float:
    try:
        return max(0.0, float(retry_after)) if retry_after is not None else 1.0
    except ValueError:
        return 1.0
