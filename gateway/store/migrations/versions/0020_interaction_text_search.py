"""full-text search index over interactions: the end user's messages and the answer

SQLite: a contentless FTS5 table (the text stays in `interactions`; a view extracts it from each
row) kept in step by triggers on `interactions`, so every insert path (the writer's batches,
replays) and every delete or update (pruning, erasure, redaction) updates the index in the same
transaction. (Revision 0022 drops the insert trigger: the stores index each inserted batch.)
PostgreSQL: a stored generated tsvector column with a GIN index, which the database keeps in step
by itself. Both index words lower-cased and reduced to their English stem (Porter), with no stop
words and accents kept (see gateway/store/interaction_search.py for the query side). Existing rows
are indexed here.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# What the end user said: every user turn of a chat (`messages`) or Responses (`input`) request,
# string content or the `text` of each content part, a bare string `input`, and a completion
# `prompt`. Tool results, system and assistant turns are left out.
_SQLITE_USER_TEXT = """
(SELECT group_concat(piece, ' ') FROM (
    SELECT CASE part.type WHEN 'object' THEN json_extract(part.value, '$.text') ELSE part.value END AS piece
    FROM json_each(CASE WHEN json_valid(i.request) THEN i.request END, '$.messages') AS turn,
         json_each(turn.value, '$.content') AS part
    WHERE turn.type = 'object' AND json_extract(turn.value, '$.role') = 'user' AND part.type IN ('text', 'object')
    UNION ALL
    SELECT CASE part.type WHEN 'object' THEN json_extract(part.value, '$.text') ELSE part.value END
    FROM json_each(CASE WHEN json_valid(i.request) THEN i.request END, '$.input') AS turn,
         json_each(turn.value, '$.content') AS part
    WHERE turn.type = 'object' AND json_extract(turn.value, '$.role') = 'user' AND part.type IN ('text', 'object')
    UNION ALL
    SELECT value FROM json_each(CASE WHEN json_valid(i.request) THEN i.request END, '$.input') WHERE type = 'text'
    UNION ALL
    SELECT value FROM json_each(CASE WHEN json_valid(i.request) THEN i.request END, '$.prompt') WHERE type = 'text'
))
"""

SQLITE_UPGRADE = (
    f"""
    CREATE VIEW interaction_search_text AS
    SELECT i.rowid AS interaction_rowid, {_SQLITE_USER_TEXT} AS user_text, i.response_text AS answer_text
    FROM interactions AS i
    """,
    # Contentless: FTS5 cannot read its content through a view that uses json_each, and the text is
    # in `interactions` already. Rowids are the interactions' rowids (VACUUM keeps them).
    # Porter stems ("refunds" is "refund"); accents are kept (remove_diacritics 0) as on PostgreSQL.
    """
    CREATE VIRTUAL TABLE interaction_search USING fts5(
        user_text, answer_text, content='', tokenize='porter unicode61 remove_diacritics 0'
    )
    """,
    # A contentless index is told what to forget with the text it indexed, so deletes and updates
    # remove the old text before the row changes (BEFORE), inserts add the new after (AFTER).
    """
    CREATE TRIGGER interaction_search_after_insert AFTER INSERT ON interactions BEGIN
        INSERT INTO interaction_search (rowid, user_text, answer_text)
        SELECT interaction_rowid, user_text, answer_text FROM interaction_search_text WHERE interaction_rowid = new.rowid;
    END
    """,
    """
    CREATE TRIGGER interaction_search_before_delete BEFORE DELETE ON interactions BEGIN
        INSERT INTO interaction_search (interaction_search, rowid, user_text, answer_text)
        SELECT 'delete', interaction_rowid, user_text, answer_text FROM interaction_search_text WHERE interaction_rowid = old.rowid;
    END
    """,
    """
    CREATE TRIGGER interaction_search_before_update BEFORE UPDATE OF request, response_text ON interactions BEGIN
        INSERT INTO interaction_search (interaction_search, rowid, user_text, answer_text)
        SELECT 'delete', interaction_rowid, user_text, answer_text FROM interaction_search_text WHERE interaction_rowid = old.rowid;
    END
    """,
    """
    CREATE TRIGGER interaction_search_after_update AFTER UPDATE OF request, response_text ON interactions BEGIN
        INSERT INTO interaction_search (rowid, user_text, answer_text)
        SELECT interaction_rowid, user_text, answer_text FROM interaction_search_text WHERE interaction_rowid = new.rowid;
    END
    """,
    # Backfill: index every row already stored.
    """
    INSERT INTO interaction_search (rowid, user_text, answer_text)
    SELECT interaction_rowid, user_text, answer_text FROM interaction_search_text
    """,
)

_SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS interaction_search_after_update",
    "DROP TRIGGER IF EXISTS interaction_search_before_update",
    "DROP TRIGGER IF EXISTS interaction_search_before_delete",
    "DROP TRIGGER IF EXISTS interaction_search_after_insert",
    "DROP TABLE IF EXISTS interaction_search",
    "DROP VIEW IF EXISTS interaction_search_text",
)

# The same text as on SQLite, as jsonpath (immutable, so a generated column may use it); to_tsvector
# of a jsonb value indexes its string values only.
_USER_TEXT_PATHS = (
    '$.messages[*] ? (@.role == "user").content[*] ? (@.type() == "string")',
    '$.messages[*] ? (@.role == "user").content[*].text',
    '$.input[*] ? (@.role == "user").content[*] ? (@.type() == "string")',
    '$.input[*] ? (@.role == "user").content[*].text',
    '$.input ? (@.type() == "string")',
    '$.prompt ? (@.type() == "string")',
)
_POSTGRES_USER_TEXT = " || ".join(
    f"jsonb_path_query_array(coalesce(request, 'null'::jsonb), '{path}')" for path in _USER_TEXT_PATHS
)

_POSTGRES_UPGRADE = (
    # English stems as SQLite's porter tokenizer makes them, but no stop words (the built-in
    # 'english' configuration drops "how", "not", "again"...), so both databases match alike.
    "CREATE TEXT SEARCH DICTIONARY feedgate_english_stem (TEMPLATE = snowball, LANGUAGE = english)",
    "CREATE TEXT SEARCH CONFIGURATION feedgate_search (COPY = simple)",
    """
    ALTER TEXT SEARCH CONFIGURATION feedgate_search
    ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH feedgate_english_stem
    """,
    # Adding a stored generated column rewrites the table, computing it for every existing row.
    f"""
    ALTER TABLE interactions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('feedgate_search'::regconfig, {_POSTGRES_USER_TEXT})
        || to_tsvector('feedgate_search'::regconfig, coalesce(response_text, ''))
    ) STORED
    """,
    "CREATE INDEX ix_interactions_search_vector ON interactions USING gin (search_vector)",
)

_POSTGRES_DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_interactions_search_vector",
    "ALTER TABLE interactions DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS feedgate_search",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS feedgate_english_stem",
)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(SQLITE_UPGRADE if op.get_bind().dialect.name == "sqlite" else _POSTGRES_UPGRADE)


def downgrade() -> None:
    _run(_SQLITE_DOWNGRADE if op.get_bind().dialect.name == "sqlite" else _POSTGRES_DOWNGRADE)
