"""The prompt service on both databases: versions, activation and rollback, canaries, diff, mode, audit records."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.domain.errors import InvalidQuery
from gateway.prompts.errors import PromptConflict, VersionNotFound
from gateway.prompts.service import PromptService
from gateway.store.fix_revisions import revisions
from gateway.store.prompts import PromptStore
from gateway.store.tables import audit_log


@pytest.fixture
def store(engine) -> PromptStore:
    return PromptStore(engine)


@pytest.fixture
def service(store) -> PromptService:
    return PromptService(store)


async def audit_actions(engine) -> list[tuple[str, str]]:
    async with engine.connect() as connection:
        rows = await connection.execute(select(audit_log.c.action, audit_log.c.actor).order_by(audit_log.c.seq))
        return [tuple(row) for row in rows]


async def audit_records(engine) -> list[dict]:
    async with engine.connect() as connection:
        return [dict(row) for row in (await connection.execute(select(audit_log).order_by(audit_log.c.seq))).mappings()]


async def test_versions_are_numbered_per_app_and_model(service):
    first = await service.publish("bot", "Be kind.", "first", "alice")
    second = await service.publish("bot", "Be kinder.", "second", "alice")
    other_app = await service.publish("other", "Hello.", "", "alice")
    for_model = await service.publish("bot", "Be terse.", "for gpt-4o", "alice", model="gpt-4o")

    assert [first.version.number, second.version.number] == [1, 2]
    assert other_app.version.number == 1
    assert (for_model.version.number, for_model.version.model) == (1, "gpt-4o")
    assert first.state == "inactive" and first.version.author == "alice"
    listing = await service.list("bot")
    assert [v.version.number for v in listing.versions] == [1, 2, 1][::-1] and listing.mode == "prepend"


async def test_activation_rollback_and_the_snapshot(service, store, engine):
    v1 = await service.publish("bot", "One.", "v1", "alice", activate=True)
    v2 = await service.publish("bot", "Two.", "v2", "alice", activate=True)

    live = await store.live("bot")
    assert live is not None and live.for_model("any").active.number == 2
    assert (await service.get(v1.version.id)).state == "inactive"

    back = await service.activate(v1.version.id, "bob")  # re-activating an earlier version: a rollback
    assert back.state == "active"
    assert (await store.live("bot")).for_model(None).active.number == 1

    await service.activate(v2.version.id, "bob")
    rolled = await service.rollback(v2.version.id, "bob")  # back to the version active before v2
    assert rolled.state == "inactive"
    assert (await store.live("bot")).for_model(None).active.number == 1

    await service.rollback(v1.version.id, "bob")  # nothing active before: the app's own prompt alone
    assert await store.live("bot") is None

    actions = await audit_actions(engine)
    assert actions == [
        ("prompt.publish", "alice"),
        ("prompt.publish", "alice"),
        ("prompt.rollback", "bob"),
        ("prompt.activate", "bob"),
        ("prompt.rollback", "bob"),
        ("prompt.rollback", "bob"),
    ]
    records = await audit_records(engine)
    assert records[2]["before"]["active"]["number"] == 2 and records[2]["after"]["active"]["number"] == 1
    assert await revisions(engine, "prompts") == {"bot": 6}


async def test_a_model_specific_version_wins_for_its_model(service, store):
    await service.publish("bot", "For everyone.", "", "alice", activate=True)
    await service.publish("bot", "For gpt-4o.", "", "alice", activate=True, model="gpt-4o")

    live = await store.live("bot")
    assert live.for_model("gpt-4o").active.text == "For gpt-4o."
    assert live.for_model("gpt-4o-mini").active.text == "For everyone."
    assert live.for_model(None).active.text == "For everyone."


async def test_canary_promote_and_rollback(service, store, engine):
    v1 = await service.publish("bot", "One.", "", "alice", activate=True)
    v2 = await service.publish("bot", "Two.", "", "alice", canary_share=0.1)
    assert (v2.state, v2.canary_share) == ("canary", 0.1)
    deployment = (await store.live("bot")).for_model(None)
    assert deployment.canary.id == v2.version.id and deployment.canary_started_at is not None

    v3 = await service.publish("bot", "Three.", "", "alice")
    with pytest.raises(PromptConflict, match="version 2 is already the canary"):
        await service.canary(v3.version.id, 0.2, "bob")
    with pytest.raises(PromptConflict, match="is the active version"):
        await service.canary(v1.version.id, 0.2, "bob")
    with pytest.raises(PromptConflict, match="not the canary"):
        await service.promote(v3.version.id, "bob")
    with pytest.raises(PromptConflict, match="is the canary: promote it"):
        await service.activate(v2.version.id, "bob")

    widened = await service.canary(v2.version.id, 0.5, "bob")
    assert widened.canary_share == 0.5
    assert (await store.live("bot")).for_model(None).canary_started_at == deployment.canary_started_at

    promoted = await service.promote(v2.version.id, "bob")
    assert promoted.state == "active"
    after = (await store.live("bot")).for_model(None)
    assert after.canary is None and after.previous.id == v1.version.id

    await service.canary(v3.version.id, 0.1, "bob")
    ended = await service.rollback(v3.version.id, "bob")
    assert ended.state == "inactive"
    assert (await store.live("bot")).for_model(None).active.id == v2.version.id

    actions = [action for action, _ in await audit_actions(engine)]
    assert actions == [
        "prompt.publish",
        "prompt.publish",  # v2, as a canary
        "prompt.publish",
        "prompt.canary",  # the share widened
        "prompt.promote",
        "prompt.canary",
        "prompt.canary_rollback",
    ]


async def test_publishing_a_version_active_ends_the_running_canary(service, store, engine):
    await service.publish("bot", "One.", "", "alice", activate=True)
    await service.publish("bot", "Two.", "", "alice", canary_share=0.1)

    v3 = await service.publish("bot", "Three.", "", "bob", activate=True)

    deployment = (await store.live("bot")).for_model(None)
    assert deployment.active.id == v3.version.id
    assert (deployment.canary, deployment.canary_share, deployment.canary_started_at) == (None, None, None)
    published = (await audit_records(engine))[-1]
    assert published["before"]["canary"]["number"] == 2
    assert (published["after"]["canary"], published["after"]["canary_share"]) == (None, None)


async def test_activating_a_version_ends_the_running_canary(service, store):
    v1 = await service.publish("bot", "One.", "", "alice", activate=True)
    await service.publish("bot", "Two.", "", "alice", activate=True)
    await service.publish("bot", "Three.", "", "alice", canary_share=0.2)

    await service.activate(v1.version.id, "bob")

    deployment = (await store.live("bot")).for_model(None)
    assert deployment.active.id == v1.version.id and deployment.canary is None


async def test_mode_is_set_with_a_version_or_on_its_own(service, engine):
    await service.publish("bot", "One.", "", "alice", mode="replace", activate=True)
    assert (await service.list("bot")).mode == "replace"

    listing = await service.set_mode("bot", "append", "bob")

    assert listing.mode == "append"
    records = await audit_records(engine)
    assert records[-1]["action"] == "prompt.mode"
    assert (records[-1]["before"], records[-1]["after"]) == ({"mode": "replace"}, {"mode": "append"})


async def test_diff_between_two_versions(service):
    v1 = await service.publish("bot", "Be kind.\nAnswer in English.", "", "alice")
    v2 = await service.publish("bot", "Be kind.\nAnswer in French.\nCite the fee table.", "", "alice")

    diff = await service.diff(v1.version.id, v2.version.id)

    assert diff.diff.splitlines() == [
        "--- bot v1",
        "+++ bot v2",
        "@@ -1,2 +1,3 @@",
        " Be kind.",
        "-Answer in English.",
        "+Answer in French.",
        "+Cite the fee table.",
    ]
    with pytest.raises(VersionNotFound) as missing:
        await service.diff(v1.version.id, "nope")
    assert missing.value.field == "to"


async def test_a_diff_names_the_model_of_a_model_specific_version(service):
    app_wide = await service.publish("bot", "Be kind.", "", "alice")
    for_gpt4o = await service.publish("bot", "Be formal.", "", "alice", model="gpt-4o")

    diff = await service.diff(app_wide.version.id, for_gpt4o.version.id)

    # Both are number 1 (numbers count per model): only the model tells the reader which is which.
    assert diff.diff.splitlines()[:2] == ["--- bot v1", "+++ bot gpt-4o v1"]


async def test_bad_input_names_the_field(service):
    cases = [
        ({"app": " ", "text": "x"}, "app"),
        ({"app": "bot", "text": ""}, "text"),
        ({"app": "bot", "text": "\u200b\u3000"}, "text"),
        ({"app": "bot", "text": "x", "mode": "sideways"}, "mode"),
        ({"app": "bot", "text": "x", "canary_share": 1.0}, "canary_share"),
        ({"app": "bot", "text": "x", "canary_share": 0.1, "activate": True}, "canary_share"),
        ({"app": "bot", "text": "x", "model": "m" * 201}, "model"),
    ]
    for arguments, field in cases:
        with pytest.raises(InvalidQuery) as refused:
            await service.publish(message="", author="alice", **arguments)
        assert refused.value.field == field


async def test_a_failed_change_writes_nothing(service, engine):
    v1 = await service.publish("bot", "One.", "", "alice", activate=True)
    before = await revisions(engine, "prompts")

    with pytest.raises(PromptConflict):
        await service.activate(v1.version.id, "bob")

    assert await revisions(engine, "prompts") == before
    assert len(await audit_actions(engine)) == 1
