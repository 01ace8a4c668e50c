"""The issue rule inside a real clustering pass (as `feedgate cluster`, `worker` and `serve` run it)."""

from __future__ import annotations

import pytest
from interaction_rows import interaction_row
from review_seed import give_feedback

from clustering import SentenceTransformerEmbedder
from gateway.config import Settings
from gateway.discovery.job import run_clustering_pass
from gateway.review.records import Source
from gateway.review.service import review_service
from gateway.store.interactions import InteractionStore
from gateway.store.issues import IssueFilter, IssueStore
from gateway.store.reviews import ReviewFilter

REFUNDS = [
    ("How do I get a refund for my order?", "the refund never arrived in my account"),
    ("I want my money back for the broken blender", "still waiting for my refund after two weeks"),
    ("Where is the refund for my returned shoes?", "refund was promised but never paid"),
    ("Can I get a refund on my cancelled order?", "no refund yet, the money was not returned"),
]
PASSWORDS = [
    ("I forgot my password, how do I reset it?", "the password reset email never came"),
    ("How can I change my login password?", "password reset link does not work"),
    ("My password reset link expired", "cannot reset my password, the link is broken"),
    ("I am locked out and need a new password", "the reset password email is missing"),
]


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2, loaded once for this module."""
    return SentenceTransformerEmbedder()


async def complain(engine, complaints: list[tuple[str, str]]) -> None:
    """One interaction per (question, complaint), each with a thumbs-down carrying the complaint."""
    for question, complaint in complaints:
        row = interaction_row(question=question, answer="Here is some help.")
        await InteractionStore(engine).insert_many([row])
        interaction_id = row["id"]
        await give_feedback(engine, interaction_id, comment=complaint)


async def test_a_pass_opens_a_task_for_each_issue_that_reached_the_size(engine, database_url, embedder):
    await complain(engine, REFUNDS + PASSWORDS)
    settings = Settings(database_url=database_url, review_issue_min_size=4)

    summary = await run_clustering_pass(engine, settings, embedder)

    assert summary.apps[0].new_issues == 2
    tasks = (await review_service(engine, settings).list(ReviewFilter(), "queue", 10)).data
    issues = await IssueStore(engine).list(IssueFilter(), sort="size", limit=10)
    assert sorted(t.issue_id for t in tasks) == sorted(issue["id"] for issue in issues)
    assert {t.source for t in tasks} == {Source.ISSUE}
    assert all(t.interaction_count == 4 for t in tasks)


async def test_a_failing_rule_does_not_fail_the_pass(engine, database_url, embedder, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("review store unavailable")

    monkeypatch.setattr("gateway.review.issue_rule.apply_issue_rule", broken)
    await complain(engine, REFUNDS + PASSWORDS)
    settings = Settings(database_url=database_url, review_issue_min_size=4)

    summary = await run_clustering_pass(engine, settings, embedder)

    assert summary.apps[0].new_issues == 2
    assert "the issue rule failed" in caplog.text
    assert (await review_service(engine, settings).list(ReviewFilter(), "queue", 10)).data == ()
