"""Numbers with their nouns, as the commands print them: "1 line", "2 lines"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """`number` and `noun`, in the plural (`plural`, or `noun` + "s") unless it is 1."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
