"""Warnings the loaders give when data loads but something about it deserves a word."""

from __future__ import annotations


class TimestampWarning(UserWarning):
    """Epoch numbers that were read but put the data before 1980: a wrong unit, most often."""


class DepthGapWarning(UserWarning):
    """Depth rows dropped to bridge breaks in an update-id chain, with how many of each."""


class DepthMessageWarning(UserWarning):
    """Venue depth messages that could not be read and were skipped, with how many."""
