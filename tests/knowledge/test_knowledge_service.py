"""The knowledge-base service on both databases: versions, restore, search, revisions and audit records."""

from __future__ import annotations

import pytest

from gateway.domain.errors import InvalidQuery
from gateway.knowledge.errors import EntryChanged
from gateway.knowledge.service import KnowledgeService
from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.fix_revisions import revisions
from gateway.store.knowledge import EntryFilter, KnowledgeStore


@pytest.fixture
def service(engine) -> KnowledgeService:
    return KnowledgeService(KnowledgeStore(engine))


async def fees(service: KnowledgeService, app: str = "bank", **fields):
    values = {
        "title": "Foreign transfer fees",
        "content": "Transfers abroad cost 1%.",
        "example_questions": ["How much is a transfer abroad?"],
        "tags": ["fees", "transfers"],
        **fields,
    }
    return await service.create(app, author="alice", **values)


async def test_create_keeps_version_one_and_audits_it(service, engine):
    entry = await fees(service)

    assert (entry.version, entry.active, entry.author) == (1, True, "alice")
    versions = await service.versions(entry.id)
    assert [(v.version, v.change, v.author) for v in versions] == [(1, "created", "alice")]
    assert await revisions(engine, "knowledge") == {"bank": 1}
    [record] = await AuditStore(engine).list(AuditFilter(subject_id=entry.id), 10)
    assert (record.action, record.actor, record.app, record.before) == ("kb.create", "alice", "bank", None)
    assert record.after["title"] == "Foreign transfer fees"


async def test_every_edit_is_a_version_and_restore_brings_one_back_as_a_new_version(service, engine):
    entry = await fees(service)
    await service.edit(entry.id, author="bob", content="Transfers abroad cost 2%.", tags=["fees"])
    await service.deactivate(entry.id, author="bob")

    restored = await service.restore(entry.id, 1, author="carol")

    assert restored.version == 4
    assert (restored.content, restored.tags) == ("Transfers abroad cost 1%.", ("fees", "transfers"))
    assert restored.active is False  # restoring text never switches retrieval on
    versions = await service.versions(entry.id)
    assert [(v.version, v.change, v.author, v.restored_from) for v in versions] == [
        (4, "restored", "carol", 1),
        (3, "deactivated", "bob", None),
        (2, "edited", "bob", None),
        (1, "created", "alice", None),
    ]
    assert versions[2].content == "Transfers abroad cost 2%."
    actions = [r.action for r in await AuditStore(engine).list(AuditFilter(subject_id=entry.id), 10)]
    assert actions == ["kb.restore", "kb.deactivate", "kb.edit", "kb.create"]
    [edit] = await AuditStore(engine).list(AuditFilter(action="kb.edit"), 10)
    assert (
        edit.before["content"] == "Transfers abroad cost 1%." and edit.after["content"] == "Transfers abroad cost 2%."
    )
    assert await revisions(engine, "knowledge") == {"bank": 4}


async def test_activate_and_deactivate_bump_the_revision_and_a_repeat_changes_nothing(service, engine):
    entry = await fees(service, active=False)

    assert (await service.activate(entry.id, author="a")).active is True
    assert (await service.activate(entry.id, author="a")).version == 2  # already active: no new version
    assert await revisions(engine, "knowledge") == {"bank": 2}
    assert (await service.deactivate(entry.id, author="a")).active is False
    assert await revisions(engine, "knowledge") == {"bank": 3}


async def test_an_edit_that_changes_nothing_writes_nothing(service, engine):
    entry = await fees(service)

    same = await service.edit(entry.id, author="bob", title="  Foreign transfer fees ")

    assert same.version == 1
    assert len(await service.versions(entry.id)) == 1
    assert await revisions(engine, "knowledge") == {"bank": 1}


async def test_a_title_is_stored_without_its_blank_ends_zero_width_ones_included(service):
    entry = await fees(service, title="\ufeff Foreign transfer fees\u200b")

    assert entry.title == "Foreign transfer fees"


async def test_an_edit_based_on_an_older_version_is_refused_and_saves_nothing(service, engine):
    entry = await fees(service)
    await service.edit(entry.id, author="bob", content="Transfers abroad cost 3%.", expected_version=1)

    with pytest.raises(EntryChanged) as refused:
        await service.edit(entry.id, author="alice", title="Fees abroad", content=entry.content, expected_version=1)

    assert (refused.value.expected_version, refused.value.entry.version) == (1, 2)
    now = await service.get(entry.id)
    assert (now.title, now.content, now.version) == (entry.title, "Transfers abroad cost 3%.", 2)
    assert await revisions(engine, "knowledge") == {"bank": 2}


async def test_listing_filters_by_app_tag_active_and_text(service):
    first = await fees(service)
    second = await fees(
        service,
        title="Card delivery",
        content="Cards arrive in 5 days.",
        tags=["cards"],
        example_questions=["Where is my card?"],
        active=False,
    )
    await fees(service, app="other")

    async def ids(**where) -> list[str]:
        return [entry.id for entry in (await service.list(EntryFilter(**where))).data]

    assert await ids(app="bank") == [second.id, first.id]  # most recently changed first
    assert await ids(app="bank", tag="fees") == [first.id]
    assert await ids(app="bank", active=False) == [second.id]
    assert await ids(app="bank", text="WHERE IS MY") == [second.id]  # example questions, any case
    assert await ids(app="bank", text="5 days") == [second.id]
    assert await ids(app="bank", text="100%") == []  # % is a character, not a wildcard
    page = await service.list(EntryFilter(app="bank"), limit=1)
    assert page.next_offset == 1


async def test_unknown_entries_are_none(service):
    assert await service.get("nope") is None
    assert await service.edit("nope", author="a", title="x") is None
    assert await service.activate("nope", author="a") is None
    assert await service.versions("nope") is None
    assert await service.restore("nope", 1, author="a") is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"content": ""}, "content"),
        ({"title": "\u200b"}, "title"),
        ({"content": "\u3000\ufeff"}, "content"),
        ({"example_questions": ["fine", "\u200c\u200d"]}, "example_questions[1]"),
        ({"example_questions": ["fine", " "]}, "example_questions[1]"),
        ({"example_questions": "one string"}, "example_questions"),
        ({"tags": ['say "hi"']}, "tags[0]"),
        ({"title": "x" * 301}, "title"),
    ],
)
async def test_bad_fields_are_refused_by_name(service, fields, field):
    with pytest.raises(InvalidQuery) as refused:
        await fees(service, **fields)

    assert refused.value.field == field


async def test_restoring_a_version_that_does_not_exist_names_the_version(service):
    entry = await fees(service)

    with pytest.raises(InvalidQuery) as refused:
        await service.restore(entry.id, 7, author="a")

    assert refused.value.field == "version"
    assert "no version 7" in refused.value.message


@pytest.mark.parametrize(
    ("version", "sent"),
    [
        (2**31, "2147483648"),
        (99999999999999999999, "99999999999999999999"),
        ("abc", "'abc'"),
        (None, "nothing"),
        (0, "0"),
    ],
)
async def test_restoring_a_version_number_that_cannot_be_one_names_what_was_sent(service, version, sent):
    entry = await fees(service)

    with pytest.raises(InvalidQuery) as refused:
        await service.restore(entry.id, version, author="a")

    assert refused.value.field == "version"
    assert refused.value.message == f"version must be a whole number from 1 to 2147483647, got {sent}"
