"""Balances of one API key: free and locked per asset, in exact decimals."""

from __future__ import annotations

from decimal import Decimal

from alphaforge.replay import errors

ZERO = Decimal(0)
EIGHT = Decimal("0.00000001")


class Account:
    """Free and locked amounts per asset; an open order locks what it may spend."""

    def __init__(self, balances: dict[str, str]) -> None:
        self._free: dict[str, Decimal] = {a: Decimal(v) for a, v in balances.items()}
        self._locked: dict[str, Decimal] = dict.fromkeys(balances, ZERO)
        self.changed: set[str] = set()

    def free(self, asset: str) -> Decimal:
        """What `asset` has available to spend or lock."""
        return self._free.get(asset, ZERO)

    def locked(self, asset: str) -> Decimal:
        """What open orders hold of `asset`."""
        return self._locked.get(asset, ZERO)

    def require(self, asset: str, amount: Decimal) -> None:
        """Refuse with -2010 unless `amount` of `asset` is free."""
        if amount > self.free(asset):
            raise errors.rejected(errors.INSUFFICIENT_BALANCE)

    def lock(self, asset: str, amount: Decimal) -> None:
        """Move `amount` from free to locked, or refuse with -2010 when it is not free."""
        self.require(asset, amount)
        self._move(asset, -amount, amount)

    def unlock(self, asset: str, amount: Decimal) -> None:
        """Move `amount` from locked back to free."""
        self._move(asset, amount, -amount)

    def spend_locked(self, asset: str, amount: Decimal) -> None:
        """Take `amount` out of the locked part (a fill of a resting order)."""
        self._move(asset, ZERO, -amount)

    def spend_free(self, asset: str, amount: Decimal) -> None:
        """Take `amount` out of the free part (a fill of an order that locked nothing)."""
        self._move(asset, -amount, ZERO)

    def credit(self, asset: str, amount: Decimal) -> None:
        """Add `amount` to the free part."""
        self._move(asset, amount, ZERO)

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(free, locked) per asset, every asset ever held."""
        return {a: (self._free[a], self._locked[a]) for a in sorted(self._free)}

    def take_changed(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(free, locked) of the assets changed since the last call, and forget them."""
        changed = {a: (self._free[a], self._locked[a]) for a in sorted(self.changed)}
        self.changed.clear()
        return changed

    def _move(self, asset: str, free: Decimal, locked: Decimal) -> None:
        self._free[asset] = self._free.get(asset, ZERO) + free
        self._locked[asset] = self._locked.get(asset, ZERO) + locked
        self.changed.add(asset)


def amount_text(amount: Decimal) -> str:
    """An amount with Binance's 8 decimals, e.g. ``100000.00000000``."""
    return f"{amount.quantize(EIGHT):f}"
