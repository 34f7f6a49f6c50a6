"""``alphaforge bench live`` runs end to end on a tiny run: every row of every table is there,
and the parser rows decode what json decodes."""

from __future__ import annotations

import argparse
import asyncio
import json

import msgspec
import pytest

from alphaforge.benchmarks import live, live_parsers

# The SDK's WebSocket API client still passes aiohttp a float timeout; that is its warning.
pytestmark = pytest.mark.filterwarnings(
    "ignore:parameter 'timeout' of type 'float' is deprecated:DeprecationWarning"
)


def test_bench_live_runs(capsys: pytest.CaptureFixture[str]) -> None:
    live.run(argparse.Namespace(loops=1, rounds=1, orders=5))
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("│")]

    def has(group: str, name: str) -> bool:
        return any(group in row and f" {name} " in row for row in rows)

    for group in ("trades + best quotes, speed 0", "the same, per CPU second of the client"):
        for name in (live.NODE, live.SDK, live.FLOOR):
            assert has(group, name), (group, name)
    for kind in ("trade", "depthUpdate", "executionReport"):
        for name in ("alphaforge (msgspec)", "json.loads", "orjson.loads"):
            assert has(kind, name), (kind, name)
    for q in ("p50", "p99"):
        for name in (live.NODE, f"{live.NODE} + journal", live.FLOOR):
            assert has(f"tick-to-order {q}, REST", name), (q, name)
        for name in (live.NODE, live.FLOOR):
            assert has(f"tick-to-order {q}, WebSocket API", name), (q, name)
            assert has(f"round trip {q}, REST", name), (q, name)
        for name in (live.NODE, live.SDK, live.FLOOR):
            assert has(f"round trip {q}, WebSocket API", name), (q, name)
    targets = [row for row in rows if row.rstrip("│ ").endswith(("yes", "no"))]
    assert len(targets) == 9


def test_the_recorded_messages_decode_as_json_reads_them() -> None:
    recorded = asyncio.run(live_parsers.record())
    assert len(recorded["trade"]) == 2001  # the bundled record, once
    assert recorded["depthUpdate"]
    assert recorded["executionReport"]
    decode = live_parsers.decoders()
    for frame in recorded["trade"]:
        reference = json.loads(frame)["data"]
        trade = decode["trade"](frame).data
        assert (trade.id, trade.price, trade.qty) == (
            reference["t"],
            float(reference["p"]),
            float(reference["q"]),
        )
    for frame in recorded["depthUpdate"]:
        reference = json.loads(frame)["data"]
        depth = decode["depthUpdate"](frame).data
        assert (depth.first_id, depth.last_id) == (reference["U"], reference["u"])
        assert [list(b) for b in depth.bids] == [[float(p), float(q)] for p, q in reference["b"]]
    kinds = set()
    for frame in recorded["executionReport"]:
        reference = json.loads(frame)["event"]
        report = decode["executionReport"](frame)
        assert (report.client_order_id, report.execution_type, report.cum_qty) == (
            reference["c"],
            reference["x"],
            float(reference["z"]),
        )
        kinds.add(report.execution_type)
    assert kinds == {"NEW", "CANCELED", "TRADE"}
    with pytest.raises(msgspec.ValidationError):
        decode["trade"](b'{"stream":"btcusdt@trade","data":{"t":1}}')
