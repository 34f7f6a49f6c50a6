"""Clients and fixtures shared by the replay exchange tests: real aiohttp over loopback."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp

from alphaforge.replay import ReplayConfig, ReplayExchange
from alphaforge.replay.depth import Book
from alphaforge.replay.exchange import Exchange

SYMBOL = "BTCUSDT"


def run(test: Callable[[], Awaitable[None]]) -> Callable[[], None]:
    """A synchronous test function that runs the coroutine function `test` on a fresh loop."""

    def wrapper() -> None:
        asyncio.run(asyncio.wait_for(test(), 30))

    wrapper.__name__ = test.__name__
    return wrapper


def config(**fields: Any) -> ReplayConfig:
    """A test configuration: a free port, and whatever the test sets."""
    return ReplayConfig(port=0, **fields)


@contextlib.asynccontextmanager
async def serving(**fields: Any) -> AsyncIterator[tuple[ReplayExchange, aiohttp.ClientSession]]:
    """A running replay exchange with `fields` set, and a client session."""
    async with ReplayExchange(config(**fields)) as exchange, aiohttp.ClientSession() as session:
        yield exchange, session


def sign(secret: str, payload: str) -> str:
    """HMAC-SHA256 hex, computed here with the standard library as a client would."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class Rest:
    """A signing REST client over one aiohttp session."""

    def __init__(self, session: aiohttp.ClientSession, exchange: ReplayExchange) -> None:
        self.session = session
        self.base = exchange.rest_url
        self.key = exchange.api_key
        self.secret = exchange.api_secret

    async def public(self, method: str, path: str, **params: Any) -> tuple[int, Any, Any]:
        """An unsigned request; (status, JSON, headers)."""
        async with self.session.request(method, self.base + path, params=params) as response:
            return response.status, await response.json(), response.headers

    async def signed(
        self, method: str, path: str, *, in_body: bool = False, **params: Any
    ) -> tuple[int, Any, Any]:
        """A SIGNED request, with the parameters in the query string or the body."""
        params.setdefault("timestamp", int(time.time() * 1000))
        payload = urlencode(params)
        query = payload + "&signature=" + sign(self.secret, payload)
        headers = {"X-MBX-APIKEY": self.key}
        if in_body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            url, data = self.base + path, query
        else:
            url, data = f"{self.base}{path}?{query}", None
        async with self.session.request(method, url, data=data, headers=headers) as response:
            return response.status, await response.json(), response.headers

    async def ok(self, method: str, path: str, **params: Any) -> Any:
        """A SIGNED request that must succeed; its JSON."""
        status, body, _ = await self.signed(method, path, **params)
        assert status == 200, body
        return body


class WsApi:
    """A WebSocket API client that signs as the docs describe and collects user events."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, key: str, secret: str) -> None:
        self.ws = ws
        self.key = key
        self.secret = secret
        self.events: list[dict[str, Any]] = []
        self.raw: list[str] = []
        self._ids = itertools.count(1)

    async def call(self, method: str, signed: bool = False, **params: Any) -> dict[str, Any]:
        """Send one request and read frames until its response; events are kept aside."""
        if signed:
            params["apiKey"] = self.key
            params.setdefault("timestamp", int(time.time() * 1000))
            payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
            params["signature"] = sign(self.secret, payload)
        ident = next(self._ids)
        await self.ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(await self.ws.receive_str())
            if "subscriptionId" in message:
                self.events.append(message)
            elif message.get("id") == ident:
                return message

    async def events_until(self, done: Callable[[list[dict[str, Any]]], bool]) -> None:
        """Read user events until `done(events)` holds."""
        while not done(self.events):
            message = json.loads(await self.ws.receive_str())
            assert "subscriptionId" in message, message
            self.events.append(message)


class StaticMarket:
    """A market that stays where a test puts it: one derived book and a last price."""

    def __init__(self, bids: dict[int, int], asks: dict[int, int], last: int | None) -> None:
        self.current: Book = (bids, asks)
        self.last = last

    def book(self) -> Book:
        """The book the test set."""
        return self.current

    def last_price(self) -> int | None:
        """The last price the test set, in ticks."""
        return self.last


def exchange_on(market: StaticMarket, **fields: Any) -> Exchange:
    """An Exchange (no server) over `market`, with tick 0.01 and step 0.000001."""
    return Exchange(ReplayConfig(**fields), market)


def dec(text: str) -> Decimal:
    """Shorthand for Decimal."""
    return Decimal(text)
