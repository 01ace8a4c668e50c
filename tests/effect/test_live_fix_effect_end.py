"""A live fix's after window ends when the fix stops serving: a prompt version rolled back (or replaced by another made
active), a knowledge entry switched off.

The after window ran on to `live_at` plus the before window's length whatever became of the fix, so once a prompt
engineer rolled a version back or retired an entry, the calls that no longer got it counted as "after the fix": by
hand, 8 answers right under the fix and 9 wrong after its rollback read as 53 % negative after it. The after window
now ends at the audit record of the change that stopped the fix, and the window note says so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from effect_seed import REFUND, seed_traffic
from test_canary_effect_end import AHEAD, measured_later, publish
from test_effect_api import H, issues_with_history, link

__all__ = ["measured_later"]


async def stop(client, admin_headers, path: str) -> datetime:
    """POST `path` (the change that stops the fix); the moment after it."""
    answer = await client.post(path, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    return datetime.now(UTC)


async def knowledge_fix(client, admin_headers, issue_id: str, live_at: datetime) -> str:
    entry = await client.post(
        "/api/kb", json={"app": "support-bot", "title": "Refunds", "content": "5 days."}, headers=admin_headers
    )
    assert entry.status_code == 201, entry.text
    fix = {"kind": "knowledge", "fix_id": entry.json()["id"], "live_at": live_at.isoformat()}
    await link(client, admin_headers, issue_id, fix)
    return f"/api/kb/{entry.json()['id']}/deactivate"


async def prompt_fix(client, admin_headers, issue_id: str, live_at: datetime, how: str) -> str:
    await publish(client, admin_headers, text="Be helpful.", active=True)
    version = await publish(client, admin_headers, active=True)
    await link(
        client, admin_headers, issue_id, {"kind": "prompt", "fix_id": version["id"], "live_at": live_at.isoformat()}
    )
    if how == "replaced":
        replacing = await publish(client, admin_headers, text="Refunds take a week.")
        return f"/api/prompts/{replacing['id']}/activate"
    return f"/api/prompts/{version['id']}/rollback"


STOPPED = {
    "rollback": "the fix was rolled back",
    "replaced": "the fix was replaced by another version made active",
    "knowledge": "the fix was switched off",
}


@pytest.mark.parametrize("how", ["rollback", "replaced", "knowledge"])
async def test_the_after_window_ends_when_the_fix_stops_serving(client, admin_headers, engine, measured_later, how):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=1)
    issue_id = await issues_with_history(engine, now)
    # Before the fix, and while it served: 20 of 40 negative, then 4 of 40.
    await seed_traffic(engine, REFUND, live_at - timedelta(days=1) + H, live_at - H, total=40, negative=20, positive=4)
    await seed_traffic(engine, REFUND, live_at + H, now - H, total=40, negative=4, positive=8)
    if how == "knowledge":
        path = await knowledge_fix(client, admin_headers, issue_id, live_at)
    else:
        path = await prompt_fix(client, admin_headers, issue_id, live_at, how)
    stopped = await stop(client, admin_headers, path)
    # After the fix stopped: its calls never had it, and went as badly as before it.
    await seed_traffic(engine, REFUND, stopped + H, now + AHEAD - 2 * H, total=40, negative=30, positive=0)

    change = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()["before_after"]

    assert (change["after"]["interactions"], change["after"]["negative"]) == (40, 4)
    until = datetime.fromisoformat(change["after"]["until"])
    assert now <= until <= stopped
    assert change["verdict"] == "negative rate fell from 50 % to 10 % (p < 0.001)"
    moment = until.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert change["window_note"].startswith(f"the after window ends at {moment}, when {STOPPED[how]}")


async def test_another_apps_rollback_leaves_the_after_window_whole(client, admin_headers, engine, measured_later):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=1)
    issue_id = await issues_with_history(engine, now)
    await prompt_fix(client, admin_headers, issue_id, live_at, "rollback")
    other = await publish(client, admin_headers, app="other-bot", active=True)
    await stop(client, admin_headers, f"/api/prompts/{other['id']}/rollback")

    change = (await client.get(f"/api/issues/{issue_id}/effect", headers=admin_headers)).json()["before_after"]

    assert datetime.fromisoformat(change["after"]["until"]) > now + AHEAD - 2 * H
    assert change["window_note"] is None
