"""The depth update-id chain, rule by rule, on hand-made message sequences."""

from __future__ import annotations

import numpy as np
import pytest

from alphaforge.data.depth_chain import check_depth_chain
from alphaforge.data.notices import DepthGapWarning


def chain(*messages: tuple[str, int, int, int]) -> tuple[list[int], list[int], list[bool]]:
    """Rows of messages given as (kind "snap"/"diff", update_id, prev_update_id, rows)."""
    uid: list[int] = []
    prev: list[int] = []
    snap: list[bool] = []
    for kind, u, p, rows in messages:
        uid += [u] * rows
        prev += [p] * rows
        snap += [kind == "snap"] * rows
    return uid, prev, snap


def test_a_continuous_chain_keeps_every_row() -> None:
    rows = chain(("snap", 100, -1, 3), ("diff", 104, 100, 2), ("diff", 107, 104, 1))
    assert check_depth_chain(*rows).tolist() == [True] * 6


def test_stale_diffs_after_the_snapshot_are_dropped() -> None:
    # Snapshot 100 holds every update up to 100: diffs ending at 95 and at 100 are in it.
    rows = chain(
        ("snap", 100, -1, 2),
        ("diff", 95, 90, 2),
        ("diff", 100, 95, 1),
        ("diff", 103, 100, 2),
        ("diff", 105, 103, 1),
    )
    assert check_depth_chain(*rows).tolist() == [True, True, False, False, False, True, True, True]


def test_the_first_diff_may_straddle_the_snapshot() -> None:
    # Binance's overlap rule: pu <= S < u; the diff 98..103 covers snapshot 100.
    rows = chain(("snap", 100, -1, 1), ("diff", 103, 97, 2), ("diff", 104, 103, 1))
    assert check_depth_chain(*rows).tolist() == [True, True, True, True]


def test_a_first_diff_past_the_snapshot_is_a_gap() -> None:
    rows = chain(("snap", 100, -1, 2), ("diff", 105, 101, 1))
    with pytest.raises(ValueError, match=r"prev_update_id\[2\] = 101: a gap after the snapshot"):
        check_depth_chain(*rows)


def test_a_gap_between_diffs_names_row_expected_and_found() -> None:
    rows = chain(("snap", 100, -1, 1), ("diff", 102, 100, 2), ("diff", 106, 103, 1))
    with pytest.raises(
        ValueError, match=r"prev_update_id\[3\] = 103: a gap; expected 102, .* \(row 1\)"
    ):
        check_depth_chain(*rows)


def test_rows_before_the_first_snapshot_are_refused() -> None:
    rows = chain(("diff", 99, 98, 2), ("snap", 100, -1, 1))
    with pytest.raises(ValueError, match=r"snapshot\[0\] = False: the first message must be"):
        check_depth_chain(*rows)


def test_bridging_drops_rows_before_the_first_snapshot() -> None:
    rows = chain(("diff", 99, 98, 2), ("snap", 100, -1, 1), ("diff", 101, 100, 1))
    with pytest.warns(DepthGapWarning, match=r"0 gap\(s\) bridged, 2 row\(s\) dropped \(2 before"):
        kept = check_depth_chain(*rows, bridge_gaps=True)
    assert kept.tolist() == [False, False, True, True]


def test_bridging_resumes_at_the_next_snapshot() -> None:
    rows = chain(
        ("snap", 100, -1, 2),
        ("diff", 101, 100, 1),
        ("diff", 105, 103, 2),  # gap: 102..103 missing
        ("diff", 106, 105, 1),  # chains to the gap's message, but the book is already wrong
        ("snap", 200, -1, 1),
        ("diff", 199, 198, 1),  # stale for snapshot 200
        ("diff", 202, 199, 1),
        ("diff", 210, 205, 1),  # second gap, no snapshot after it
    )
    with pytest.warns(DepthGapWarning, match=r"2 gap\(s\) bridged, 4 row\(s\) dropped") as got:
        kept = check_depth_chain(*rows, bridge_gaps=True)
    assert len(got) == 1
    assert "first gap: prev_update_id[3] = 103" in str(got[0].message)
    assert kept.tolist() == [True, True, True, False, False, False, True, False, True, False]


def test_diffs_without_any_snapshot() -> None:
    rows = chain(("diff", 101, 100, 2), ("diff", 102, 101, 1))
    with pytest.raises(ValueError, match=r"snapshot\[0\] = False: the first message must be"):
        check_depth_chain(*rows)
    with pytest.warns(DepthGapWarning, match=r"3 row\(s\) dropped \(3 before the first snapshot"):
        assert not check_depth_chain(*rows, bridge_gaps=True).any()


def test_bridging_without_a_gap_is_silent() -> None:
    rows = chain(("snap", 100, -1, 1), ("diff", 90, 80, 1), ("diff", 101, 100, 1))
    kept = check_depth_chain(*rows, bridge_gaps=True)  # filterwarnings=error: no warning
    assert kept.tolist() == [True, False, True]


def test_a_new_snapshot_restarts_the_chain_even_with_a_lower_id() -> None:
    # Bybit sends a snapshot with u=1 after a service restart.
    rows = chain(("snap", 500, -1, 1), ("diff", 501, 500, 1), ("snap", 1, -1, 2), ("diff", 2, 1, 1))
    assert check_depth_chain(*rows).tolist() == [True] * 5


def test_update_id_must_not_decrease_between_diffs() -> None:
    rows = chain(("snap", 100, -1, 1), ("diff", 104, 99, 1), ("diff", 102, 100, 1))
    with pytest.raises(ValueError, match=r"update_id\[2\] = 102: below the previous message's 104"):
        check_depth_chain(*rows)
    # A decrease is out-of-order data, not a venue gap: bridging does not hide it.
    with pytest.raises(ValueError, match="must not decrease"):
        check_depth_chain(*rows, bridge_gaps=True)


def test_rows_of_a_message_must_be_contiguous() -> None:
    # Message 103 split around message 104 shows up as an update id going back.
    uid = [100, 103, 104, 103]
    prev = [-1, 100, 103, 100]
    snap = [True, False, False, False]
    with pytest.raises(ValueError, match=r"update_id\[3\] = 103: below"):
        check_depth_chain(uid, prev, snap)


def test_malformed_ids_are_refused() -> None:
    with pytest.raises(ValueError, match=r"prev_update_id\[1\] = 5: a snapshot row must have -1"):
        check_depth_chain([100, 100], [-1, 5], [True, True])
    with pytest.raises(ValueError, match=r"prev_update_id\[1\] = 101: a diff must follow"):
        check_depth_chain([100, 101], [-1, 101], [True, False])
    with pytest.raises(ValueError, match="differ in length"):
        check_depth_chain([100, 101], [-1], [True, False])
    with pytest.raises(TypeError, match="snapshot must hold bools"):
        check_depth_chain([100], [-1], [1])
    with pytest.raises(TypeError, match="update_id must hold integers"):
        check_depth_chain([100.0], [-1], [True])


def test_empty_input_keeps_nothing() -> None:
    kept = check_depth_chain(np.array([], np.int64), np.array([], np.int64), np.array([], bool))
    assert kept.dtype == np.bool_
    assert kept.size == 0
