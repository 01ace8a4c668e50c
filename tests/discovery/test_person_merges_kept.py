"""A person's merge survives later passes: the complaints they put in one issue stay in it."""

from __future__ import annotations

from datetime import UTC, datetime

from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints

from gateway.discovery.job import run_clustering_pass
from gateway.domain.issues import IssueService
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issue_records import IssueEvent, RunRecord
from gateway.store.issues import IssueFilter, IssueStore


async def issue_holding(store: IssueStore, interaction_id: str) -> dict:
    for issue in await store.list(IssueFilter(), sort="size", limit=100):
        detail = await store.get(issue["id"])
        if interaction_id in detail["member_ids"]:
            return detail
    raise AssertionError(f"no issue holds {interaction_id}")


async def refunds_merged_into_passwords(engine, job_settings, embedder) -> tuple[list[str], list[str], str, str]:
    """A pass finds refunds and passwords apart, then ana merges the refunds issue into the passwords one:
    (refund complaints, password complaints, the refunds issue's id, the passwords issue's id)."""
    refunds = await seed_complaints(engine, REFUNDS)
    passwords = await seed_complaints(engine, PASSWORDS)
    await run_clustering_pass(engine, job_settings, embedder)
    store = IssueStore(engine)
    refund_issue = (await issue_holding(store, refunds[0]))["id"]
    password_issue = (await issue_holding(store, passwords[0]))["id"]
    await IssueService(store, IssueEditStore(engine)).merge(refund_issue, password_issue, "ana")
    return refunds, passwords, refund_issue, password_issue


async def test_a_pass_knows_which_issues_a_person_merged_into(engine, job_settings, embedder):
    _, _, refund_issue, password_issue = await refunds_merged_into_passwords(engine, job_settings, embedder)

    merged_by_person = {issue.id: issue.merged_by_person for issue in await IssueStore(engine).tracked("support-bot")}

    assert merged_by_person == {password_issue: True, refund_issue: False}


async def test_a_passs_own_merge_binds_nothing(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS + PASSWORDS)
    await run_clustering_pass(engine, job_settings, embedder)
    store = IssueStore(engine)
    [issue_id, *_] = [issue.id for issue in await store.tracked("support-bot")]
    at = datetime.now(UTC)
    # What a pass records when it finds two issues' complaints in one cluster: a merge naming nobody.
    merge = IssueEvent(issue_id, "merge", {"merged": [issue_id, "another"]})
    await store.save_run(
        RunRecord(id="run-merge", app="support-bot", started_at=at, finished_at=at, items=0, noise=0, events=[merge])
    )

    assert not any(issue.merged_by_person for issue in await store.tracked("support-bot"))


async def test_complaints_a_person_merged_stay_in_one_issue_through_the_next_full_pass(engine, job_settings, embedder):
    refunds, passwords, refund_issue, password_issue = await refunds_merged_into_passwords(
        engine, job_settings, embedder
    )
    store = IssueStore(engine)

    later_refunds = await seed_complaints(engine, REFUNDS)
    shipping = await seed_complaints(engine, SHIPPING)
    summary = await run_clustering_pass(engine, job_settings, embedder)

    survivor = await issue_holding(store, passwords[0])
    assert survivor["id"] == password_issue
    assert set(refunds + passwords + later_refunds) <= set(survivor["member_ids"])
    assert (await store.get(refund_issue))["size"] == 0
    assert (await issue_holding(store, shipping[0]))["id"] not in {password_issue, refund_issue}
    assert summary.apps[0].new_issues == 1
