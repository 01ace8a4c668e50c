"""Fixes the gateway applies: revisions, prompt instructions, knowledge entries, links to issues, previews."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from gateway.store.tables.base import JSONDocument, metadata
from gateway.store.types import UtcDateTime

# A counter per kind of fix (knowledge, prompts) and app, raised in the same transaction as every
# change: each gateway process polls this small table and reloads only the apps that changed.
fix_revisions = Table(
    "fix_revisions",
    metadata,
    Column("kind", String(50), primary_key=True),
    Column("app", String(200), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)


# Each app's prompt settings: how its instruction versions meet the app's own system message.
# Every change to an app's prompts locks this row first, so changes to one app never interleave.
prompt_configs = Table(
    "prompt_configs",
    metadata,
    Column("app", String(200), primary_key=True),
    # prepend / append / replace (the app's own system message). See gateway.prompts.
    Column("mode", String(10), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Instruction versions, never edited: a change is a new version. See gateway.prompts.
prompt_versions = Table(
    "prompt_versions",
    metadata,
    # UUIDv7 text: sorts by creation time.
    Column("id", String(36), primary_key=True),
    Column("app", String(200), nullable=False),
    # The model this version is for; '' for every model of the app (NULL would defeat the unique number).
    Column("model", String(200), nullable=False),
    # 1, 2, 3… per app and model.
    Column("number", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("app", "model", "number"),
)

# What each app (and model: '' for every model) runs now: the active version, and a canary
# version rolled out to a share of its traffic since `canary_started_at`.
prompt_deployments = Table(
    "prompt_deployments",
    metadata,
    Column("app", String(200), primary_key=True),
    Column("model", String(200), primary_key=True),
    Column("active_version_id", String(36)),
    # The version active before the current one: where rolling back the active version returns to.
    Column("previous_version_id", String(36)),
    Column("canary_version_id", String(36)),
    Column("canary_share", Float),
    Column("canary_started_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)


# Knowledge-base entries as they stand now (see gateway.knowledge); every change is also kept in
# knowledge_entry_versions. The proxy reads an app's active entries from memory, never from here.
knowledge_entries = Table(
    "knowledge_entries",
    metadata,
    # UUIDv7 text: sorts by creation time.
    Column("id", String(36), primary_key=True),
    Column("app", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("content", Text, nullable=False),
    # Lists of strings.
    Column("example_questions", JSONDocument, nullable=False),
    Column("tags", JSONDocument, nullable=False),
    Column("active", Boolean, nullable=False),
    # The newest version's number (1, 2, 3…): what an interaction records when the entry is applied.
    Column("version", Integer, nullable=False),
    # Who created the entry; each version names who made it.
    Column("author", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Title, content and example questions case-folded, as text search reads them (gateway.store.knowledge_search),
    # written with every change to them. Revision 0031.
    Column("search_text", Text, nullable=False),
    # The tags case-folded, each between two separators, as the tag filter reads them (gateway.store.knowledge_search),
    # written with every change to them. Revision 0035.
    Column("tag_text", Text, nullable=False),
    Index(None, "app", "active"),
    Index(None, "updated_at"),
)

# Every state an entry has had, never edited: version 1 is the creation, each change adds one.
knowledge_entry_versions = Table(
    "knowledge_entry_versions",
    metadata,
    Column("entry_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("example_questions", JSONDocument, nullable=False),
    Column("tags", JSONDocument, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("author", String(200), nullable=False),
    # created / edited / activated / deactivated / restored.
    Column("change", String(20), nullable=False),
    # For a restore: the version whose fields were brought back.
    Column("restored_from", Integer),
    Column("created_at", UtcDateTime(), nullable=False),
)


# The idempotency keys of creations (a knowledge-base entry, a prompt version): a form's own key, or
# an API client's Idempotency-Key. Written in the creation's transaction, so a request sent twice,
# even at once, makes one thing; the second finds the key and answers what the first made. Each
# field's hash says whether a later use of the key asked the same (see gateway.domain.idempotency).
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # What the key created: kb.create / prompt.publish / review.hold (a held chat call's task; its key is
    # the sha256 of app and key, gateway.review.held_keys). One key may serve each once.
    Column("scope", String(40), primary_key=True),
    Column("key", String(255), primary_key=True),
    # The entry's or the version's id.
    Column("subject_id", String(36), nullable=False),
    # {field: sha256 of its value as checked}.
    Column("field_hashes", JSONDocument, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)


# A fix (a knowledge-base entry or a prompt-instruction version) linked to the issue it addresses,
# and to the review task it resolved, so its effect on the issue can be measured. See gateway.effect.
fix_links = Table(
    "fix_links",
    metadata,
    # UUIDv7 text: sorts by creation time.
    Column("id", String(36), primary_key=True),
    Column("issue_id", String(36), nullable=False),
    Column("task_id", String(36)),
    # knowledge / prompt.
    Column("kind", String(20), nullable=False),
    # The knowledge-base entry's id, or the prompt version's id.
    Column("fix_id", String(36), nullable=False),
    # The entry's version or the prompt version's number, as it went live.
    Column("fix_version", Integer),
    # live (every request of the app) / canary (a share of them, by the prompts policy's arm).
    Column("arm", String(10), nullable=False),
    # When the fix started shaping requests: the effect compares before with after this instant.
    Column("live_at", UtcDateTime(), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "issue_id"),
    Index(None, "task_id"),
    # Which issue a fix was linked to is looked up by the fix (revision 0041).
    Index(None, "fix_id"),
)


# The before/after verdict of each issue's latest fix, as last measured (gateway.effect.verdict_cache): written
# whenever the effect is computed (the issue page, the API, the clustering pass), so the overview and the issue
# list can say and weigh what a fix did without the slow measuring (embedding the topic's interactions).
fix_effects = Table(
    "fix_effects",
    metadata,
    Column("issue_id", String(36), primary_key=True),
    # The link measured: the latest when measured (a newer link makes this row stale, not wrong).
    Column("link_id", String(36), nullable=False),
    # fell / rose (significant at effect_alpha) / no_change / not_enough_data.
    Column("outcome", String(20), nullable=False),
    Column("before_rate", Float),
    Column("after_rate", Float),
    Column("p_value", Float),
    # The verdict as the issue page words it.
    Column("verdict", Text, nullable=False),
    Column("measured_at", UtcDateTime(), nullable=False),
)


# A fix replayed on an issue's interactions before it goes live (gateway.fixes.preview): the
# candidate as given, which credential the replay used (never the credential itself), and per
# interaction the original answer, the new one and the end user's correction.
fix_previews = Table(
    "fix_previews",
    metadata,
    # UUIDv7 text: sorts by creation time.
    Column("id", String(36), primary_key=True),
    Column("issue_id", String(36), nullable=False),
    Column("app", String(200), nullable=False),
    # knowledge / prompt.
    Column("kind", String(20), nullable=False),
    Column("candidate", JSONDocument, nullable=False),
    # How many interactions were asked for (at most that many are replayed).
    Column("requested", Integer, nullable=False),
    # routed_upstream_key / caller_given / none.
    Column("credential", String(40), nullable=False),
    Column("items", JSONDocument, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # The link the newest make-live of this preview made (None: never made live, or before revision 0033). Moved
    # by a conditional UPDATE in the fix's own transaction, so two make-live posts at once make one fix.
    Column("live_link_id", String(36)),
    Index(None, "issue_id"),
)
