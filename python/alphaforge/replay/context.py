"""What the REST, stream and WebSocket API handlers of one replay exchange share."""

from __future__ import annotations

from dataclasses import dataclass, field

from alphaforge.replay.auth import Authenticator
from alphaforge.replay.config import ReplayConfig
from alphaforge.replay.connection import Connection
from alphaforge.replay.exchange import Exchange
from alphaforge.replay.faults import Faults
from alphaforge.replay.feed import Feed
from alphaforge.replay.frames import StreamBook
from alphaforge.replay.ratelimits import RateLimiter


@dataclass(slots=True)
class Context:
    """The exchange's state and services, one per server."""

    config: ReplayConfig
    streams: StreamBook
    feed: Feed
    exchange: Exchange
    auth: Authenticator
    limiter: RateLimiter
    faults: Faults
    connections: set[Connection] = field(default_factory=set)
