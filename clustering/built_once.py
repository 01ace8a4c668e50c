"""A value built on first use, once, however many threads ask for it at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["BuiltOnce"]


class BuiltOnce(Generic[T]):
    """Builds its value on the first `get` (blocking), and hands out that one value ever after.

    Embedders load models of ~90 MB in seconds; concurrent first callers must wait for one load,
    not start one each. Once built, `get` takes no lock.
    """

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    @classmethod
    def holding(cls, value: T) -> BuiltOnce[T]:
        """One whose value exists already."""
        once = cls(lambda: value)
        once._value = value
        return once

    @property
    def built(self) -> T | None:
        """The value if it has been built, else None (never builds)."""
        return self._value

    def get(self) -> T:
        """The value, built now if it is not yet."""
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
        return self._value
