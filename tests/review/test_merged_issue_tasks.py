"""A review task follows its issue's complaints when the issue is merged into another (by a person or a pass)."""

from __future__ import annotations

from sqlalchemy import update
from test_review_issue_rule import RULE, apply, issue_tasks, run, write

from gateway.config import Settings
from gateway.domain.issues import IssueService
from gateway.review.held_answer import HELD_KEY
from gateway.review.issue_rule import review_issues_after_run
from gateway.review.lifecycle import MERGE_ACTOR
from gateway.review.merged_issues import follow_merged_issues
from gateway.review.records import Status
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueStore
from gateway.store.tables import review_tasks


def merging_issues(engine, reviews) -> IssueService:
    """The issue service as the gateway wires it: a person's merge hands the merged issue's task on."""
    issues = IssueService(IssueStore(engine), IssueEditStore(engine))
    issues.add_merge_listener(lambda app: follow_merged_issues(reviews, issues, app))
    return issues


async def test_a_merged_issues_open_task_goes_to_the_issue_that_holds_its_complaints(engine, reviews):
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True)])
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)
    assert task.issue_id == "a"

    await merging_issues(engine, reviews).merge("a", "b", actor="ana")

    moved = await reviews.get(task.id)
    assert (moved.task.issue_id, moved.task.status) == ("b", Status.OPEN)
    event = moved.events[-1]
    assert (event.kind, event.actor, event.detail) == ("issue_merged", MERGE_ACTOR, {"was_issue": "a", "issue_id": "b"})


async def test_a_handed_over_task_keeps_its_reviewers_claim(engine, reviews):
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True)])
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)
    await reviews.claim(task.id, "rita")

    await merging_issues(engine, reviews).merge("a", "b", actor="ana")

    moved = (await reviews.get(task.id)).task
    assert (moved.issue_id, moved.status, moved.lease.holder) == ("b", Status.IN_PROGRESS, "rita")


async def test_when_the_issue_merged_into_has_its_own_open_task_the_other_is_dismissed_naming_it(engine, reviews):
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", RULE.min_size, is_new=True)])
    await apply(engine, reviews, "r1")
    by_issue = {task.issue_id: task for task in await issue_tasks(reviews)}

    await merging_issues(engine, reviews).merge("a", "b", actor="ana")

    closed = await reviews.get(by_issue["a"].id)
    assert (closed.task.status, closed.task.issue_id) == (Status.DISMISSED, "a")
    event = closed.events[-1]
    assert (event.kind, event.actor) == ("dismissed", MERGE_ACTOR)
    assert (event.detail["issue_id"], event.detail["carried_on_by"]) == ("b", by_issue["b"].id)
    assert (await reviews.get(by_issue["b"].id)).task.status == Status.OPEN


async def test_a_task_follows_a_chain_of_merges_to_the_live_issue(engine, reviews):
    await run(
        engine,
        "r1",
        0,
        [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True), write("c", 3, is_new=True)],
    )
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)
    # Merged without the listener, as passes leave them: a into b, later b into c (a still names b).
    plain = IssueService(IssueStore(engine), IssueEditStore(engine))
    await plain.merge("a", "b", actor="ana")
    await plain.merge("b", "c", actor="ana")

    moved = await follow_merged_issues(reviews, plain, "support-bot")

    assert moved == 1
    assert (await reviews.get(task.id)).task.issue_id == "c"


async def test_after_a_clustering_run_merged_issues_tasks_follow_even_with_the_issue_rule_off(engine, reviews, clock):
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True)])
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)
    await IssueService(IssueStore(engine), IssueEditStore(engine)).merge("a", "b", actor="ana")
    settings = Settings(review_issue_rule=False, review_second_opinion_share=0.0)

    await review_issues_after_run(engine, settings, "support-bot", "r1")

    assert (await reviews.get(task.id)).task.issue_id == "b"


async def test_a_task_holding_an_answer_an_app_may_wait_on_is_not_dismissed_by_a_merge(engine, reviews):
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", RULE.min_size, is_new=True)])
    await apply(engine, reviews, "r1")
    by_issue = {task.issue_id: task for task in await issue_tasks(reviews)}
    # As the review gate's evidence keeps a held answer (gateway.review.held_answer).
    async with engine.begin() as connection:
        await connection.execute(
            update(review_tasks)
            .where(review_tasks.c.id == by_issue["a"].id)
            .values(evidence={HELD_KEY: {"sha256": "0" * 64}})
        )

    await merging_issues(engine, reviews).merge("a", "b", actor="ana")

    assert (await reviews.get(by_issue["a"].id)).task.status == Status.OPEN


async def test_a_handed_over_tasks_reason_and_evidence_name_the_issue_it_went_to(engine, reviews):
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True)])
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)

    await merging_issues(engine, reviews).merge("a", "b", actor="ana")

    moved = (await reviews.get(task.id)).task
    assert moved.reason == f"{task.reason} Its issue was merged into \u201cb title\u201d."
    assert moved.evidence["issue"] == {"id": "b", "title": "b title"}
    assert (moved.evidence["merged_issue"]["id"], moved.evidence["merged_issue"]["size"]) == ("a", RULE.min_size)


async def test_a_task_merged_twice_notes_the_last_merge_only(engine, reviews):
    writes = [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True), write("c", 3, is_new=True)]
    await run(engine, "r1", 0, writes)
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)
    issues = merging_issues(engine, reviews)

    await issues.merge("a", "b", actor="ana")
    await issues.merge("b", "c", actor="ana")

    moved = (await reviews.get(task.id)).task
    assert moved.reason == f"{task.reason} Its issue was merged into \u201cc title\u201d."
    assert (moved.evidence["issue"]["id"], moved.evidence["merged_issue"]["id"]) == ("c", "a")


async def test_the_next_pass_in_which_the_issue_grew_tells_the_task_in_its_own_words(engine, reviews):
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True)])
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)
    await merging_issues(engine, reviews).merge("a", "b", actor="ana")

    await apply(
        engine, reviews, await run(engine, "r2", 1, [write("b", 3 + RULE.min_size + RULE.growth, is_new=False)])
    )

    told = (await reviews.get(task.id)).task
    assert told.reason.startswith("Issue \u201cb title\u201d has 18 complaints, 5 more")
    assert "merged" not in told.reason
    assert (told.evidence["issue"]["id"], "merged_issue" in told.evidence) == ("b", False)


async def test_a_pass_in_which_the_issue_did_not_grow_leaves_the_merge_note(engine, reviews):
    await run(engine, "r1", 0, [write("a", RULE.min_size, is_new=True), write("b", 3, is_new=True)])
    await apply(engine, reviews, "r1")
    [task] = await issue_tasks(reviews)
    await merging_issues(engine, reviews).merge("a", "b", actor="ana")
    merged = (await reviews.get(task.id)).task

    await apply(engine, reviews, await run(engine, "r2", 1, [write("b", 3, is_new=False)]))

    assert (await reviews.get(task.id)).task.reason == merged.reason
