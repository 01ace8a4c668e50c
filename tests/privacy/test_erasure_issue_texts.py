"""An issue made from an erased user's complaints keeps none of their words: title, summary, keywords, copies.

Keywords other remaining complaints also use stay (an aggregate over those complaints); words only
the erased user wrote go from the issue, its rename events and its review task.
"""

from __future__ import annotations

from issue_text_seed import (
    ALICE_COMMENT,
    ALICE_QUESTION,
    KEPT_KEYWORDS,
    KEYWORDS,
    alice_and_bob,
    complaint,
    give_feedback,
    holds_alices_words,
    issue_of,
    issue_task_for,
    issue_texts,
    task_blob,
)
from sqlalchemy import select

from clustering.documents import DEFAULT_RECIPE
from clustering.label import title_from_keywords
from gateway.privacy.erasure import erase_end_user
from gateway.store.issue_edits import IssueEditStore
from gateway.store.tables import issue_events

RECIPES = (DEFAULT_RECIPE,)


async def test_keywords_only_the_erased_user_wrote_leave_the_issue_and_shared_ones_stay(engine):
    issue_id = await issue_of(engine, list(await alice_and_bob(engine)), KEYWORDS)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert (await issue_texts(engine, issue_id))["keywords"] == KEPT_KEYWORDS


async def test_a_keyword_title_that_quoted_the_erased_user_is_made_again_from_the_keywords_left(engine):
    issue_id = await issue_of(engine, list(await alice_and_bob(engine)), KEYWORDS)
    assert holds_alices_words((await issue_texts(engine, issue_id))["title"])

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert (await issue_texts(engine, issue_id))["title"] == title_from_keywords(KEPT_KEYWORDS)


async def test_a_generated_summary_that_quotes_the_erased_user_goes_and_its_title_without_their_words_stays(engine):
    summary = "Customers at the Elm Street branch see card 4111 charged twice"
    issue_id = await issue_of(
        engine, list(await alice_and_bob(engine)), KEYWORDS, title="Cards charged twice", summary=summary
    )

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    texts = await issue_texts(engine, issue_id)
    assert (texts["title"], texts["summary"]) == ("Cards charged twice", None)


async def test_a_generated_title_that_quotes_the_erased_user_falls_back_to_the_keyword_title(engine):
    issue_id = await issue_of(
        engine, list(await alice_and_bob(engine)), KEYWORDS, title="Card 4111 charged twice", summary="Double charges"
    )

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    texts = await issue_texts(engine, issue_id)
    assert (texts["title"], texts["summary"]) == (title_from_keywords(KEPT_KEYWORDS), None)


async def test_a_generated_title_and_summary_without_the_erased_users_words_stay(engine):
    issue_id = await issue_of(
        engine, list(await alice_and_bob(engine)), KEYWORDS, title="Cards charged twice", summary="A double charge"
    )

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    texts = await issue_texts(engine, issue_id)
    assert (texts["title"], texts["summary"]) == ("Cards charged twice", "A double charge")


async def test_an_issue_left_without_members_keeps_none_of_the_erased_users_words(engine):
    alice = await complaint(engine, "alice", ALICE_QUESTION, ALICE_COMMENT)
    summary = "A customer at Elm Street was charged twice on card 4111"
    issue_id = await issue_of(engine, [alice], ["4111", "elm street", "card", "charged twice"], summary=summary)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    texts = await issue_texts(engine, issue_id)
    assert (texts["title"], texts["summary"], texts["keywords"]) == ("Unlabelled issue", None, [])


async def test_an_issue_left_without_members_loses_the_centroid_made_of_the_erased_vectors(engine):
    alice = await complaint(engine, "alice", ALICE_QUESTION, ALICE_COMMENT)
    issue_id = await issue_of(engine, [alice], ["4111", "card"])

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    texts = await issue_texts(engine, issue_id)
    assert (texts["centroid"], texts["admission_similarity"]) == (None, None)


async def test_an_issue_with_members_left_keeps_its_centroid(engine):
    issue_id = await issue_of(engine, list(await alice_and_bob(engine)), KEYWORDS)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert (await issue_texts(engine, issue_id))["centroid"] is not None


async def test_the_issue_task_keeps_none_of_the_erased_users_words_in_reason_evidence_tags_or_events(engine):
    alice, bob = await alice_and_bob(engine)
    await issue_of(engine, [alice, bob], KEYWORDS)
    task_id = await issue_task_for(engine, bob)
    assert holds_alices_words(await task_blob(engine, task_id))

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert not holds_alices_words(await task_blob(engine, task_id))


async def test_the_issue_task_keeps_the_keywords_the_remaining_complaints_share(engine):
    alice, bob = await alice_and_bob(engine)
    await issue_of(engine, [alice, bob], KEYWORDS)
    task_id = await issue_task_for(engine, bob)

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    blob = await task_blob(engine, task_id)
    assert all(keyword in blob for keyword in KEPT_KEYWORDS)


async def test_a_rename_event_loses_the_generated_title_that_quoted_the_erased_user(engine):
    issue_id = await issue_of(engine, list(await alice_and_bob(engine)), KEYWORDS)
    assert await IssueEditStore(engine).rename(issue_id, "Double charges", "rita")

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    async with engine.connect() as connection:
        query = select(issue_events.c.detail).where(issue_events.c.issue_id == issue_id)
        details = (await connection.execute(query)).scalars().all()
    assert details == [{"to": "Double charges", "by": "rita"}]
    assert (await issue_texts(engine, issue_id))["title"] == "Double charges"


async def test_words_of_feedback_the_user_gave_on_another_users_answer_leave_its_issue(engine):
    bob = await complaint(engine, "bob", "my card was charged twice", "double charge on my card")
    await give_feedback(engine, bob, "alice", "same here, card 4111 at the Elm Street branch")
    issue_id = await issue_of(engine, [bob], ["card", "double charge", "4111", "elm street"])

    await erase_end_user(engine, "alice", "dpo", RECIPES, via="test")

    assert (await issue_texts(engine, issue_id))["keywords"] == ["card", "double charge"]
