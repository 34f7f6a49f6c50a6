"""How the Binance Spot adapter connects: endpoints, keys, symbols, timing and retry policy.

Keys come from the arguments, else from BINANCE_API_KEY / BINANCE_API_SECRET, else from a TOML
file that only its owner can read. They never appear in a repr or an error message.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from alphaforge.adapters.binance.data import BinanceMarketData
    from alphaforge.adapters.binance.execution import BinanceExecution

OrderTransport = Literal["rest", "ws"]

PRODUCTION = (
    "https://api.binance.com",
    "wss://stream.binance.com:9443",
    "wss://ws-api.binance.com:443/ws-api/v3",
)
TESTNET = (
    "https://testnet.binance.vision",
    "wss://stream.testnet.binance.vision",
    "wss://ws-api.testnet.binance.vision/ws-api/v3",
)
# Demo Mode (since 2026-01-29): demo-mode/general-info.md of the Spot API docs.
DEMO = (
    "https://demo-api.binance.com",
    "wss://demo-stream.binance.com:9443",
    "wss://demo-ws-api.binance.com/ws-api/v3",
)
ENVIRONMENTS = {"production": PRODUCTION, "testnet": TESTNET, "demo": DEMO}
MAX_RECV_WINDOW_MS = 60_000  # Binance refuses a larger recvWindow
MAX_CONNECTION_S = 24 * 3600.0  # Binance closes every WebSocket connection at 24 h


class LocalExchange(Protocol):
    """What :meth:`BinanceConfig.local` reads of a local exchange (the replay exchange)."""

    @property
    def rest_url(self) -> str: ...
    @property
    def stream_url(self) -> str: ...
    @property
    def ws_api_url(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def api_secret(self) -> str: ...


@dataclass(frozen=True, slots=True, repr=False)
class BinanceConfig:
    """Everything the Binance clients need; checked on construction.

    `stream_url` is the base of the market streams ({stream_url}/stream?streams=a/b and
    {stream_url}/ws/<name>); `ws_api_url` is the WebSocket API, which carries the user data
    stream and, with ``order_transport="ws"``, the orders. Times are in seconds except
    `recv_window` (ms, as Binance takes it).
    """

    api_key: str = field(default="", repr=False)
    api_secret: str = field(default="", repr=False)
    symbols: tuple[str, ...] = ()
    rest_url: str = PRODUCTION[0]
    stream_url: str = PRODUCTION[1]
    ws_api_url: str = PRODUCTION[2]
    recv_window: int = 5000
    timeout_s: float = 10.0
    order_transport: OrderTransport = "rest"
    reconnect_initial_s: float = 0.5
    reconnect_max_s: float = 30.0
    watchdog_s: float = 30.0
    max_connection_s: float = 23.5 * 3600
    query_retries: int = 5
    query_retry_s: float = 0.2

    def __post_init__(self) -> None:
        for name, variable in (
            ("api_key", "BINANCE_API_KEY"),
            ("api_secret", "BINANCE_API_SECRET"),
        ):
            value = getattr(self, name)
            if not isinstance(value, str):
                # The value may be a secret: name its type only.
                raise ValueError(f"{name} must be a string, got a {type(value).__name__}")
            if not value:
                object.__setattr__(self, name, os.environ.get(variable, ""))
            if any(c.isspace() for c in getattr(self, name)):
                raise ValueError(f"{name} must not contain whitespace (check how it was pasted)")
        object.__setattr__(self, "symbols", _symbols(self.symbols))
        for name, schemes in (
            ("rest_url", ("http://", "https://")),
            ("stream_url", ("ws://", "wss://")),
            ("ws_api_url", ("ws://", "wss://")),
        ):
            url = getattr(self, name)
            if not isinstance(url, str) or not url.startswith(schemes) or "?" in url:
                raise ValueError(
                    f"{name} must be a URL starting with {' or '.join(schemes)}, got {url!r}"
                )
            object.__setattr__(self, name, url.rstrip("/"))
        if (
            isinstance(self.recv_window, bool)
            or not isinstance(self.recv_window, int)
            or not 0 < self.recv_window <= MAX_RECV_WINDOW_MS
        ):
            raise ValueError(
                f"recv_window must be an int of ms in [1, {MAX_RECV_WINDOW_MS}], "
                f"got {self.recv_window!r}"
            )
        if self.order_transport not in ("rest", "ws"):
            raise ValueError(
                f"order_transport must be 'rest' or 'ws', got {self.order_transport!r}"
            )
        for name in ("timeout_s", "reconnect_initial_s", "reconnect_max_s", "watchdog_s"):
            _positive(name, getattr(self, name))
        _positive("max_connection_s", self.max_connection_s)
        if self.max_connection_s > MAX_CONNECTION_S:
            raise ValueError(
                f"max_connection_s must be at most {MAX_CONNECTION_S:g} (Binance closes "
                f"connections at 24 h), got {self.max_connection_s!r}"
            )
        if self.reconnect_max_s < self.reconnect_initial_s:
            raise ValueError(
                f"reconnect_max_s ({self.reconnect_max_s!r}) must not be below "
                f"reconnect_initial_s ({self.reconnect_initial_s!r})"
            )
        if (
            isinstance(self.query_retries, bool)
            or not isinstance(self.query_retries, int)
            or self.query_retries < 1
        ):
            raise ValueError(f"query_retries must be an int >= 1, got {self.query_retries!r}")
        if not _number(self.query_retry_s) or self.query_retry_s < 0:
            raise ValueError(f"query_retry_s must be a number >= 0, got {self.query_retry_s!r}")

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={repr(getattr(self, f.name)) if f.repr else _masked(getattr(self, f.name))}"
            for f in fields(self)
        )
        return f"BinanceConfig({shown})"

    @property
    def has_keys(self) -> bool:
        """Whether both the API key and its secret are set."""
        return bool(self.api_key and self.api_secret)

    def require_keys(self) -> None:
        """ValueError unless both keys are set (trading and the user stream need them)."""
        for name, variable in (
            ("api_key", "BINANCE_API_KEY"),
            ("api_secret", "BINANCE_API_SECRET"),
        ):
            if not getattr(self, name):
                raise ValueError(f"{name} is not set: pass it, or set {variable}")

    # Presets.

    @classmethod
    def production(cls, **overrides: Any) -> BinanceConfig:
        """The live exchange (real money)."""
        return cls._at(PRODUCTION, overrides)

    @classmethod
    def testnet(cls, **overrides: Any) -> BinanceConfig:
        """The Spot Testnet (testnet.binance.vision): same protocol, test funds, own keys."""
        return cls._at(TESTNET, overrides)

    @classmethod
    def demo(cls, **overrides: Any) -> BinanceConfig:
        """Demo Mode (demo-api.binance.com): production market data, simulated trading."""
        return cls._at(DEMO, overrides)

    @classmethod
    def replay(
        cls, rest_url: str, stream_url: str, ws_api_url: str, **overrides: Any
    ) -> BinanceConfig:
        """A local replay exchange by its URLs; keys default to the ones it accepts by default."""
        from alphaforge.replay.config import DEFAULT_API_KEY, DEFAULT_API_SECRET

        overrides.setdefault("api_key", DEFAULT_API_KEY)
        overrides.setdefault("api_secret", DEFAULT_API_SECRET)
        return cls._at((rest_url, stream_url, ws_api_url), overrides)

    @classmethod
    def local(cls, exchange: LocalExchange, **overrides: Any) -> BinanceConfig:
        """A running local exchange: its URLs and its first key pair."""
        overrides.setdefault("api_key", exchange.api_key)
        overrides.setdefault("api_secret", exchange.api_secret)
        return cls._at((exchange.rest_url, exchange.stream_url, exchange.ws_api_url), overrides)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **overrides: Any) -> BinanceConfig:
        """The [binance] table of a TOML file, then `overrides`.

        ``environment = "testnet"`` (or production, demo) picks the URLs. A file holding a
        secret is refused unless only its owner can read it.
        """
        import tomllib  # Python 3.11's TOML reader

        file = Path(path)
        with file.open("rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            try:
                document = tomllib.load(handle)
            except tomllib.TOMLDecodeError as error:
                raise ValueError(f"{file}: not valid TOML ({error})") from None
        table = document.get("binance")
        if not isinstance(table, dict):
            raise ValueError(f"{file}: has no [binance] table")
        if (table.get("api_secret") or table.get("api_key")) and mode & (
            stat.S_IRWXG | stat.S_IRWXO
        ):
            raise PermissionError(
                f"{file} holds an API key or secret but its mode is {stat.S_IMODE(mode):04o}: "
                f"group or others can read it; run chmod 600 {file}"
            )
        known = {f.name for f in fields(cls)} | {"environment"}
        for name in table:
            if name not in known:
                raise ValueError(f"{file}: unknown setting {name!r} in [binance]")
        settings = {**table, **overrides}
        environment = settings.pop("environment", "production")
        if environment not in ENVIRONMENTS:
            raise ValueError(
                f"{file}: environment must be one of {sorted(ENVIRONMENTS)}, got {environment!r}"
            )
        return cls._at(ENVIRONMENTS[environment], settings)

    @classmethod
    def _at(cls, urls: tuple[str, str, str], overrides: dict[str, Any]) -> BinanceConfig:
        rest, stream, ws_api = urls
        overrides.setdefault("rest_url", rest)
        overrides.setdefault("stream_url", stream)
        overrides.setdefault("ws_api_url", ws_api)
        if isinstance(overrides.get("symbols"), list):
            overrides["symbols"] = tuple(overrides["symbols"])
        return cls(**overrides)

    def clients(self) -> tuple[BinanceMarketData, BinanceExecution]:
        """The market-data and execution clients of this configuration."""
        from alphaforge.adapters.binance.data import BinanceMarketData
        from alphaforge.adapters.binance.execution import BinanceExecution

        return BinanceMarketData(self), BinanceExecution(self)


def _symbols(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(
            f"symbols must be a list or tuple of names like ['BTCUSDT'], got {value!r}"
        )
    out: list[str] = []
    for symbol in value:
        if not isinstance(symbol, str) or not symbol.isascii() or not symbol.isalnum():
            raise ValueError(f"symbols: {symbol!r} is not a symbol name like 'BTCUSDT'")
        if symbol.upper() not in out:
            out.append(symbol.upper())
    return tuple(out)


def _number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _positive(name: str, value: object) -> None:
    if not _number(value) or value <= 0:  # type: ignore[operator]
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")


def _masked(value: str) -> str:
    return "<set>" if value else "<unset>"
