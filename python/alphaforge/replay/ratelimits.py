"""Request weight per IP and order counts per API key, in Binance's fixed windows."""

from __future__ import annotations

from collections import defaultdict

from alphaforge.replay import errors
from alphaforge.replay.config import RateLimits
from alphaforge.replay.errors import BinanceError

MINUTE_MS = 60_000
TEN_SECONDS_MS = 10_000
DAY_MS = 86_400_000


class Windows:
    """Counts per name in windows that start on multiples of `width_ms` (as Binance resets)."""

    def __init__(self, width_ms: int) -> None:
        self.width_ms = width_ms
        self._counts: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))

    def count(self, name: str, now_ms: int) -> int:
        """The count of `name` in the window holding `now_ms`."""
        window, count = self._counts[name]
        return count if window == now_ms // self.width_ms else 0

    def add(self, name: str, amount: int, now_ms: int) -> int:
        """Add `amount` to `name`'s count; returns the new count."""
        count = self.count(name, now_ms) + amount
        self._counts[name] = (now_ms // self.width_ms, count)
        return count

    def retry_after(self, now_ms: int) -> int:
        """Whole seconds until the current window ends."""
        return max(1, -(-(self.width_ms - now_ms % self.width_ms) // 1000))


class RateLimiter:
    """REQUEST_WEIGHT per IP per minute; ORDERS per key per 10 s and per day."""

    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self.weight = Windows(MINUTE_MS)
        self.orders_10s = Windows(TEN_SECONDS_MS)
        self.orders_day = Windows(DAY_MS)

    def check_weight(self, ip: str, now_ms: int) -> None:
        """Refuse with 429 (-1003) once the IP has used up its minute's weight."""
        if self.weight.count(ip, now_ms) >= self.limits.weight_per_minute:
            raise BinanceError(
                -1003,
                errors.TOO_MUCH_WEIGHT.format(limit=self.limits.weight_per_minute),
                429,
                self.weight.retry_after(now_ms),
            )

    def check_orders(self, key: str, now_ms: int) -> None:
        """Refuse with 429 (-1015) once the key has placed its allowed orders."""
        if self.orders_10s.count(key, now_ms) >= self.limits.orders_per_10s:
            raise BinanceError(
                -1015,
                f"Too many new orders; current limit is {self.limits.orders_per_10s} orders "
                "per 10 SECOND.",
                429,
                self.orders_10s.retry_after(now_ms),
            )
        if self.orders_day.count(key, now_ms) >= self.limits.orders_per_day:
            raise BinanceError(
                -1015,
                f"Too many new orders; current limit is {self.limits.orders_per_day} orders "
                "per 1 DAY.",
                429,
                self.orders_day.retry_after(now_ms),
            )

    def add_order(self, key: str, now_ms: int) -> None:
        """Count one new order of `key`."""
        self.orders_10s.add(key, 1, now_ms)
        self.orders_day.add(key, 1, now_ms)

    def order_counts(self, key: str, now_ms: int) -> tuple[int, int]:
        """(orders in the current 10 s, orders today) of `key`."""
        return self.orders_10s.count(key, now_ms), self.orders_day.count(key, now_ms)

    def rate_limits(self, ip: str, key: str | None, now_ms: int) -> list[dict[str, object]]:
        """The ``rateLimits`` array of a WebSocket API response."""
        out: list[dict[str, object]] = [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": self.limits.weight_per_minute,
                "count": self.weight.count(ip, now_ms),
            }
        ]
        if key is not None:
            ten, day = self.order_counts(key, now_ms)
            out += [
                {
                    "rateLimitType": "ORDERS",
                    "interval": "SECOND",
                    "intervalNum": 10,
                    "limit": self.limits.orders_per_10s,
                    "count": ten,
                },
                {
                    "rateLimitType": "ORDERS",
                    "interval": "DAY",
                    "intervalNum": 1,
                    "limit": self.limits.orders_per_day,
                    "count": day,
                },
            ]
        return out

    def exchange_limits(self) -> list[dict[str, object]]:
        """The ``rateLimits`` of exchangeInfo."""
        return [
            {
                "rateLimitType": "REQUEST_WEIGHT",
                "interval": "MINUTE",
                "intervalNum": 1,
                "limit": self.limits.weight_per_minute,
            },
            {
                "rateLimitType": "ORDERS",
                "interval": "SECOND",
                "intervalNum": 10,
                "limit": self.limits.orders_per_10s,
            },
            {
                "rateLimitType": "ORDERS",
                "interval": "DAY",
                "intervalNum": 1,
                "limit": self.limits.orders_per_day,
            },
            {
                "rateLimitType": "RAW_REQUESTS",
                "interval": "MINUTE",
                "intervalNum": 5,
                "limit": 300_000,
            },
        ]
