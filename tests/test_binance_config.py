"""BinanceConfig: presets, keys from the environment and from owner-only files, checks, reprs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from alphaforge.adapters.binance import BinanceConfig

SECRET = "s3cr3t-value-that-must-never-show"
KEY = "k3y-value-that-must-never-show"


@pytest.fixture(autouse=True)
def _no_keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BINANCE_API_KEY", raising=False)
    monkeypatch.delenv("BINANCE_API_SECRET", raising=False)


def test_presets_carry_the_documented_urls() -> None:
    prod, test, demo = BinanceConfig.production(), BinanceConfig.testnet(), BinanceConfig.demo()
    assert (prod.rest_url, prod.stream_url, prod.ws_api_url) == (
        "https://api.binance.com",
        "wss://stream.binance.com:9443",
        "wss://ws-api.binance.com:443/ws-api/v3",
    )
    assert (test.rest_url, test.stream_url, test.ws_api_url) == (
        "https://testnet.binance.vision",
        "wss://stream.testnet.binance.vision",
        "wss://ws-api.testnet.binance.vision/ws-api/v3",
    )
    assert (demo.rest_url, demo.stream_url, demo.ws_api_url) == (
        "https://demo-api.binance.com",
        "wss://demo-stream.binance.com:9443",
        "wss://demo-ws-api.binance.com/ws-api/v3",
    )
    assert BinanceConfig() == prod
    assert BinanceConfig.testnet(recv_window=3000).recv_window == 3000


def test_symbols_are_normalised_and_checked() -> None:
    config = BinanceConfig(symbols=["btcusdt", "ETHUSDT", "BTCUSDT"])  # type: ignore[arg-type]
    assert config.symbols == ("BTCUSDT", "ETHUSDT")
    with pytest.raises(ValueError, match="symbols must be a list"):
        BinanceConfig(symbols="BTCUSDT")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'BTC-USDT'"):
        BinanceConfig(symbols=("BTC-USDT",))


def test_replay_and_local_presets() -> None:
    config = BinanceConfig.replay(
        "http://127.0.0.1:1/", "ws://127.0.0.1:1", "ws://127.0.0.1:1/ws-api/v3"
    )
    assert config.rest_url == "http://127.0.0.1:1"
    assert config.has_keys

    class Local:
        rest_url = "http://127.0.0.1:2"
        stream_url = "ws://127.0.0.1:2"
        ws_api_url = "ws://127.0.0.1:2/ws-api/v3"
        api_key = KEY
        api_secret = SECRET

    local = BinanceConfig.local(Local(), symbols=("BTCUSDT",), order_transport="ws")
    assert (local.api_key, local.api_secret, local.order_transport) == (KEY, SECRET, "ws")
    assert local.stream_url == "ws://127.0.0.1:2"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rest_url", "ftp://x", "rest_url must be a URL starting with http:// or https://"),
        ("stream_url", "https://x", "stream_url must be a URL starting with ws://"),
        ("ws_api_url", "", "ws_api_url must be a URL"),
        ("recv_window", 60_001, r"recv_window must be an int of ms in \[1, 60000\], got 60001"),
        ("recv_window", 0, "recv_window"),
        ("timeout_s", 0, "timeout_s must be a positive number of seconds, got 0"),
        ("timeout_s", float("nan"), "timeout_s"),
        ("order_transport", "fix", "order_transport must be 'rest' or 'ws', got 'fix'"),
        ("watchdog_s", -1, "watchdog_s"),
        ("max_connection_s", 90_000, "max_connection_s must be at most 86400"),
        ("reconnect_max_s", 0.1, r"reconnect_max_s \(0.1\) must not be below"),
        ("query_retries", 0, "query_retries must be an int >= 1, got 0"),
        ("query_retry_s", -0.5, "query_retry_s must be a number >= 0, got -0.5"),
    ],
)
def test_bad_settings_are_refused_by_name(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BinanceConfig(**{field: value})  # type: ignore[arg-type]


def test_keys_never_show_in_repr_or_errors() -> None:
    config = BinanceConfig(api_key=KEY, api_secret=SECRET)
    text = repr(config) + str(config)
    assert KEY not in text
    assert SECRET not in text
    assert "api_key=<set>" in text
    assert "api_secret=<set>" in text
    assert "api_secret=<unset>" in repr(BinanceConfig())
    with pytest.raises(ValueError, match="api_secret must not contain whitespace") as caught:
        BinanceConfig(api_key=KEY, api_secret=SECRET + " ")
    assert SECRET not in str(caught.value)
    with pytest.raises(ValueError, match="api_key must be a string, got a int"):
        BinanceConfig(api_key=12345)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="api_key is not set: pass it, or set BINANCE_API_KEY"):
        BinanceConfig().require_keys()


def test_keys_come_from_the_environment_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINANCE_API_KEY", KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", SECRET)
    config = BinanceConfig.testnet()
    assert (config.api_key, config.api_secret) == (KEY, SECRET)
    assert BinanceConfig(api_key="given").api_key == "given"


def _write(tmp_path: Path, text: str, mode: int) -> Path:
    path = tmp_path / "binance.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


KEY_FILE = f"""
[binance]
environment = "testnet"
api_key = "{KEY}"
api_secret = "{SECRET}"
symbols = ["btcusdt"]
recv_window = 4000
"""


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, KEY_FILE, 0o644)
    with pytest.raises(PermissionError, match="mode is 0644") as caught:
        BinanceConfig.from_file(path)
    assert str(path) in str(caught.value)
    assert SECRET not in str(caught.value)
    path.chmod(0o640)
    with pytest.raises(PermissionError, match="0640"):
        BinanceConfig.from_file(path)


def test_an_owner_only_key_file_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, KEY_FILE, 0o600)
    config = BinanceConfig.from_file(path, timeout_s=3.0)
    assert (config.api_key, config.api_secret) == (KEY, SECRET)
    assert config.symbols == ("BTCUSDT",)
    assert (config.recv_window, config.timeout_s) == (4000, 3.0)
    assert config.rest_url == "https://testnet.binance.vision"


def test_a_file_without_secrets_may_be_shared(tmp_path: Path) -> None:
    path = _write(tmp_path, '[binance]\nsymbols = ["ETHUSDT"]\n', 0o644)
    config = BinanceConfig.from_file(path)
    assert config.symbols == ("ETHUSDT",)
    assert config.rest_url == "https://api.binance.com"


def test_bad_files_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="has no \\[binance\\] table"):
        BinanceConfig.from_file(_write(tmp_path, "[other]\nx = 1\n", 0o600))
    with pytest.raises(ValueError, match="unknown setting 'recvwindow'"):
        BinanceConfig.from_file(_write(tmp_path, "[binance]\nrecvwindow = 1\n", 0o600))
    with pytest.raises(ValueError, match="environment must be one of"):
        BinanceConfig.from_file(_write(tmp_path, '[binance]\nenvironment = "x"\n', 0o600))
    with pytest.raises(ValueError, match="not valid TOML"):
        BinanceConfig.from_file(_write(tmp_path, "[binance\n", 0o600))
    assert os.path.exists(tmp_path / "binance.toml")
