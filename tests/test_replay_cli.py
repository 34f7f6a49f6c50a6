"""``alphaforge replay-server`` as a user starts it: a process that serves and stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_command_serves_on_loopback_and_stops_cleanly_on_sigterm() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alphaforge",
            "replay-server",
            "--port",
            str(port),
            "--speed",
            "0",
            "--loops",
            "1",
            "--balance",
            "USDT=500,BTC=0.5",
            "--seed",
            "7",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/v3/exchangeInfo", timeout=5
        ) as reply:
            info = json.load(reply)
        assert info["symbols"][0]["symbol"] == "BTCUSDT"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert "stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_bad_options_are_refused_with_the_field_named() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "alphaforge", "replay-server", "--balance", "USDT"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "ASSET=AMOUNT" in done.stderr
    assert "Traceback" not in done.stderr
