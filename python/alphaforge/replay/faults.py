"""The faults answered on demand by count: every N-th request or order (see FaultConfig)."""

from __future__ import annotations

import asyncio

from alphaforge.replay.config import FaultConfig


class Faults:
    """Counters deciding which request gets a 429 and which order gets a 5xx answer."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self.requests = 0
        self.orders = 0

    def take_429(self) -> bool:
        """Count a REST request; True when this one is to be refused with 429."""
        self.requests += 1
        every = self.config.http429_every
        return bool(every) and self.requests % every == 0

    def take_5xx(self) -> bool:
        """Count a new order; True when it is to be executed and then answered with a 5xx."""
        self.orders += 1
        every = self.config.http5xx_order_every
        return bool(every) and self.orders % every == 0

    async def delay(self) -> None:
        """Wait the configured latency before a request is handled."""
        if self.config.latency_ms:
            await asyncio.sleep(self.config.latency_ms / 1000.0)
