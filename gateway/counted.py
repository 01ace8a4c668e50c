"""Numbers with their nouns, as every message says them: "1 line", "2 lines", "1.5 days"; never "1 interactions"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(number: float, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, in the plural (`plural`, or `noun` + "s") unless it is 1; a fraction as short as it goes."""
    shown = number if isinstance(number, int) else f"{number:g}"
    return f"{shown} {noun if number == 1 else plural or noun + 's'}"
