"""Request signing as Binance checks it: HMAC-SHA256 in hex over the documented payloads."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlencode


def hmac_hex(secret: str, payload: str) -> str:
    """HMAC-SHA256 of `payload` keyed with `secret`, as lower-case hex."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def rest_payload(raw_query: str, raw_body: str) -> tuple[str, str | None]:
    """(signed payload, signature) of a REST request: query then body as sent, signature removed.

    The payload keeps the client's order and percent-encoding; only the ``signature=...``
    parameter is taken out (from wherever it is), as Binance excludes it from what it signs.
    """
    signature: str | None = None
    parts = []
    for raw in (raw_query, raw_body):
        kept = []
        for item in raw.split("&") if raw else []:
            if item.startswith("signature="):
                signature = item[len("signature=") :]
            else:
                kept.append(item)
        parts.append("&".join(kept))
    return parts[0] + parts[1], signature


def ws_payloads(params: Mapping[str, object]) -> tuple[str, str]:
    """The WebSocket API payloads of `params`: names sorted, ``k=v`` joined with ``&``.

    The first is the documented form (values as they are, UTF-8); the second percent-encodes
    the values as the official SDK does. They differ only for values with reserved characters.
    """
    items = sorted((k, _text(v)) for k, v in params.items() if k != "signature")
    return "&".join(f"{k}={v}" for k, v in items), urlencode(items)


def verify(secret: str, payloads: tuple[str, ...] | str, signature: str) -> bool:
    """Whether `signature` (hex, any case) is the HMAC of one of `payloads`."""
    candidates = (payloads,) if isinstance(payloads, str) else payloads
    given = signature.lower()
    return any(hmac.compare_digest(hmac_hex(secret, p), given) for p in candidates)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
