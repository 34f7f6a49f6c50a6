"""Who is asking, and whether they signed it: API keys, HMAC signatures and the recvWindow."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from alphaforge.replay import errors, signing
from alphaforge.replay.errors import BinanceError
from alphaforge.replay.params import Params

MAX_RECV_WINDOW = Decimal(60_000)
DEFAULT_RECV_WINDOW = Decimal(5_000)


class Authenticator:
    """The API keys the exchange knows, and the checks a SIGNED request must pass."""

    def __init__(self, keys: dict[str, str]) -> None:
        self._keys = dict(keys)

    def __repr__(self) -> str:
        return f"Authenticator({len(self._keys)} keys)"

    def key(self, api_key: str | None) -> str:
        """`api_key` when it is known; -2014 when absent, -2015 (HTTP 401) when unknown."""
        if not api_key:
            raise BinanceError(*errors.KEY_FORMAT, status=401)
        if api_key not in self._keys:
            raise BinanceError(*errors.INVALID_KEY, status=401)
        return api_key

    def rest(self, api_key: str | None, query: str, body: str, params: Params, now_ms: int) -> str:
        """Check a SIGNED REST request: key, signature over query + body, then its timing."""
        key = self.key(api_key)
        payload, signature = signing.rest_payload(query, body)
        self._check(key, (payload,), signature, params, now_ms)
        return key

    def ws(self, params: Params, now_ms: int) -> str:
        """Check a SIGNED WebSocket API request (apiKey among its sorted, signed params)."""
        key = self.key(params.get("apiKey"))
        self._check(
            key, signing.ws_payloads(params.values), params.get("signature"), params, now_ms
        )
        return key

    def _check(
        self,
        key: str,
        payloads: tuple[str, ...],
        signature: str | None,
        params: Params,
        now_ms: int,
    ) -> None:
        timestamp = params.integer("timestamp")
        if timestamp is None:
            raise errors.missing("timestamp")
        if signature is None:
            raise errors.missing("signature")
        window = self._recv_window(params)
        if not signing.verify(self._keys[key], payloads, signature):
            raise BinanceError(*errors.INVALID_SIGNATURE)
        # Microsecond timestamps have 16 digits; compare in ms either way.
        stamp = Decimal(timestamp) / 1000 if timestamp >= 10**15 else Decimal(timestamp)
        if stamp >= now_ms + 1000:
            raise BinanceError(*errors.AHEAD_OF_SERVER)
        if now_ms - stamp > window:
            raise BinanceError(*errors.OUTSIDE_RECV_WINDOW)

    def _recv_window(self, params: Params) -> Decimal:
        text = params.get("recvWindow")
        if text is None:
            return DEFAULT_RECV_WINDOW
        try:
            window = Decimal(text)
        except InvalidOperation:
            raise errors.missing("recvWindow") from None
        if not window.is_finite() or window <= 0 or window > MAX_RECV_WINDOW:
            raise BinanceError(-1131, "recvWindow must be less than 60000")
        return window
