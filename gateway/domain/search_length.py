"""How long a search may be: one bound and one message for every search, in the API (`q`) and on the pages alike
(interactions and knowledge entries)."""

from __future__ import annotations

from gateway.domain.errors import InvalidQuery

# The longest text a search may look for.
MAX_SEARCH_CHARS = 200


def check_search_length(text: str, field: str = "q") -> None:
    """InvalidQuery naming `field` when `text`, trimmed, is longer than a search may be."""
    if len(text.strip()) > MAX_SEARCH_CHARS:
        raise InvalidQuery(field, f"a search may be at most {MAX_SEARCH_CHARS} characters")
