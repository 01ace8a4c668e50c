"""The wait before a fix can be measured, said in the unit a person reads: "10 seconds", not "0.00277778 hours"."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from test_effect_api import issues_with_history, linked_kb_fix

from gateway.domain.spans import span_words
from gateway.effect.service import EffectService, effect_settings


def test_a_span_is_said_in_the_largest_unit_it_fills():
    assert span_words(timedelta(hours=1)) == "1 hour"
    assert span_words(timedelta(hours=36)) == "36 hours"
    assert span_words(timedelta(minutes=90)) == "1.5 hours"
    assert span_words(timedelta(minutes=5)) == "5 minutes"
    assert span_words(timedelta(seconds=10)) == "10 seconds"
    assert span_words(timedelta(seconds=1)) == "1 second"


async def test_a_fix_waiting_for_a_short_follow_up_says_it_in_seconds(gateway, client, admin_headers, engine, embedder):
    async def loaded():
        return embedder

    settings = dataclasses.replace(effect_settings(gateway.services.settings), follow_up=timedelta(seconds=10))
    gateway.services.effects = EffectService(engine, loaded, settings)
    now = datetime.now(UTC)
    issue_id = await issues_with_history(engine, now)
    await linked_kb_fix(client, admin_headers, issue_id, now - timedelta(seconds=2))

    effect = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()

    assert effect["reason"].startswith("the answers after the fix need 10 seconds to collect their feedback")
