"""The depth update-id chain, rule by rule, on hand-made message sequences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


class Refused(Exception):
    """The reference's verdict that the chain raises."""


def reference(
    messages: list[tuple[str, int, int, int]], bridge_gaps: bool
) -> tuple[list[bool], int, int]:
    """The rules applied message by message: (the mask, gaps bridged, rows dropped)."""
    # Contiguous rows with the same ids are one message, as the frame defines it.
    merged: list[tuple[str, int, int, int]] = []
    for message in messages:
        if merged and merged[-1][:3] == message[:3]:
            merged[-1] = (*message[:3], merged[-1][3] + message[3])
        else:
            merged.append(message)
    keep: list[bool] = []
    snapshot_id: int | None = None
    previous: int | None = None  # the update_id of the last diff after the stale ones
    broken = False
    gaps = dropped = 0
    for kind, u, p, rows in merged:
        if kind == "snap":
            snapshot_id, previous, broken = u, None, False
            keep += [True] * rows
            continue
        if snapshot_id is None:
            if not bridge_gaps:
                raise Refused
            keep += [False] * rows
            dropped += rows
            continue
        if previous is None and u <= snapshot_id:
            keep += [False] * rows  # stale
            continue
        if previous is not None and u < previous:
            raise Refused  # a decrease, bridged or not
        is_gap = p > snapshot_id if previous is None else p != previous
        previous = u
        if is_gap and not broken:
            if not bridge_gaps:
                raise Refused
            broken = True
            gaps += 1
        keep += [not broken] * rows
        dropped += rows if broken else 0
    return keep, gaps, dropped


@st.composite
def messages(draw: st.DrawFn) -> list[tuple[str, int, int, int]]:
    """Snapshots and diffs whose ids mostly chain, with stale diffs, gaps and decreases."""
    out: list[tuple[str, int, int, int]] = []
    last = draw(st.integers(1, 50))
    for _ in range(draw(st.integers(1, 12))):
        rows = draw(st.integers(1, 3))
        if draw(st.integers(0, 5)) == 0:
            snapshot_id = draw(st.integers(1, last + 20))  # a snapshot may restart lower
            out.append(("snap", snapshot_id, -1, rows))
            # Diffs recorded from before the snapshot: stale, then straddling it.
            last = max(snapshot_id - draw(st.integers(0, 6)), 0)
            continue
        prev = last + draw(st.sampled_from([0, 0, 0, -3, 1, 2]))  # chained, stale, gapped
        prev = max(prev, 0)
        u = prev + draw(st.integers(1, 4))
        out.append(("diff", u, prev, rows))
        last = u
    return out


@settings(max_examples=400, deadline=None)
@given(messages(), st.booleans())
def test_the_vectorised_chain_equals_the_rules_message_by_message(
    sequence: list[tuple[str, int, int, int]], bridge_gaps: bool
) -> None:
    rows = chain(*sequence)
    try:
        expected, gaps, dropped = reference(sequence, bridge_gaps)
    except Refused:
        with pytest.raises(ValueError, match=r"gap|below the previous|must be a snapshot"):
            check_depth_chain(*rows, bridge_gaps=bridge_gaps)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = check_depth_chain(*rows, bridge_gaps=bridge_gaps)
    assert kept.tolist() == expected
    if dropped:
        (warning,) = caught
        assert f"{gaps} gap(s) bridged, {dropped} row(s) dropped" in str(warning.message)
    else:
        assert caught == []
