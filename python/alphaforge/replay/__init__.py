"""A local exchange speaking the Binance Spot protocol, replaying recorded market data.

``ReplayExchange(ReplayConfig(...))`` serves REST at /api/v3, market streams at /ws and
/stream, and the WebSocket API at /ws-api/v3 on 127.0.0.1, replays trades and quotes (the
bundled BTCUSDT sample by default) and matches orders in the C++ order book. See
docs/replay.md.
"""

from alphaforge.replay.config import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    FaultConfig,
    RateLimits,
    ReplayConfig,
)
from alphaforge.replay.server import ReplayExchange
from alphaforge.replay.signing import hmac_hex

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
    "FaultConfig",
    "RateLimits",
    "ReplayConfig",
    "ReplayExchange",
    "hmac_hex",
]
