"""AlphaForge: write a trading strategy once in Python, run it on a native C++ core."""

from alphaforge._core import __version__

__all__ = ["__version__"]
