"""What a replay exchange is started with: data, symbol rules, keys, balances, pace and faults."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

# The documented example key pair of the Binance Spot API docs (rest-api.md, "HMAC Keys"); it is
# public, so a local exchange can accept it by default and doc examples can sign with it.
DEFAULT_API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
DEFAULT_API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DEFAULT_BALANCES = {"USDT": "100000", "BTC": "1"}
# Quote assets recognised when a symbol is split into base and quote, longest first.
QUOTE_ASSETS = ("FDUSD", "USDT", "USDC", "TUSD", "BUSD", "BTC", "ETH", "BNB", "EUR", "TRY")


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """Faults injected on demand; every count is 0 for off and positive to fire every N-th time."""

    drop_every: int = 0
    gap_every: int = 0
    http429_every: int = 0
    http5xx_order_every: int = 0
    malformed_every: int = 0
    latency_ms: float = 0.0
    shutdown_after: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "drop_every",
            "gap_every",
            "http429_every",
            "http5xx_order_every",
            "malformed_every",
        ):
            _non_negative_int(name, getattr(self, name))
        _non_negative_float("latency_ms", self.latency_ms)
        _non_negative_float("shutdown_after", self.shutdown_after)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The limits the exchange enforces (Binance's published defaults)."""

    weight_per_minute: int = 6000
    orders_per_10s: int = 50
    orders_per_day: int = 160_000

    def __post_init__(self) -> None:
        for name in ("weight_per_minute", "orders_per_10s", "orders_per_day"):
            _positive_int(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    """Everything ``ReplayExchange`` needs; every field is checked on construction.

    `data` is None for the bundled BTCUSDT sample, a trades file (CSV or Parquet, with a quotes
    file beside it given as `quotes`), or a DataCatalog directory. `loops` None replays forever.
    `speed` 0 replays as fast as clients read. `ping_interval` is in seconds.
    """

    data: Path | None = None
    quotes: Path | None = None
    symbol: str = "BTCUSDT"
    host: str = "127.0.0.1"
    port: int = 9100
    api_keys: dict[str, str] = field(default_factory=lambda: {DEFAULT_API_KEY: DEFAULT_API_SECRET})
    balances: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_BALANCES))
    speed: float = 1.0
    seed: int = 0
    loops: int | None = None
    start_on_subscribe: bool = False
    rebase_times: bool = False
    tick_size: str = "0.01"
    step_size: str = "0.000001"
    min_notional: str = "5"
    max_qty: str = "9000"
    maker_fee: str = "0.001"
    taker_fee: str = "0.001"
    depth_levels: int = 20
    ping_interval: float = 20.0
    pong_timeout: float = 60.0
    faults: FaultConfig = field(default_factory=FaultConfig)
    limits: RateLimits = field(default_factory=RateLimits)

    def __post_init__(self) -> None:
        if self.data is not None and not Path(self.data).exists():
            raise ValueError(f"data: {os.fspath(self.data)!r} does not exist")
        if self.quotes is not None and not Path(self.quotes).exists():
            raise ValueError(f"quotes: {os.fspath(self.quotes)!r} does not exist")
        if not isinstance(self.symbol, str) or not self.symbol.isalnum() or not self.symbol:
            raise ValueError(
                f"symbol must be letters and digits like 'BTCUSDT', got {self.symbol!r}"
            )
        if self.symbol != self.symbol.upper():
            raise ValueError(f"symbol must be upper case like 'BTCUSDT', got {self.symbol!r}")
        split_symbol(self.symbol)
        if (
            isinstance(self.port, bool)
            or not isinstance(self.port, int)
            or not 0 <= self.port < 65536
        ):
            raise ValueError(f"port must be an int in [0, 65535], got {self.port!r}")
        if not self.api_keys:
            raise ValueError("api_keys must hold at least one key: secret pair")
        for key, secret in self.api_keys.items():
            if not key or not secret or not isinstance(key, str) or not isinstance(secret, str):
                raise ValueError("api_keys: every key and secret must be a non-empty string")
        for asset, amount in self.balances.items():
            if not asset.isalnum() or asset != asset.upper():
                raise ValueError(f"balances: asset {asset!r} must be upper-case letters and digits")
            if decimal_field(f"balances[{asset}]", amount) < 0:
                raise ValueError(f"balances[{asset}] = {amount!r}: must not be negative")
        _non_negative_float("speed", self.speed)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an int, got {self.seed!r}")
        if self.loops is not None:
            _positive_int("loops", self.loops)
        for name in ("tick_size", "step_size"):
            if decimal_field(name, getattr(self, name)) <= 0:
                raise ValueError(f"{name} = {getattr(self, name)!r}: must be positive")
        for name in ("min_notional", "max_qty", "maker_fee", "taker_fee"):
            if decimal_field(name, getattr(self, name)) < 0:
                raise ValueError(f"{name} = {getattr(self, name)!r}: must not be negative")
        _positive_int("depth_levels", self.depth_levels)
        if not self.ping_interval > 0 or not math.isfinite(self.ping_interval):
            raise ValueError(f"ping_interval must be a positive number, got {self.ping_interval!r}")
        if not self.pong_timeout > 0 or not math.isfinite(self.pong_timeout):
            raise ValueError(f"pong_timeout must be a positive number, got {self.pong_timeout!r}")

    @property
    def base_asset(self) -> str:
        """The asset bought and sold, e.g. BTC."""
        return split_symbol(self.symbol)[0]

    @property
    def quote_asset(self) -> str:
        """The asset prices are quoted in, e.g. USDT."""
        return split_symbol(self.symbol)[1]


def split_symbol(symbol: str) -> tuple[str, str]:
    """(base, quote) of a symbol such as BTCUSDT, by its known quote-asset suffix."""
    for quote in QUOTE_ASSETS:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    raise ValueError(f"symbol {symbol!r} does not end in a known quote asset {list(QUOTE_ASSETS)}")


def parse_balances(text: str) -> dict[str, str]:
    """``USDT=100000,BTC=1`` as a mapping of asset to amount, checked."""
    balances: dict[str, str] = {}
    for item in text.split(","):
        asset, sep, amount = item.strip().partition("=")
        if not sep or not asset or not amount:
            raise ValueError(f"balance {item!r}: expected ASSET=AMOUNT, e.g. USDT=100000")
        decimal_field(f"balance {asset}", amount)
        balances[asset.strip().upper()] = amount.strip()
    return balances


def decimal_field(name: str, value: object) -> Decimal:
    """`value` as a finite Decimal, or ValueError naming `name`."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} = {value!r}: not a number") from None
    if not number.is_finite():
        raise ValueError(f"{name} = {value!r}: must be finite")
    return number


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def _non_negative_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")


def _non_negative_float(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
