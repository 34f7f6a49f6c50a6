"""Depth loaders on the real Binance and Bybit samples, and on files derived from them."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alphaforge.data import (
    DepthBook,
    DepthGapWarning,
    DepthMessageWarning,
    load_binance_depth,
    load_bybit_depth,
)
from alphaforge.data.depth_frame import DEPTH_COLUMNS

DATA = Path(__file__).parent / "data"
SNAP = DATA / "btcusdt-depth-snap.csv"
UPDATE = DATA / "btcusdt-depth-update.csv"
BYBIT = DATA / "bybit-xrpusdt-ob500.data.zip"


def bybit_lines() -> list[str]:
    with zipfile.ZipFile(BYBIT) as archive:
        (member,) = archive.namelist()
        return archive.read(member).decode().splitlines()


def assert_canonical(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(DEPTH_COLUMNS)
    assert {c: str(t) for c, t in frame.dtypes.items()} == DEPTH_COLUMNS
    assert (np.diff(frame["ts"].to_numpy()) >= 0).all()


# Binance


def test_binance_sample_has_a_real_gap_between_snapshot_and_update() -> None:
    snap, update = pd.read_csv(SNAP), pd.read_csv(UPDATE)
    snapshot_id = int(snap["last_update_id"].iloc[0])
    follows = int(update["pu"].iloc[0])
    # The update follows an id far past the snapshot: the updates in between are not in the file.
    assert follows > snapshot_id
    with pytest.raises(
        ValueError,
        match=rf"prev_update_id\[{len(snap)}\] = {follows}: a gap after the snapshot {snapshot_id}",
    ):
        load_binance_depth(SNAP, UPDATE)


def test_binance_sample_bridged_keeps_the_snapshot_alone() -> None:
    snap, update = pd.read_csv(SNAP), pd.read_csv(UPDATE)
    with pytest.warns(
        DepthGapWarning, match=rf"1 gap\(s\) bridged, {len(update)} row\(s\) dropped"
    ):
        depth = load_binance_depth(SNAP, UPDATE, bridge_gaps=True)
    assert_canonical(depth)
    assert len(depth) == len(snap)
    assert depth["snapshot"].all()
    assert (depth["side"] == "bid").all()  # the sample's snapshot holds bids only
    np.testing.assert_array_equal(depth["price"], snap["price"])
    np.testing.assert_array_equal(depth["size"], snap["qty"])
    assert (depth["update_id"] == snap["last_update_id"]).all()
    assert (depth["prev_update_id"] == -1).all()
    assert (depth["ts"] == snap["timestamp"] * 1_000_000).all()


def test_binance_sample_unchecked_maps_every_column() -> None:
    snap, update = pd.read_csv(SNAP), pd.read_csv(UPDATE)
    depth = load_binance_depth(UPDATE, SNAP, check_chain=False)  # file order does not matter
    assert_canonical(depth)
    assert len(depth) == len(snap) + len(update)
    diffs = depth[~depth["snapshot"]]
    assert diffs.index[0] == len(snap)  # the snapshot, ten minutes earlier, comes first
    expected_sides = update["side"].map({"b": "bid", "a": "ask"})
    assert diffs["side"].tolist() == expected_sides.tolist()
    np.testing.assert_array_equal(diffs["size"], update["qty"])
    assert (diffs["prev_update_id"] == update["pu"].to_numpy()).all()
    assert (diffs["update_id"] == update["last_update_id"].to_numpy()).all()
    assert (diffs["ts"] == update["timestamp"].to_numpy() * 1_000_000).all()
    assert (diffs["size"] == 0).sum() == (update["qty"] == 0).sum()  # removals kept as rows


HEADER = "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty\n"


def spot_file(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(f"ETHUSDT,{r}\n" for r in rows))
    return path


def test_spot_events_without_pu_follow_first_update_id_minus_one(tmp_path: Path) -> None:
    # Spot's rule: the first event has U <= S + 1 <= u, then each U is the previous u + 1.
    path = spot_file(
        tmp_path / "spot.csv",
        [
            "1700000000000,100,100,b,snap,2000.0,1.0",
            "1700000000000,100,100,a,snap,2001.0,2.0",
            "1700000000100,95,99,b,set,2000.0,5.0",  # stale: u <= 100
            "1700000000200,99,103,b,set,2000.0,3.0",
            "1700000000200,99,103,a,set,2001.0,0.0",
            "1700000000300,104,106,a,set,2002.0,1.0",
        ],
    )
    depth = load_binance_depth(path)
    assert depth["update_id"].tolist() == [100, 100, 103, 103, 106]
    assert depth["prev_update_id"].tolist() == [-1, -1, 98, 98, 103]
    gap = spot_file(
        tmp_path / "gap.csv",
        [
            "1700000000000,100,100,b,snap,2000.0,1.0",
            "1700000000200,101,103,b,set,2000.0,3.0",
            "1700000000300,105,106,a,set,2002.0,1.0",
        ],
    )
    with pytest.raises(ValueError, match=r"prev_update_id\[2\] = 104: a gap; expected 103"):
        load_binance_depth(gap)


def test_timestamps_in_microseconds_are_read_per_file(tmp_path: Path) -> None:
    snap = spot_file(tmp_path / "snap.csv", ["1700000000000,100,100,b,snap,2000.0,1.0"])
    update = spot_file(tmp_path / "update.csv", ["1700000000200500,101,103,b,set,2000.0,3.0"])
    depth = load_binance_depth(snap, update)
    assert depth["ts"].tolist() == [1_700_000_000_000_000_000, 1_700_000_000_200_500_000]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1700000000000,100,100,x,snap,2000.0,1.0", r"side\[0\] = 'x': must be one of"),
        ("1700000000000,100,100,b,full,2000.0,1.0", r"update_type\[0\] = 'full': must be one"),
        ("1700000000000,101,100,b,snap,2000.0,1.0", r"first_update_id\[0\] = 101 is above"),
        ("1700000000000,100,100,b,snap,-2000.0,1.0", r"price\[0\] = -2000.0: must be a finite"),
        ("1700000000000,100,100,b,snap,2000.0,-1.0", r"size\[0\] = -1.0: must be a finite"),
    ],
)
def test_bad_binance_rows_are_refused(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_binance_depth(spot_file(tmp_path / "bad.csv", [row]))


def test_bad_binance_files_are_refused(tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text(HEADER.replace("qty", "qty,venue") + "ETHUSDT,1,100,100,b,snap,2000.0,1.0,x\n")
    with pytest.raises(ValueError, match="unknown column 'venue' for Binance depth"):
        load_binance_depth(odd)
    short = tmp_path / "short.csv"
    short.write_text("timestamp,side,price,qty\n1700000000000,b,2000.0,1.0\n")
    with pytest.raises(ValueError, match="missing column 'first_update_id'"):
        load_binance_depth(short)
    other = spot_file(tmp_path / "eth.csv", ["1700000000000,100,100,b,snap,2000.0,1.0"])
    with pytest.raises(ValueError, match=r"more than one symbol \['BTCUSDT', 'ETHUSDT'\]"):
        load_binance_depth(SNAP, other)
    with pytest.raises(TypeError, match="at least one file"):
        load_binance_depth()


# Bybit


def replayed_from_json(lines: list[str]) -> tuple[dict[float, float], dict[float, float]]:
    """The book the raw messages describe, built with dicts straight from the JSON."""
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    for line in lines:
        message = json.loads(line)
        if message["type"] == "snapshot":
            bids.clear()
            asks.clear()
        for key, book in (("b", bids), ("a", asks)):
            for price, size in message["data"][key]:
                if float(size) == 0:
                    book.pop(float(price), None)
                else:
                    book[float(price)] = float(size)
    return bids, asks


def test_bybit_sample_loads_every_level_of_every_message() -> None:
    lines = bybit_lines()
    messages = [json.loads(line) for line in lines]
    depth = load_bybit_depth(BYBIT)
    assert_canonical(depth)
    levels = [len(m["data"]["b"]) + len(m["data"]["a"]) for m in messages]
    assert len(depth) == sum(levels)
    ids = [m["data"]["u"] for m in messages]
    assert depth["update_id"].tolist() == np.repeat(ids, levels).tolist()
    assert (
        depth["snapshot"].tolist()
        == np.repeat([m["type"] == "snapshot" for m in messages], levels).tolist()
    )
    # A delta follows u - 1: Bybit numbers the messages of a topic consecutively.
    expected_prev = [-1 if m["type"] == "snapshot" else m["data"]["u"] - 1 for m in messages]
    assert depth["prev_update_id"].tolist() == np.repeat(expected_prev, levels).tolist()
    stamps = [m["ts"] * 1_000_000 for m in messages]
    assert depth["ts"].tolist() == np.repeat(stamps, levels).tolist()


def test_bybit_sample_replays_into_the_book_the_messages_describe() -> None:
    depth = load_bybit_depth(BYBIT)
    book = DepthBook("XRPUSDT", 0.0001)
    starts = np.flatnonzero(np.r_[True, np.diff(depth["update_id"].to_numpy()) != 0])
    for begin, end in zip(starts, [*starts[1:], len(depth)], strict=True):
        message = depth.iloc[begin:end]
        if message["snapshot"].iloc[0]:
            book.clear()
        for side, apply in (("bid", book.apply_bids), ("ask", book.apply_asks)):
            rows = message[message["side"] == side]
            apply(rows["price"].to_numpy(), rows["size"].to_numpy())
        best_bid, best_ask = book.best_bid(), book.best_ask()
        assert best_bid is not None
        assert best_ask is not None
        assert best_bid[0] < best_ask[0]  # real data: never crossed after a message
    bids, asks = replayed_from_json(bybit_lines())
    bid_px, bid_sz, ask_px, ask_sz = book.top(max(len(bids), len(asks)))
    assert dict(zip(bid_px.tolist(), bid_sz.tolist(), strict=True)) == bids
    assert dict(zip(ask_px.tolist(), ask_sz.tolist(), strict=True)) == asks


def test_bybit_plain_and_gzip_files_read_as_the_zip(tmp_path: Path) -> None:
    text = "\n".join(bybit_lines()) + "\n"
    plain = tmp_path / "ob.data"
    plain.write_text(text)
    packed = tmp_path / "ob.data.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    expected = load_bybit_depth(BYBIT)
    pd.testing.assert_frame_equal(load_bybit_depth(plain), expected)
    pd.testing.assert_frame_equal(load_bybit_depth(packed), expected)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_unreadable_lines_are_counted_and_skipped(tmp_path: Path) -> None:
    lines = bybit_lines()[:6]
    reply = '{"success":true,"ret_msg":"","op":"subscribe","conn_id":"c1"}'
    path = write_lines(tmp_path / "ob.data", [reply, *lines, '{"topic": "orderbook.500.XRP', "x"])
    with pytest.warns(DepthMessageWarning, match=r"2 of 9 line\(s\) skipped") as got:
        depth = load_bybit_depth(path)
    assert "line 8: not JSON (Unterminated string" in str(got[0].message)
    assert "line 9: not JSON" in str(got[0].message)
    pd.testing.assert_frame_equal(depth, load_bybit_depth(write_lines(tmp_path / "ok", lines)))


def edited(line: str, **changes: object) -> str:
    message = json.loads(line)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = message
        for name in parents:
            target = target[name]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return json.dumps(message)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"data__u": None}, "no field 'u'"),
        ({"type": "partial"}, "type 'partial': expected 'snapshot' or 'delta'"),
        ({"topic": "publicTrade.XRPUSDT"}, "topic 'publicTrade.XRPUSDT' is not an orderbook topic"),
        ({"ts": "1733011200693"}, "ts = '1733011200693': expected a positive integer"),
        ({"data": [1, 2]}, "data is a list, not an object"),
        ({"data__a": "1.95"}, "data.a is a str, not a list"),
        (
            {"data__b": [["1.95", "abc"]]},
            "data.b and data.a must be lists of [price, size] numbers",
        ),
        (
            {"data__b": [["1.95", "10", "2"]]},
            "data.b and data.a must be lists of [price, size] numbers",
        ),
        (
            {"data__b": [[["1.95", "10"]]]},
            "data.b and data.a must be lists of [price, size] numbers",
        ),
        ({"data__a": [["1.96", "-5"]]}, "data.a entry ['1.96', '-5']: price must be > 0"),
        ({"data__b": [["0", "5"]]}, "data.b entry ['0', '5']: price must be > 0"),
    ],
)
def test_a_malformed_message_is_skipped_with_its_reason(
    tmp_path: Path, changes: dict[str, object], reason: str
) -> None:
    lines = bybit_lines()[:4]
    path = write_lines(tmp_path / "ob.data", [*lines[:3], edited(lines[3], **changes)])
    with pytest.warns(DepthMessageWarning, match=r"1 of 4 line\(s\) skipped") as got:
        depth = load_bybit_depth(path)
    assert f"line 4: {reason}" in str(got[0].message)
    expected = load_bybit_depth(write_lines(tmp_path / "ok.data", lines[:3]))
    pd.testing.assert_frame_equal(depth, expected)


def test_a_skipped_delta_is_a_gap(tmp_path: Path) -> None:
    lines = bybit_lines()[:6]
    broken = lines[3][: len(lines[3]) // 2]  # the fourth message cut short
    path = write_lines(tmp_path / "ob.data", [*lines[:3], broken, *lines[4:]])
    after = json.loads(lines[4])["data"]["u"]
    with (
        pytest.warns(DepthMessageWarning, match=r"1 of 6 line\(s\) skipped, .*: line 4: not JSON"),
        pytest.raises(ValueError, match=rf"= {after - 1}: a gap; expected {after - 2}"),
    ):
        load_bybit_depth(path)
    with (
        pytest.warns(DepthMessageWarning),
        pytest.warns(DepthGapWarning, match=r"1 gap\(s\) bridged"),
    ):
        depth = load_bybit_depth(path, bridge_gaps=True)
    assert depth["update_id"].max() == json.loads(lines[2])["data"]["u"]


def test_a_snapshot_with_u_1_resets_the_chain(tmp_path: Path) -> None:
    lines = bybit_lines()[:3]
    restart = json.loads(lines[0])
    restart["data"]["u"] = 1
    restart["ts"] = json.loads(lines[-1])["ts"] + 100
    delta = json.loads(lines[1])
    delta["data"]["u"] = 2
    delta["ts"] = restart["ts"] + 100
    path = write_lines(tmp_path / "ob.data", [*lines, json.dumps(restart), json.dumps(delta)])
    depth = load_bybit_depth(path)
    tail = depth.drop_duplicates("update_id", keep="first").tail(2)
    assert tail["update_id"].tolist() == [1, 2]
    assert tail["prev_update_id"].tolist() == [-1, 1]


def test_an_empty_delta_advances_the_chain_without_rows(tmp_path: Path) -> None:
    lines = bybit_lines()[:4]
    empty = json.loads(lines[2])
    empty["data"]["b"], empty["data"]["a"] = [], []
    path = write_lines(tmp_path / "ob.data", [lines[0], lines[1], json.dumps(empty), lines[3]])
    depth = load_bybit_depth(path)
    ids = [json.loads(line)["data"]["u"] for line in lines]
    messages = depth.drop_duplicates("update_id")
    assert messages["update_id"].tolist() == [ids[0], ids[1], ids[3]]
    assert messages["prev_update_id"].tolist() == [-1, ids[0], ids[1]]


def test_a_second_topic_is_refused(tmp_path: Path) -> None:
    lines = bybit_lines()[:2]
    other = json.loads(lines[1])
    other["topic"] = "orderbook.50.XRPUSDT"
    path = write_lines(tmp_path / "ob.data", [*lines, json.dumps(other)])
    with pytest.raises(ValueError, match=r"line 3: topic 'orderbook.50.XRPUSDT' after"):
        load_bybit_depth(path)
