"""How a refusal quotes a value it was sent: whole when short, else its start and its length.

A refusal that echoed the value whole answered a 3,000-character id with 3,000 characters in a 400
or 404, on the pages and in the API alike; every refusal quoting what was sent goes through here.
"""

from __future__ import annotations

# How much of a long value a refusal quotes: enough to recognise it.
QUOTED_CHARS = 60


def shortened(text: str, limit: int = QUOTED_CHARS) -> str:
    """`text` whole when at most `limit` characters, else its first `limit` and "…" ("abc…")."""
    return text if len(text) <= limit else text[:limit] + "…"


def length_note(text: str, limit: int = QUOTED_CHARS) -> str:
    """ " (3,000 characters)" after a value cut by `shortened`; "" for one shown whole."""
    return f" ({len(text):,} characters)" if len(text) > limit else ""


def clipped(text: str, limit: int = QUOTED_CHARS) -> str:
    """A sent text as a refusal writes it without quotes: "nope", or "xxxx… (3,000 characters)" when long."""
    return shortened(text, limit) + length_note(text, limit)


def quoted(value: object, limit: int = QUOTED_CHARS) -> str:
    """A sent value as a refusal quotes it: "'fast'", or "'xxxx…' (3,000 characters)" when long (repr's quotes)."""
    if not isinstance(value, str):  # a number or the like: as repr writes it, unquoted
        text = repr(value)
        return shortened(text, limit) + length_note(text, limit)
    return repr(shortened(value, limit)) + length_note(value, limit)
