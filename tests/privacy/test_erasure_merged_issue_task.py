"""A task handed over after a merge quotes two issues' titles (the merged one's in the rule's words, the other's in the
merge note) and keeps the merged issue's figures in its evidence: an erasure scrubs both, and the note stays."""

from __future__ import annotations

from issue_text_seed import KEYWORDS, alice_and_bob, complaint, holds_alices_words, issue_of, issue_task_for, task_blob
from review_copies_seed import reviews

from clustering.documents import DEFAULT_RECIPE
from gateway.domain.issues import IssueService
from gateway.privacy.erasure import erase_end_user
from gateway.review.merged_issues import follow_merged_issues
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueStore

RECIPES = (DEFAULT_RECIPE,)
NOTE = " Its issue was merged into \u201cRefunds late\u201d."


async def merged_task(engine) -> str:
    """The issue rule's task on an issue quoting alice, handed over to "Refunds late" by a person's merge; its id."""
    alice, bob = await alice_and_bob(engine)
    charged = await issue_of(engine, [alice, bob], KEYWORDS)
    task_id = await issue_task_for(engine, bob)
    carol = await complaint(engine, "carol", "my refund is late", "the refund is late")
    refunds = await issue_of(engine, [carol], ["refund", "late"], title="Refunds late")
    issues = IssueService(IssueStore(engine), IssueEditStore(engine))
    issues.add_merge_listener(lambda app: follow_merged_issues(reviews(engine), issues, app))
    await issues.merge(charged, refunds, actor="ana")
    assert holds_alices_words(await task_blob(engine, task_id))
    return task_id


async def test_a_handed_over_task_keeps_none_of_the_erased_users_words(engine):
    task_id = await merged_task(engine)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert not holds_alices_words(await task_blob(engine, task_id))


async def test_a_handed_over_tasks_merge_note_outlives_the_erasure(engine):
    task_id = await merged_task(engine)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert (await reviews(engine).get(task_id)).task.reason.endswith(NOTE)
