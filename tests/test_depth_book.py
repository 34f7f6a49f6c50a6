"""DepthBook: the L2 book venue adapters keep, checked against a dict model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alphaforge.data import DepthBook


def test_levels_are_absolute_and_zero_removes() -> None:
    book = DepthBook("BTCUSDT", 0.01)
    book.apply_bids(np.array([100.0, 99.99, 100.01]), np.array([1.0, 2.0, 3.0]))
    book.apply_asks(np.array([100.02, 100.05]), np.array([1.0, 2.0]))
    assert book.best_bid() == (100.01, 3.0)
    assert book.best_ask() == (100.02, 1.0)
    bid_px, bid_sz, ask_px, ask_sz = book.top(2)
    assert bid_px.tolist() == [100.01, 100.0]
    assert bid_sz.tolist() == [3.0, 1.0]
    assert ask_px.tolist() == [100.02, 100.05]
    assert ask_sz.tolist() == [1.0, 2.0]
    book.apply_bids(np.array([100.01]), np.array([0.0]))
    assert book.best_bid() == (100.0, 1.0)
    assert book.bid_size_at(99.99) == 2.0
    assert len(book) == 4


def test_a_bad_level_leaves_the_book_unchanged() -> None:
    book = DepthBook("BTCUSDT", 0.01)
    book.apply_asks(np.array([101.0]), np.array([1.0]))
    with pytest.raises(ValueError, match=r"ask level 1 \(price -1"):
        book.apply_asks(np.array([100.0, -1.0]), np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="equal length"):
        book.apply_asks(np.array([100.0]), np.array([1.0, 1.0]))
    assert book.best_ask() == (101.0, 1.0)
    assert len(book) == 1


def test_clear_resets_levels_and_update_id() -> None:
    book = DepthBook("X", 0.5)
    book.apply_bids(np.array([10.0]), np.array([1.0]))
    book.update_id = 42
    book.clear()
    assert len(book) == 0
    assert book.update_id == 0
    assert book.best_bid() is None


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(9_990, 10_010), st.sampled_from([0.0, 1.0, 2.5])),
        max_size=200,
    )
)
def test_matches_a_dict_model(updates: list[tuple[bool, int, float]]) -> None:
    book = DepthBook("X", 0.01)
    model: dict[bool, dict[int, float]] = {True: {}, False: {}}
    for is_bid, ticks, size in updates:
        apply = book.apply_bids if is_bid else book.apply_asks
        apply(np.array([ticks / 100]), np.array([size]))
        if size == 0.0:
            model[is_bid].pop(ticks, None)
        else:
            model[is_bid][ticks] = size
    bid_px, bid_sz, ask_px, ask_sz = book.top(1000)
    bids = sorted(model[True].items(), reverse=True)
    asks = sorted(model[False].items())
    assert [round(p * 100) for p in bid_px] == [t for t, _ in bids]
    assert bid_sz.tolist() == [s for _, s in bids]
    assert [round(p * 100) for p in ask_px] == [t for t, _ in asks]
    assert ask_sz.tolist() == [s for _, s in asks]
