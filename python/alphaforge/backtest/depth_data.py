"""The depth rows a tick backtest replays: checked columns of the canonical depth frame."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from alphaforge.data.depth_chain import check_depth_chain
from alphaforge.data.depth_frame import DEPTH_COLUMNS, validate_depth


def depth_columns(
    symbol: str,
    frame: pd.DataFrame | None,
    arrays: dict[str, npt.ArrayLike | None],
    *,
    bridge_gaps: bool,
) -> tuple[npt.NDArray[Any], ...]:
    """(ts, is_bid, price, size, update_id, snapshot) of the rows the replay applies.

    From `frame` (the canonical depth frame) or from `arrays` (the same columns as keywords),
    not both; `ts` may be datetime64. The rows are checked by validate_depth (a ValueError or
    TypeError naming the column and row of a bad value) and the update-id chain by
    check_depth_chain (a gap, unless `bridge_gaps`).
    """
    given = {name: value for name, value in arrays.items() if value is not None}
    if frame is not None:
        if given:
            raise ValueError(f"add_book({symbol!r}): give a depth frame or columns, not both")
        missing = [c for c in DEPTH_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"depth of {symbol} lacks the column(s) {missing}")
        table = frame[list(DEPTH_COLUMNS)]
    else:
        missing = [c for c in DEPTH_COLUMNS if c not in given]
        if missing:
            raise ValueError(f"add_book({symbol!r}) needs a depth frame or the columns {missing}")
        cols = {name: np.asarray(given[name]) for name in DEPTH_COLUMNS}
        lengths = {name: a.shape for name, a in cols.items()}
        if any(len(shape) != 1 for shape in lengths.values()) or len(set(lengths.values())) > 1:
            raise ValueError(
                f"depth columns of {symbol} must be one-dimensional of one length: {lengths}"
            )
        table = pd.DataFrame(cols)
    if table["ts"].dtype.kind == "M":
        table = table.assign(ts=pd.DatetimeIndex(table["ts"]).as_unit("ns").asi8)
    try:
        rows = validate_depth(table)
    except (TypeError, ValueError) as error:
        raise type(error)(f"depth of {symbol}: {error}") from None
    uid = rows["update_id"].to_numpy()
    snapshot = rows["snapshot"].to_numpy()
    keep = check_depth_chain(uid, rows["prev_update_id"].to_numpy(), snapshot,
                             bridge_gaps=bridge_gaps)  # fmt: skip
    return (
        rows["ts"].to_numpy()[keep],
        (rows["side"].to_numpy() == "bid")[keep].astype(np.uint8),
        rows["price"].to_numpy()[keep],
        rows["size"].to_numpy()[keep],
        uid[keep],
        snapshot[keep].astype(np.uint8),
    )
