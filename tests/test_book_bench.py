"""``alphaforge bench book`` runs end to end on a small stream, and every replay of it ends on
the same book; its market maker makes the same fills on ours and on hftbacktest."""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pytest

from alphaforge.benchmarks import book, book_maker
from alphaforge.benchmarks.book_market import book_market
from alphaforge.benchmarks.book_stream import book_stream
from alphaforge.benchmarks.report import make_console
from alphaforge.data import check_depth_chain

ROWS, LEVELS, MAKER_MESSAGES = 3_000, 10, 3_000
ARGS = argparse.Namespace(rows=ROWS, levels=LEVELS, rounds=1, maker_messages=MAKER_MESSAGES)


def test_the_stream_is_a_valid_chain_that_never_crosses() -> None:
    stream = book_stream(ROWS, LEVELS)
    frame = book.depth_frame(stream)
    kept = check_depth_chain(stream.update_id, stream.prev_update_id, stream.snapshot)
    assert kept.all()  # no gap, no stale diff
    assert stream.rows == len(frame)
    assert stream.rows > ROWS * 0.9
    assert stream.messages == frame["update_id"].nunique()
    # Every row is on the tick grid, a positive size or a removal.
    assert np.all(np.abs(stream.price * 100 - np.round(stream.price * 100)) < 1e-6)
    assert np.all(stream.size >= 0)
    strategy = book.Imbalance(every=1)
    book.ours(frame, strategy)
    bid, ask, _ = strategy.final
    assert strategy.calls == stream.messages
    assert bid < ask


def test_bench_book_runs(capsys: pytest.CaptureFixture[str]) -> None:
    book.run(ARGS)
    out = capsys.readouterr().out
    assert "rows/s" in out
    assert book.FLOOR in out
    assert "target: at least" in out


def test_ours_and_the_peer_end_on_the_same_book() -> None:
    pytest.importorskip("hftbacktest")
    stream, results, feeds = book.measure(ROWS, LEVELS, rounds=1)
    by_name = {r.name: r for r in results}
    ours, peer = results[0], by_name[book.PEER]
    assert book.same_book(ours.final, peer.final)
    assert feeds > 0
    for result in results:
        assert result.rate(stream.rows) > 0
        assert result.rate(stream.messages) > 0


def test_same_book_tells_a_tick_apart() -> None:
    final = (100.01, 100.03, 0.25)
    assert book.same_book(final, (100.01 + 1e-9, 100.03, 0.25))
    assert not book.same_book(final, (100.02, 100.03, 0.25))
    assert not book.same_book(final, (100.01, 100.03, 0.2500001))


def test_a_call_from_c_runs_the_strategy_on_one_view() -> None:
    strategy = book.Imbalance(1)
    assert book.call_s(strategy.on_book, 1_000) > 0
    assert strategy.calls == 1_000
    assert strategy.final == (100.0, 100.01, pytest.approx(1 / 3))
    costs = book.call_costs(calls=10, rounds=2)
    assert len(costs.empty) == len(costs.imbalance) == 2


def test_the_breakdown_names_each_part(capsys: pytest.CaptureFixture[str]) -> None:
    book.run(ARGS)
    out = capsys.readouterr().out
    assert "Where a message's time goes" in out
    for part in ("the replay alone", "a bare call of the empty method", "refreshing the BookView"):
        assert part in out


def test_bench_book_runs_the_market_maker(capsys: pytest.CaptureFixture[str]) -> None:
    book.run(ARGS)
    out = capsys.readouterr().out
    assert "Market maker: events (depth rows and trades) and messages per second" in out
    assert book_maker.MAKER in out
    assert book_maker.MAKER_EMPTY in out
    assert book_maker.MAKER_UNREAD in out
    assert "events/s" in out


def test_the_market_maker_makes_the_same_fills_on_both_engines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("hftbacktest")
    counts, results = book_maker.measure_maker(MAKER_MESSAGES, rounds=2)
    market = book_market(MAKER_MESSAGES)
    assert counts.rows == len(market.depth)
    assert counts.trades == len(market.trades) > 0
    assert counts.events == counts.rows + counts.trades
    assert counts.book_messages == MAKER_MESSAGES + 1  # and the snapshot
    ours, empty, unread, peer = results
    assert (empty.name, unread.name, peer.name) == (
        book_maker.MAKER_EMPTY,
        book_maker.MAKER_UNREAD,
        book_maker.MAKER_PEER,
    )
    assert ours.quotes == peer.quotes > ours.fills
    assert ours.fills == peer.fills > 100
    assert ours.position == peer.position
    assert ours.tally == peer.tally
    for result in results:
        assert len(result.rounds) == 2
        assert result.rate(counts.events) > result.rate(counts.messages) > 0
    book_maker.run_maker(MAKER_MESSAGES, 1, make_console())
    out = " ".join(capsys.readouterr().out.split())  # the console wraps long lines
    assert book_maker.MAKER_PEER in out
    assert "made the same number of fills and ended at the same position: yes" in out


def test_without_hftbacktest_the_market_maker_runs_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "hftbacktest", None)  # an import of it fails
    monkeypatch.delitem(sys.modules, "alphaforge.benchmarks.hftbacktest_maker", raising=False)
    _, results = book_maker.measure_maker(MAKER_MESSAGES, rounds=1)
    assert [r.name for r in results] == [
        book_maker.MAKER,
        book_maker.MAKER_EMPTY,
        book_maker.MAKER_UNREAD,
    ]
    assert results[0].fills > 100
    book_maker.run_maker(MAKER_MESSAGES, 1, make_console())
    out = " ".join(capsys.readouterr().out.split())
    assert "hftbacktest is not installed: the market maker runs on alphaforge alone" in out
    assert book_maker.MAKER in out
    assert book_maker.MAKER_PEER not in out
    assert "same number of fills" not in out
