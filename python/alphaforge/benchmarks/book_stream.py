"""A seeded synthetic L2 stream in the canonical depth frame's columns, for the book benchmark.

One snapshot of `levels` price levels a side around a mid, then diff messages: most change
the sizes of one to three levels near the top; one in four moves the mid a tick, so the best
level of one side leaves, a new best appears on the other, and the far edges follow (a new
level at one end, the last one gone at the other). Every level stays on a tick grid and the
book never crosses, so every replay of it must end on the same book.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TICK = 0.01
LOT = 0.001
T0 = 1_700_000_000_000_000_000  # ns
MOVE_SHARE = 0.25  # messages that move the mid a tick
NEAR_TOP = 5  # quiet messages change sizes this many ticks from the mid at most
SLOTS = 4  # rows a message may hold: a mid move writes four


@dataclass(frozen=True)
class BookStream:
    """Column arrays of the stream, one row per level change."""

    ts: npt.NDArray[np.int64]
    is_bid: npt.NDArray[np.bool_]
    price: npt.NDArray[np.float64]
    size: npt.NDArray[np.float64]
    update_id: npt.NDArray[np.int64]
    prev_update_id: npt.NDArray[np.int64]
    snapshot: npt.NDArray[np.bool_]

    @property
    def rows(self) -> int:
        return len(self.ts)

    @property
    def messages(self) -> int:
        return int(self.update_id[-1] - self.update_id[0]) + 1


def book_stream(rows: int, levels: int = 50, seed: int = 11) -> BookStream:
    """About `rows` rows: a snapshot of `levels` a side, then diffs until `rows` is reached."""
    if rows < 2 * levels + 1:
        raise ValueError(f"rows={rows} must exceed the snapshot's {2 * levels} rows")
    if levels <= NEAR_TOP:
        raise ValueError(f"levels={levels} must exceed {NEAR_TOP}")
    rng = np.random.default_rng(seed)
    diffs = max((rows - 2 * levels) * 10 // 25, 1)  # about 2.5 rows a message
    steps = np.where(rng.random(diffs) < MOVE_SHARE, rng.choice([-1, 1], diffs), 0)
    mid0 = 1_000_000  # in ticks: 10,000.00
    mid_after = mid0 + np.cumsum(steps)
    mid_before = mid_after - steps
    up, down, quiet = steps > 0, steps < 0, steps == 0

    ticks = np.zeros((diffs, SLOTS), np.int64)
    bid = np.zeros((diffs, SLOTS), np.bool_)
    sizes = rng.integers(1, 5000, (diffs, SLOTS)) * LOT
    used = np.zeros((diffs, SLOTS), np.bool_)
    # Bids sit at mid-1 .. mid-levels, asks at mid+1 .. mid+levels.
    m = mid_before[:, None]
    up_rows = np.stack([m[:, 0], m[:, 0] + 1, m[:, 0] + 1 + levels, m[:, 0] - levels], axis=1)
    up_bid = np.array([True, False, False, True])
    up_zero = np.array([False, True, False, True])  # the old best ask and the far bid leave
    down_rows = np.stack([m[:, 0], m[:, 0] - 1, m[:, 0] - 1 - levels, m[:, 0] + levels], axis=1)
    ticks[up], bid[up], used[up] = up_rows[up], up_bid, True
    ticks[down], bid[down], used[down] = down_rows[down], ~up_bid, True
    sizes[up] = np.where(up_zero, 0.0, sizes[up])
    sizes[down] = np.where(up_zero, 0.0, sizes[down])
    # Quiet messages: one to three size changes within NEAR_TOP ticks of the mid.
    count = rng.integers(1, 4, diffs)
    quiet_used = np.arange(SLOTS)[None, :] < count[:, None]
    quiet_bid = rng.random((diffs, SLOTS)) < 0.5
    offset = rng.integers(1, NEAR_TOP + 1, (diffs, SLOTS))
    quiet_ticks = np.where(quiet_bid, m - offset, m + offset)
    ticks[quiet], bid[quiet], used[quiet] = quiet_ticks[quiet], quiet_bid[quiet], quiet_used[quiet]

    gaps = rng.exponential(1_000_000.0, diffs).astype(np.int64) + 1  # about 1 ms apart
    msg_ts = T0 + np.cumsum(gaps)
    msg_id = np.arange(2, diffs + 2, dtype=np.int64)
    keep = used.ravel()
    n_rows = int(keep.sum())

    snap_ticks = np.concatenate([mid0 - np.arange(1, levels + 1), mid0 + np.arange(1, levels + 1)])
    snap_bid = np.arange(2 * levels) < levels
    snap_sizes = rng.integers(1, 5000, 2 * levels) * LOT
    return BookStream(
        ts=np.concatenate([np.full(2 * levels, T0), np.repeat(msg_ts, SLOTS)[keep]]),
        is_bid=np.concatenate([snap_bid, bid.ravel()[keep]]),
        price=np.round(np.concatenate([snap_ticks, ticks.ravel()[keep]]) * TICK, 2),
        size=np.concatenate([snap_sizes, sizes.ravel()[keep]]),
        update_id=np.concatenate([np.ones(2 * levels, np.int64), np.repeat(msg_id, SLOTS)[keep]]),
        prev_update_id=np.concatenate(
            [np.full(2 * levels, -1, np.int64), np.repeat(msg_id - 1, SLOTS)[keep]]
        ),
        snapshot=np.concatenate([np.ones(2 * levels, np.bool_), np.zeros(n_rows, np.bool_)]),
    )
