"""Three strategies that differ only in where RSI(14) of the closes comes from, for the cost
per bar of an indicator the engine updates against one updated from on_bar."""

from __future__ import annotations

from typing import Any

from alphaforge.indicators import RSI
from alphaforge.strategy import Strategy

# An RSI above this counts as a hot bar: each strategy reads its RSI once a bar.
HOT = 70.0


class RegisteredRsi(Strategy):
    """The engine updates the RSI in its native loop; on_bar reads it."""

    def __init__(self, symbol: str) -> None:
        super().__init__()
        self.symbol = symbol
        self.hot = 0

    def on_start(self) -> None:
        self.rsi = self.register_indicator(RSI(14), self.symbol)
        self.subscribe_bars(self.symbol)

    def on_bar(self, bar: Any) -> None:
        if self.rsi.value > HOT:
            self.hot += 1


class PythonRsi(RegisteredRsi):
    """on_bar updates the same C++ RSI with the bar's close."""

    def on_start(self) -> None:
        self.rsi = RSI(14)
        self.subscribe_bars(self.symbol)

    def on_bar(self, bar: Any) -> None:
        if self.rsi.update(bar.close) > HOT:
            self.hot += 1


class NoRsi(RegisteredRsi):
    """The same on_bar without an RSI: it compares the close instead."""

    def on_start(self) -> None:
        self.subscribe_bars(self.symbol)

    def on_bar(self, bar: Any) -> None:
        if bar.close > 1e12:
            self.hot += 1


class UnreadRsi(NoRsi):
    """NoRsi with the RSI registered but never read: the native update alone."""

    def on_start(self) -> None:
        self.rsi = self.register_indicator(RSI(14), self.symbol)
        self.subscribe_bars(self.symbol)
