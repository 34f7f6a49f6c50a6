"""The update-id chain of L2 depth messages: which rows a replay may apply, and where it breaks.

A depth frame holds one row per level change; the rows of one venue message are contiguous and
share ``update_id`` (the message's final update id), ``prev_update_id`` (the id it follows, -1
for a snapshot) and ``snapshot``. The rules, from the venues' "local order book" procedures:

- The first message must be a snapshot: a diff means nothing without the book it changes.
- After a snapshot with id S, diffs with ``update_id <= S`` are stale (already in the snapshot)
  and dropped.
- The first diff kept must straddle the snapshot, ``prev_update_id <= S < update_id``
  (Binance's overlap rule); each following diff must have ``prev_update_id`` equal to the
  previous message's ``update_id``.
- Diffs must have ``prev_update_id < update_id``, and ``update_id`` must not decrease from one
  diff to the next. A snapshot replaces the whole book and starts the chain again, with any id
  (Bybit restarts at 1 after a service restart).

A break in the chain (a gap) raises ValueError naming the row and the ids expected and found.
With ``bridge_gaps=True`` the rows from a gap up to the next snapshot, and rows before the
first snapshot, are dropped instead, with one DepthGapWarning counting them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from alphaforge.data.notices import DepthGapWarning
from alphaforge.data.timestamps import _caller_level

__all__ = ["check_depth_chain"]


def check_depth_chain(
    update_id: npt.ArrayLike,
    prev_update_id: npt.ArrayLike,
    snapshot: npt.ArrayLike,
    *,
    bridge_gaps: bool = False,
) -> npt.NDArray[np.bool_]:
    """The rows a replay applies, as a bool mask; stale diffs are False (see the module rules).

    Raises ValueError on a gap unless `bridge_gaps`, and always on malformed ids: a snapshot
    whose prev_update_id is not -1, a diff with prev_update_id >= update_id, or an update_id
    below the previous diff's.
    """
    uid, prev, snap = _arrays(update_id, prev_update_id, snapshot)
    if uid.size == 0:
        return np.zeros(0, dtype=np.bool_)
    # A message is a run of rows with the same ids and kind.
    start = np.flatnonzero(
        np.r_[True, (uid[1:] != uid[:-1]) | (prev[1:] != prev[:-1]) | (snap[1:] != snap[:-1])]
    )
    m_uid, m_prev, m_snap = uid[start], prev[start], snap[start]
    _check_ids(start, m_uid, m_prev, m_snap)

    segment = np.cumsum(m_snap)  # 0 before the first snapshot, then one per snapshot
    first = np.flatnonzero(m_snap)
    # The id of the snapshot each message follows; -1 before the first one.
    base = np.r_[-1, m_uid[first]][segment]
    diff = ~m_snap & (segment > 0)
    # Stale: the diffs right after a snapshot that it already holds.
    live = diff & (m_uid > base)
    seen_live = _segment_cumsum(live, segment)
    stale = diff & (seen_live == 0)
    chained = diff & ~stale
    opener = chained & (seen_live == 1) & live
    previous = np.r_[-1, m_uid[:-1]]

    back = np.flatnonzero(chained & ~opener & (m_uid < previous))
    if back.size:
        i = int(back[0])
        raise ValueError(
            f"update_id[{start[i]}] = {m_uid[i]}: below the previous message's "
            f"{previous[i]} (row {start[i - 1]}); update_id must not decrease between diffs"
        )
    gap = (opener & (m_prev > base)) | (chained & ~opener & (m_prev != previous))
    orphan = segment == 0
    if not bridge_gaps:
        if orphan[0]:
            raise ValueError(
                f"snapshot[0] = False: the first message must be a snapshot (update_id "
                f"{m_uid[0]}); load from a snapshot, or pass bridge_gaps=True to drop the rows "
                "before the first one"
            )
        gaps = np.flatnonzero(gap)
        if gaps.size:
            raise ValueError(_gap_text(int(gaps[0]), start, opener, m_prev, base, previous))
        keep_message = ~stale
    else:
        broken = _segment_cumsum(gap, segment) > 0
        keep_message = ~(stale | broken | orphan)
        dropped = broken | orphan
        if dropped.any():
            sizes = np.diff(np.r_[start, uid.size])
            rows = int(sizes[dropped].sum())
            bridged = int(gap.sum())
            where = (
                _gap_text(int(np.flatnonzero(gap)[0]), start, opener, m_prev, base, previous)
                if bridged
                else ""
            )
            lead = int(sizes[orphan].sum())
            warnings.warn(
                f"depth chain: {bridged} gap(s) bridged, {rows} row(s) dropped"
                + (f" ({lead} before the first snapshot)" if lead else "")
                + (f"; first gap: {where}" if where else ""),
                DepthGapWarning,
                stacklevel=_caller_level(),
            )
    return np.repeat(keep_message, np.diff(np.r_[start, uid.size]))


def _arrays(
    update_id: npt.ArrayLike, prev_update_id: npt.ArrayLike, snapshot: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    named = {"update_id": update_id, "prev_update_id": prev_update_id, "snapshot": snapshot}
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, values in named.items():
        array = np.asarray(values)
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
        wanted = "b" if name == "snapshot" else "iu"
        if array.size and array.dtype.kind not in wanted:
            kind = "bools" if name == "snapshot" else "integers"
            raise TypeError(f"{name} must hold {kind}, got dtype {array.dtype}")
        arrays[name] = array
    sizes = {name: a.size for name, a in arrays.items()}
    if len(set(sizes.values())) > 1:
        raise ValueError(f"update_id, prev_update_id and snapshot differ in length: {sizes}")
    return (
        arrays["update_id"].astype(np.int64, copy=False),
        arrays["prev_update_id"].astype(np.int64, copy=False),
        arrays["snapshot"].astype(np.bool_, copy=False),
    )


def _check_ids(
    start: npt.NDArray[np.intp],
    m_uid: npt.NDArray[np.int64],
    m_prev: npt.NDArray[np.int64],
    m_snap: npt.NDArray[np.bool_],
) -> None:
    bad = np.flatnonzero(m_snap & (m_prev != -1))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"prev_update_id[{start[i]}] = {m_prev[i]}: a snapshot row must have -1 "
            "(a snapshot follows no update)"
        )
    bad = np.flatnonzero(~m_snap & (m_prev >= m_uid))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"prev_update_id[{start[i]}] = {m_prev[i]}: a diff must follow an update id below "
            f"its own update_id ({m_uid[i]})"
        )


def _segment_cumsum(flags: npt.NDArray[np.bool_], segment: npt.NDArray[Any]) -> Any:
    """The running count of `flags` within each run of equal `segment` (segments ascend)."""
    total = np.cumsum(flags)
    heads = np.r_[0, np.flatnonzero(segment[1:] != segment[:-1]) + 1]
    before = np.r_[0, total][heads]
    return total - np.repeat(before, np.diff(np.r_[heads, segment.size]))


def _gap_text(
    i: int,
    start: npt.NDArray[np.intp],
    opener: npt.NDArray[np.bool_],
    m_prev: npt.NDArray[np.int64],
    base: npt.NDArray[np.int64],
    previous: npt.NDArray[np.int64],
) -> str:
    row = int(start[i])
    if opener[i]:
        return (
            f"prev_update_id[{row}] = {m_prev[i]}: a gap after the snapshot {base[i]}; the "
            f"first diff must follow an update id <= {base[i]}"
        )
    return (
        f"prev_update_id[{row}] = {m_prev[i]}: a gap; expected {previous[i]}, the update_id "
        f"of the message before (row {start[i - 1]})"
    )
