"""A resolved issue whose negative rate climbs back after its fix is reopened and flagged `regressed`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from effect_seed import REFUND, make_issue, seed_traffic

from clustering.issue_status import IssueStatus
from gateway.config import Settings
from gateway.effect.links import FixLinkService
from gateway.effect.regression import check_regressions_after_run, reopen_regressed_issues
from gateway.store.audit import AuditFilter, AuditStore
from gateway.store.fix_links import FixLinkStore
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueStore
from gateway.store.tables import knowledge_entries

H = timedelta(hours=1)


async def resolved_issue_with_fix(engine, now: datetime, live_at: datetime) -> str:
    long_ago = now - timedelta(days=30)
    members = await seed_traffic(engine, REFUND[:4], long_ago, long_ago + H, 4, 4, 0)
    issue_id = await make_issue(engine, members, "refunds", status=IssueStatus.RESOLVED)
    entry = {
        "id": f"entry-{issue_id[-8:]}",
        "app": "support-bot",
        "title": "Refunds",
        "content": "5 days.",
        "example_questions": [],
        "tags": [],
        "active": True,
        "version": 1,
        "author": "ana",
        "created_at": now,
        "updated_at": now,
    }
    async with engine.begin() as connection:
        await connection.execute(knowledge_entries.insert().values(entry))
    await FixLinkService(FixLinkStore(engine), IssueEditStore(engine)).link_fix(
        issue_id, "knowledge", entry["id"], live_at=live_at, actor="ana"
    )
    return issue_id


async def test_a_rate_that_climbs_back_reopens_the_issue(engine, embedder, database_url):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=10)
    issue_id = await resolved_issue_with_fix(engine, now, live_at)
    # Windows of 5 days: right after the fix 3 of 40 negative; lately 20 of 40.
    await seed_traffic(engine, REFUND, live_at + H, live_at + timedelta(days=5) - H, total=40, negative=3, positive=10)
    await seed_traffic(engine, REFUND, now - timedelta(days=5) + H, now - H, total=40, negative=20, positive=5)

    reopened = await reopen_regressed_issues(
        engine, Settings(database_url=database_url), embedder, "support-bot", lambda: now
    )

    assert reopened == [issue_id]
    issue = await IssueStore(engine).get(issue_id)
    assert issue["status"] == "open" and issue["regressed"] is True
    event = issue["events"][-1]
    assert event["kind"] == "reopened" and event["detail"]["first_window"]["negative"] == 3
    assert event["detail"]["latest_window"]["negative"] == 20 and "climbed back" in event["detail"]["reason"]
    [record] = await AuditStore(engine).list(AuditFilter(action="issue.regressed"), limit=10)
    assert record.subject_id == issue_id and record.actor == "rule:effect-regression"
    # Checked again, an issue already reopened is left alone.
    assert (
        await reopen_regressed_issues(engine, Settings(database_url=database_url), embedder, "support-bot", lambda: now)
        == []
    )


async def test_a_steady_rate_leaves_the_issue_resolved(engine, embedder, database_url):
    now = datetime.now(UTC)
    live_at = now - timedelta(days=10)
    issue_id = await resolved_issue_with_fix(engine, now, live_at)
    await seed_traffic(engine, REFUND, live_at + H, live_at + timedelta(days=5) - H, total=40, negative=4, positive=10)
    await seed_traffic(engine, REFUND, now - timedelta(days=5) + H, now - H, total=40, negative=5, positive=10)
    settings = Settings(database_url=database_url)

    assert await reopen_regressed_issues(engine, settings, embedder, "support-bot", lambda: now) == []
    assert await check_regressions_after_run(engine, settings, embedder, "support-bot") == []
    assert (await IssueStore(engine).get(issue_id))["status"] == "resolved"


async def test_a_failing_check_never_fails_the_pass(engine, database_url):
    class BrokenEmbedder:
        model_name = "broken"

        def embed(self, texts):
            raise RuntimeError("model missing")

    now = datetime.now(UTC)
    await resolved_issue_with_fix(engine, now, now - timedelta(days=4))

    assert (
        await check_regressions_after_run(engine, Settings(database_url=database_url), BrokenEmbedder(), "support-bot")
        == []
    )


async def test_each_clustering_pass_checks_its_apps_for_regressions(engine, embedder, database_url, monkeypatch):
    from gateway.discovery import job

    checked = []

    async def recorder(engine, settings, embedder, app):
        checked.append(app)
        return []

    monkeypatch.setattr(job, "check_regressions_after_run", recorder)
    now = datetime.now(UTC)
    await seed_traffic(engine, REFUND, now - timedelta(days=1), now, total=6, negative=6, positive=0)

    await job.run_clustering_pass(engine, Settings(database_url=database_url), embedder)

    assert checked == ["support-bot"]
