"""Text search over interactions through the index of migration 0020: whole words, English endings ignored.

What is searched: the end user's messages (every user turn of a chat or Responses request, a bare
`input`, a completion `prompt`) and the answer text; not system prompts, tool results or the JSON
around them. A search is split into words (runs of letters and digits); an interaction matches when
it holds every one of them, ignoring case and English endings: both sides are reduced to their
Porter stem, so `refund` finds "Refunds?" and "refunded", `fund` finds neither. No stop words: `how`
and `not` are words like any other. Accents count on both databases ("café" is not "cafe").

SQLite answers from an FTS5 table (`porter unicode61` tokens), PostgreSQL from a GIN-indexed
tsvector (the `feedgate_search` configuration: the Snowball English stemmer, no stop words).
PostgreSQL's parser keeps e-mail addresses, URLs and decimal numbers whole, so a part of one
("example" in "ana@example.com") is found on SQLite only.

How a search runs: one capped probe of the index first counts up to COMMON_AFTER matches. Fewer
(a rare word, or none): the page is read from those matches alone. More (a common word): the page
walks newest first and tests each row, stopping after a page, which is quick because matches are
dense. Neither database can choose this by itself: SQLite always started from the matches (2.4 s
to sort 100,000 of them for a word in every row), PostgreSQL always walked (0.4-0.5 s through
100,000 rows for a word in none), as its estimate for a word missing from its statistics is 0.5 %.

Whole words rather than prefixes: PostgreSQL has no estimate at all for a prefix (it guesses 2 %),
and whole words stemmed find "refunds" for `refund` anyway.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import column, func, literal_column, select, table
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement

from gateway.store.tables import interactions
from gateway.store.tables.search_index import (
    POSTGRES_SEARCH_COLUMN,
    POSTGRES_SEARCH_CONFIG,
    SQLITE_SEARCH_TABLE,
)

# A search with more matches than this is common: its page walks the newest rows instead of reading every match.
COMMON_AFTER = 1_000
# A word is a run of letters and digits: what both indexes' tokenizers keep ("_" separates, as there).
_WORD = re.compile(r"[^\W_]+")

_fts = table(SQLITE_SEARCH_TABLE, column("rowid"), column(SQLITE_SEARCH_TABLE))


def search_words(text: str) -> tuple[str, ...]:
    """The words of a search, in order, as the index splits them (punctuation and spaces dropped)."""
    return tuple(_WORD.findall(text))


def _fts_query(words: tuple[str, ...]) -> str:
    # Each word quoted, so AND, OR, NEAR and NOT are words, not operators.
    return " ".join(f'"{word}"' for word in words)


def _tsquery(words: tuple[str, ...]) -> ColumnElement[Any]:
    # Quoted lexemes: words hold only letters and digits, so no quote can end one early.
    query = " & ".join(f"'{word}'" for word in words)
    return func.to_tsquery(literal_column(f"'{POSTGRES_SEARCH_CONFIG}'::regconfig"), query)


async def text_condition(engine: AsyncEngine, words: tuple[str, ...]) -> ColumnElement[bool]:
    """Interactions whose user messages or answer hold every one of `words` (at least one), stemmed.

    Probes the index first (at most COMMON_AFTER matches) to shape the condition; see the module docstring.
    """
    if not words:
        raise ValueError("a text search needs at least one word")
    if engine.dialect.name == "sqlite":
        matching = select(_fts.c.rowid).where(_fts.c[SQLITE_SEARCH_TABLE].op("MATCH")(_fts_query(words)))
        async with engine.connect() as connection:
            found = len((await connection.execute(matching.limit(COMMON_AFTER))).all())
        # The unary + keeps SQLite from driving the query by the matches: it walks the newest-first
        # index instead, testing each rowid against the matches, collected once.
        rowid = "interactions.rowid" if found < COMMON_AFTER else "+interactions.rowid"
        return literal_column(rowid).in_(matching)
    vector: ColumnElement[Any] = literal_column(f"{interactions.name}.{POSTGRES_SEARCH_COLUMN}")
    match = vector.op("@@")(_tsquery(words))
    async with engine.connect() as connection:
        ids = list((await connection.execute(select(interactions.c.id).where(match).limit(COMMON_AFTER))).scalars())
    if len(ids) < COMMON_AFTER:
        return interactions.c.id.in_(ids)
    # IS TRUE hides the condition from the GIN index, so the planner walks newest first whatever its
    # statistics say (stale after a bulk load, it read all 77,000 matches of a word and sorted them: 0.22 s).
    return match.is_(True)
