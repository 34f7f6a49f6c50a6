"""Strategy log lines on the terminal: every strategy's ``self.log`` through a rich handler on
the ``alphaforge`` logger, each line with the time of the event it was logged at.

The commands and the examples turn it on; a program that configured logging itself (a
handler on the root logger or on an ``alphaforge`` logger) keeps its own set-up, and the
handler is left out so no line shows twice.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
from collections.abc import Iterator

from rich.console import Console
from rich.logging import RichHandler

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LEVEL_VARIABLE = "ALPHAFORGE_LOG_LEVEL"
DEFAULT_LEVEL = "INFO"


class ConsoleHandler(RichHandler):
    """The handler this module installs, told apart from a program's own handlers."""


class EventTimeFormatter(logging.Formatter):
    """'2024-01-02 00:00:00.000 SmaCross: message': the event time when the record has one
    (see alphaforge.strategy.EventTime) and the strategy's name."""

    def format(self, record: logging.LogRecord) -> str:
        """The message with the event time and the logger's short name in front."""
        message = super().format(record)
        who = record.name.removeprefix("alphaforge.strategy.")
        when = getattr(record, "event_time", None)
        return f"{when} {who}: {message}" if when else f"{who}: {message}"


def add_log_level_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--log-level`` option of a command."""
    parser.add_argument(
        "--log-level",
        default=None,
        type=str.upper,
        choices=LEVELS,
        help=f"the lowest level of strategy log lines shown (default ${LEVEL_VARIABLE}, "
        f"else {DEFAULT_LEVEL})",
    )


def requested_level(level: str | None = None) -> str | None:
    """`level`, else the ALPHAFORGE_LOG_LEVEL variable, upper case; None when neither is set.

    A level outside DEBUG, INFO, WARNING, ERROR is a ValueError naming where it came from."""
    source = "level"
    if level is None:
        level = os.environ.get(LEVEL_VARIABLE) or None
        source = LEVEL_VARIABLE
    if level is None:
        return None
    name = level.strip().upper()
    if name not in LEVELS:
        raise ValueError(f"{source} must be one of {', '.join(LEVELS)}, got {level!r}")
    return name


def logging_configured() -> bool:
    """Whether the program installed a handler of its own on the root logger or on an
    ``alphaforge`` logger."""
    loggers = [logging.getLogger(), logging.getLogger("alphaforge")]
    loggers += [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if name.startswith("alphaforge.") and isinstance(logger, logging.Logger)
    ]
    return any(
        not isinstance(handler, ConsoleHandler) for logger in loggers for handler in logger.handlers
    )


def log_to_console(
    level: str | None = None, console: Console | None = None
) -> ConsoleHandler | None:
    """Show strategy log lines from `level` up (else ALPHAFORGE_LOG_LEVEL, else INFO) on
    `console` (default: stderr), through rich. Returns the handler, or None when the program
    configured logging itself: then only an explicitly requested level is applied to the
    ``alphaforge`` logger. Calling it again replaces the earlier handler."""
    wanted = requested_level(level)
    logger = logging.getLogger("alphaforge")
    for handler in [h for h in logger.handlers if isinstance(h, ConsoleHandler)]:
        logger.removeHandler(handler)
    if logging_configured():
        if wanted is not None:
            logger.setLevel(wanted)
        return None
    handler = ConsoleHandler(
        console=console or Console(stderr=True), show_time=False, show_path=False, markup=False
    )
    handler.setFormatter(EventTimeFormatter())
    logger.setLevel(wanted or DEFAULT_LEVEL)
    logger.addHandler(handler)
    return handler


@contextlib.contextmanager
def console_logging(level: str | None = None, console: Console | None = None) -> Iterator[None]:
    """`log_to_console` for the duration; the ``alphaforge`` logger as it was afterwards."""
    logger = logging.getLogger("alphaforge")
    before = logger.level
    handler = log_to_console(level, console)
    try:
        yield
    finally:
        if handler is not None:
            logger.removeHandler(handler)
        logger.setLevel(before)


def command_logging(
    command: str, level: str | None, console: Console | None = None
) -> contextlib.AbstractContextManager[None]:
    """`console_logging` for a command: a bad level stops it with one line naming it."""
    try:
        requested_level(level)
    except ValueError as error:
        raise SystemExit(f"{command}: {error}") from None
    return console_logging(level, console)
