"""A server-side WebSocket connection that writes pre-encoded frames straight to its transport.

Frames from server to client are not masked, so one encoded frame serves every client; a batch
of them goes out in one transport write followed by the writer's drain, which is how a replay
at full speed feeds a client hundreds of thousands of messages a second. The drop and
malformed-frame faults are applied here, counted per connection.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

import msgspec
from aiohttp import WSMsgType, web

from alphaforge.replay.config import FaultConfig

_encode = msgspec.json.Encoder().encode
# Not JSON: a truncated object, as a broken proxy or a cut frame would deliver it.
MALFORMED = b'{"e":"trade","E":'


def ws_frame(payload: bytes) -> bytes:
    """`payload` as one unmasked WebSocket text frame."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


class Connection:
    """One client's WebSocket: queued frames, the fault counters and the heartbeat state."""

    def __init__(
        self, request: web.Request, ws: web.WebSocketResponse, faults: FaultConfig
    ) -> None:
        assert request.transport is not None
        self.ws = ws
        self.transport = request.transport
        self.writer = request.writer
        self.faults = faults
        self.pending: list[bytes] = []
        self.sent = 0
        self.dropping = False
        self.last_pong = asyncio.get_running_loop().time()
        self.plain = not (faults.drop_every or faults.malformed_every)
        # What to send before closing when the server shuts down: raw or combined envelope.
        self.shutdown_message: Callable[[int], object] = lambda now: {
            "e": "serverShutdown",
            "E": now,
        }
        self._flusher: asyncio.Task[None] | None = None

    @property
    def closed(self) -> bool:
        """Whether nothing more can be sent."""
        return self.dropping or self.ws.closed or self.transport.is_closing()

    def push(self, frame: bytes) -> None:
        """Queue one encoded frame, applying the drop and malformed faults."""
        if self.closed:
            return
        self.sent += 1
        every = self.faults.malformed_every
        if every and self.sent % every == 0:
            self.pending.append(ws_frame(MALFORMED))
        self.pending.append(frame)
        every = self.faults.drop_every
        if every and self.sent % every == 0:
            self.dropping = True

    def push_many(self, frames: list[bytes]) -> None:
        """Queue encoded frames in order."""
        if self.plain:
            if not self.closed:
                self.sent += len(frames)
                self.pending.extend(frames)
            return
        for frame in frames:
            self.push(frame)

    def push_json(self, message: Any) -> None:
        """Queue `message` encoded as JSON."""
        self.push(ws_frame(_encode(message)))

    async def flush(self) -> None:
        """Write what is queued and wait while the client's socket is full."""
        while self.pending and not self.transport.is_closing():
            data = b"".join(self.pending)
            self.pending.clear()
            self.transport.write(data)
            try:
                await self.writer.drain()
            except ConnectionError:
                self.transport.abort()
        self.pending.clear()
        if self.dropping and not self.transport.is_closing():
            # A drop is abrupt, as a network failure is: no close frame, the socket just ends.
            self.transport.abort()

    def flush_soon(self) -> None:
        """Flush from a task of its own (for senders that cannot wait, such as user events)."""
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self.flush())

    async def shutdown(self, now: int) -> None:
        """Send serverShutdown, then close the connection."""
        self.push_json(self.shutdown_message(now))
        await self.flush()
        await self.ws.close()

    async def heartbeat(self, interval: float, timeout: float) -> None:
        """Ping every `interval` s; close when no pong came within `timeout` s."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            if self.closed:
                return
            if loop.time() - self.last_pong > timeout:
                await self.ws.close()
                return
            await self.ws.ping(str(int(loop.time() * 1000)).encode())

    async def answer_control(self, message: Any) -> bool:
        """Handle a ping or pong from the client; True when `message` was one."""
        if message.type == WSMsgType.PING:
            await self.ws.pong(message.data)
            return True
        if message.type == WSMsgType.PONG:
            self.last_pong = asyncio.get_running_loop().time()
            return True
        return False
