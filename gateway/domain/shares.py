"""How a share of calls (a canary's, a sample's) reads in words: the admin pages and the API's messages alike."""

from __future__ import annotations


def share_text(share: float) -> str:
    """A share of calls as a percentage, never rounded to nothing: 0.2 reads "20 %", 0.0005 "0.05 %"."""
    return f"{share * 100:.3g} %"
