"""Text compared in any case: folded in Python with str.casefold, stored folded, and compared as stored.

Lower-casing in SQL differed by database: SQLite's went through Python's str.lower, PostgreSQL's
lower() follows the server's locale (under C.UTF-8 it turns a dotted capital I into a plain "i" and a
word's final capital sigma into the medial small one, where str.lower keeps the dot and gives the
final form), so one filter found other rows on each; and neither folded "ß" to "ss". So the store
writes a folded copy beside the text, and a filter looks for the folded value in it.

The one rule for tags: a tag filter matches a whole tag in any case (`tag_key`), for knowledge-base
entries (gateway.store.knowledge_search) and review tasks (gateway.store.reviews) alike.
"""

from __future__ import annotations

# Between two folded fields stored in one text: the ASCII unit separator, which no folded field keeps.
SEPARATOR = "\x1f"


def folded(text: str) -> str:
    """`text` as a case-blind comparison reads it: case-folded, SEPARATOR turned into a space."""
    return text.casefold().replace(SEPARATOR, " ")


def tag_key(tag: str) -> str:
    """A tag as every tag filter compares it: folded ("Cards" and "cards", "Straße" and "STRASSE" are one tag)."""
    return folded(tag)
