"""A call uses a knowledge-base entry when its knowledge note lists the entry among those added: matched on the note's
structure (`entries[].id` of the "knowledge" policy's note), never on its JSON text, on both databases."""

from __future__ import annotations

import uuid_utils
from test_knowledge_usage_order import AT, ENTRY, used_row

from gateway.store.interactions import InteractionStore
from gateway.store.knowledge_usage import KnowledgeUsageStore

OTHER = "0190f0f0-0000-7000-8000-000000000002"


def row_with(policies: list) -> dict:
    return {**used_row(str(uuid_utils.uuid7()), AT), "policies": policies}


def added(*entry_ids: str) -> dict:
    """The knowledge policy's note of a call it added `entry_ids` to (gateway.knowledge.policy)."""
    entries = [{"id": entry_id, "version": 1, "score": 0.9} for entry_id in entry_ids]
    return {"policy": "knowledge", "action": "replace_body", "entries": entries}


async def uses_of(engine, entry_id: str, *rows: dict) -> list[str]:
    await InteractionStore(engine).insert_many(list(rows))
    return [use["id"] for use in await KnowledgeUsageStore(engine).interactions_using("bank", entry_id, limit=10)]


async def test_a_search_that_only_came_close_to_an_entry_titled_entries_is_no_use_of_it(engine):
    # The note of a search that added nothing names its closest entry, title and all: here the word "entries".
    closest = {"id": ENTRY, "version": 1, "title": "entries", "score": 0.57}
    missed = row_with([{"policy": "knowledge", "action": "pass", "threshold": 0.6, "closest": closest}])

    assert await uses_of(engine, ENTRY, missed) == []


async def test_a_note_of_another_policy_naming_the_entry_is_no_use_of_it(engine):
    # Another entry was added; the entry's id is only text in another policy's note.
    mentioned = row_with([added(OTHER), {"policy": "confidence_gate", "action": "failed", "error": ENTRY}])
    used = row_with([added(OTHER, ENTRY)])

    assert await uses_of(engine, ENTRY, mentioned, used) == [used["id"]]


async def test_an_entries_list_in_another_policys_note_is_no_use_of_the_entry(engine):
    elsewhere = row_with([{"policy": "prompt", "action": "pass", "entries": [{"id": ENTRY}]}])

    assert await uses_of(engine, ENTRY, elsewhere) == []


async def test_an_entry_id_that_is_a_prefix_of_anothers_finds_only_its_own_uses(engine):
    short, longer = "kb-1", "kb-10"
    own, others = row_with([added(short)]), row_with([added(longer)])

    assert await uses_of(engine, short, own, others) == [own["id"]]


async def test_an_id_with_like_wildcards_matches_itself_alone(engine):
    # `_` and `%` are LIKE's wildcards: "kb_1" would have matched "kbx1".
    own, lookalike = row_with([added("kb_1%")]), row_with([added("kbx1yz")])

    assert await uses_of(engine, "kb_1%", own, lookalike) == [own["id"]]


async def test_odd_notes_are_skipped_not_an_error(engine):
    # Written by no gateway, but a hand-edited row must not break the entry's page.
    odd = [
        row_with([]),
        row_with(["a string note", 3, None]),
        row_with([{"policy": "knowledge", "entries": "not a list"}]),
        row_with([{"policy": "knowledge", "entries": ["x", 1, {"id": 7}]}]),
    ]
    used = row_with([added(ENTRY)])

    assert await uses_of(engine, ENTRY, *odd, used) == [used["id"]]
