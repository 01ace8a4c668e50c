"""Issuing and revoking a gateway key is recorded in the audit log: who, which key, which app; never the key."""

from __future__ import annotations

from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.keys import GatewayKeyStore


async def test_issuing_a_key_is_audited_without_the_key(engine):
    key = await GatewayKeyStore(engine).issue("support-bot")

    [record] = await AuditStore(engine).list(AuditFilter(subject_type="gateway_key"), 10)

    assert (record.actor, record.action, record.subject_id, record.app) == ("cli", "key.create", key.id, "support-bot")
    assert key.raw_key not in str(record)


async def test_revoking_a_key_is_audited(engine):
    keys = GatewayKeyStore(engine)
    key = await keys.issue("support-bot")

    assert await keys.revoke(key.id)

    [latest, _] = await AuditStore(engine).list(AuditFilter(subject_type="gateway_key"), 10)
    assert (latest.action, latest.subject_id, latest.app, latest.after) == (
        "key.revoke",
        key.id,
        "support-bot",
        {"revoked": True},
    )


async def test_revoking_an_unknown_or_revoked_key_records_nothing(engine):
    keys = GatewayKeyStore(engine)
    key = await keys.issue("support-bot")
    await keys.revoke(key.id)

    assert not await keys.revoke(key.id)
    assert not await keys.revoke("no-such-key")
    assert len(await AuditStore(engine).list(AuditFilter(subject_type="gateway_key"), 10)) == 2
