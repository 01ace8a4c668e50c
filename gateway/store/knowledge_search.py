"""The knowledge-base text search's and tag filter's one rule: what an entry's stored folded texts are, and what a
search or a tag filter looks for.

Both are folded in Python, with str.casefold ("Straße" meets "STRASSE", a final sigma meets a
capital one), and the database only looks for one folded text inside the other: the rule of
gateway.store.folded_text, which says why SQL's lower() would not do.

The search text holds the title, the content and each example question, folded, with SEPARATOR
between them. No folded field or search holds SEPARATOR (it becomes a space), so a match lies inside
one field: a search never spans two example questions, or the title's end and the content's start.
Searching the JSON text of the questions did both, and matched its quotes and commas, while missing
a question's own quotes and backslashes (escaped there).

The tag filter matches a whole tag, folded as every tag filter folds (folded_text.tag_key: "cards"
finds an entry tagged "Cards", "STRASSE" one tagged "Straße"): each entry keeps its tags folded in `tag_text`, each between two
SEPARATORs, and the filter looks for the folded tag between two. Matching the tag in the JSON text
of the list found it as written only on PostgreSQL, in any ASCII case on SQLite (its LIKE folds
ASCII), and missed a tag holding a character SQLite's JSON text escapes.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.store.folded_text import SEPARATOR, folded, tag_key

__all__ = ["SEPARATOR", "folded", "search_text", "tag_needle", "tag_text"]


def search_text(title: str, content: str, example_questions: Iterable[str]) -> str:
    """An entry's stored search text (the `search_text` column): its searched fields, folded, one after another."""
    return SEPARATOR.join(folded(field) for field in (title, content, *example_questions))


def tag_text(tags: Iterable[str]) -> str:
    """An entry's stored tag text (the `tag_text` column): each tag folded, each between two SEPARATORs."""
    return SEPARATOR + "".join(tag_key(tag) + SEPARATOR for tag in tags)


def tag_needle(tag: str) -> str:
    """What the tag filter looks for inside an entry's tag text: the tag, folded, between two SEPARATORs."""
    return SEPARATOR + tag_key(tag) + SEPARATOR
