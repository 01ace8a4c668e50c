"""The knowledge-base text search's one rule: what an entry's stored search text is, and what a search looks for.

Both are folded here, in Python, with str.casefold ("Straße" meets "STRASSE", a final sigma meets a
capital one), and the database only looks for one folded text inside the other. Lower-casing in SQL
differed by database: SQLite's went through Python's str.lower, PostgreSQL's lower() follows the
server's locale (under C.UTF-8 it turns a dotted capital I into a plain "i" and a word's final capital
sigma into the medial small one, where str.lower keeps the dot and gives the final form), so one search
found other entries on each; and neither folded "ß" to "ss".

The search text holds the title, the content and each example question, folded, with SEPARATOR
between them. No folded field or search holds SEPARATOR (it becomes a space), so a match lies inside
one field: a search never spans two example questions, or the title's end and the content's start.
Searching the JSON text of the questions did both, and matched its quotes and commas, while missing
a question's own quotes and backslashes (escaped there).
"""

from __future__ import annotations

from collections.abc import Iterable

# Between two fields of the search text: the ASCII unit separator, which no folded field keeps.
SEPARATOR = "\x1f"


def folded(text: str) -> str:
    """`text` as the search compares it: case-folded, SEPARATOR turned into a space."""
    return text.casefold().replace(SEPARATOR, " ")


def search_text(title: str, content: str, example_questions: Iterable[str]) -> str:
    """An entry's stored search text (the `search_text` column): its searched fields, folded, one after another."""
    return SEPARATOR.join(folded(field) for field in (title, content, *example_questions))
