"""Binance error codes and messages, as the exchange answers them (errors.md of the Spot docs)."""

from __future__ import annotations


class BinanceError(Exception):
    """A request refused with a Binance error code, message and HTTP status."""

    def __init__(
        self, code: int, msg: str, status: int = 400, retry_after: int | None = None
    ) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.retry_after = retry_after  # seconds, sent as Retry-After with a 429

    def body(self) -> dict[str, object]:
        """The JSON error object Binance sends: ``{"code": ..., "msg": ...}``."""
        return {"code": self.code, "msg": self.msg}


def missing(name: str) -> BinanceError:
    """-1102: a mandatory parameter is absent or malformed."""
    return BinanceError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def bad_value(name: str) -> BinanceError:
    """-1130: a parameter holds a value it may not."""
    return BinanceError(-1130, f"Data sent for parameter '{name}' is not valid.")


def filter_failure(name: str) -> BinanceError:
    """-1013: the order breaks one of the symbol's filters."""
    return BinanceError(-1013, f"Filter failure: {name}")


def rejected(msg: str) -> BinanceError:
    """-2010: the matching engine refused a new order."""
    return BinanceError(-2010, msg)


INVALID_SYMBOL = (-1121, "Invalid symbol.")
INVALID_SIGNATURE = (-1022, "Signature for this request is not valid.")
OUTSIDE_RECV_WINDOW = (-1021, "Timestamp for this request is outside of the recvWindow.")
AHEAD_OF_SERVER = (-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
INVALID_KEY = (-2015, "Invalid API-key, IP, or permissions for action.")
KEY_FORMAT = (-2014, "API-key format invalid.")
UNKNOWN_ORDER = (-2011, "Unknown order sent.")
NO_SUCH_ORDER = (-2013, "Order does not exist.")
DUPLICATE_ORDER = "Duplicate order sent."
INSUFFICIENT_BALANCE = "Account has insufficient balance for requested action."
WOULD_TAKE = "Order would immediately match and take."
WOULD_TRIGGER = "Stop price would trigger immediately."
NO_LIQUIDITY = "Order book liquidity is less than LOT_SIZE filter minimum quantity."
UNKNOWN_ERROR = (-1000, "An unknown error occurred while processing the request.")
TIMEOUT = (
    -1007,
    "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown.",
)
TOO_MUCH_WEIGHT = (
    "Too much request weight used; current limit is {limit} request weight per 1 MINUTE. "
    "Please use WebSocket Streams for live updates to avoid polling the API."
)
