"""Feedback under a valid token on an answer an erasure on request removed: 410 at once, not a minute's wait.

The token binds its end user (`x-feedgate-user` on the call). An erasure records that user's keyed hash with
its time (gateway.store.erased_users), and every call of theirs made before it is deleted or, still on its way,
never stored: a post whose interaction is not stored, under a token naming a user erased after the call began,
is about an erased answer. It waited up to 60 s for the answer to be stored and was then told "still streaming"
(409) or "no interaction" (404).
"""

from __future__ import annotations

import time

import pytest
import uuid_utils
from feedback_helpers import APP_KEY, error_of
from sqlalchemy import func, select

from gateway.feedback import posted_interaction
from gateway.privacy.erasure import erase_end_user
from gateway.store.tables import feedback

# The wait for an answer still streaming, shortened from its 60 s for the test; an erased answer is not waited for.
WAIT = 8.0
AT_ONCE = 4.0


@pytest.fixture(autouse=True)
def shorter_wait(monkeypatch):
    monkeypatch.setattr(posted_interaction, "STREAM_WAIT_SECONDS", WAIT)


async def timed(posting):
    """The answer to a post, and how long it took."""
    started = time.monotonic()
    posted = await posting
    return posted, time.monotonic() - started


async def stored_events(engine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(feedback)) or 0)


async def test_a_token_post_on_an_erased_answer_is_answered_410_at_once(answer, post_feedback, gateway, engine):
    given = await answer(user="carol")
    await gateway.services.writer.flush()
    await erase_end_user(engine, "carol", "dpo", [], via="test")

    posted, took = await timed(post_feedback({"thumbs": "down"}, token=given.token))

    assert posted.status_code == 410, posted.text
    assert took < AT_ONCE
    assert error_of(posted)["code"] == "interaction_erased"
    assert "erased" in error_of(posted)["message"]
    assert await stored_events(engine) == 0


async def test_a_call_still_streaming_when_its_user_was_erased_is_answered_410_at_once(post_feedback, gateway, engine):
    # A call of carol's that began before the erasure and was never stored (its writer dropped it after).
    streaming = str(uuid_utils.uuid7())
    token = gateway.services.feedback._tokens.sign(streaming, "carol")
    await erase_end_user(engine, "carol", "dpo", [], via="test")

    posted, took = await timed(post_feedback({"thumbs": "up"}, token=token))

    assert posted.status_code == 410, posted.text
    assert took < AT_ONCE
    assert error_of(posted)["code"] == "interaction_erased"


async def test_a_call_made_after_its_user_was_erased_is_still_waited_for(post_feedback, gateway, engine, monkeypatch):
    monkeypatch.setattr(posted_interaction, "VOUCHED_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(posted_interaction, "STREAM_WAIT_SECONDS", 0.3)
    await erase_end_user(engine, "carol", "dpo", [], via="test")
    # Carol came back: this call of hers began after the erasure and is still streaming.
    streaming = str(uuid_utils.uuid7())
    token = gateway.services.feedback._tokens.sign(streaming, "carol")

    posted = await post_feedback({"thumbs": "up"}, token=token)

    assert posted.status_code == 409, posted.text
    assert error_of(posted)["code"] == "interaction_in_progress"


async def test_an_app_post_naming_the_erased_user_of_a_young_answer_is_answered_410(
    answer, post_feedback, gateway, engine
):
    # The app posts with its own key a minute after the answer; carol was erased on request meanwhile.
    given = await answer(user="carol")
    await gateway.services.writer.flush()
    await erase_end_user(engine, "carol", "dpo", [], via="test")

    body = {"interaction_id": given.interaction_id, "thumbs": "down", "user_id": "carol"}
    posted = await post_feedback(body, key=APP_KEY)

    assert posted.status_code == 410, posted.text
    assert error_of(posted)["code"] == "interaction_erased"
    assert "not stored yet" not in error_of(posted)["message"]
    assert await stored_events(engine) == 0


async def test_an_app_post_naming_a_user_erased_before_the_call_began_is_still_not_found(
    post_feedback, gateway, engine
):
    await erase_end_user(engine, "carol", "dpo", [], via="test")
    # Carol came back: this call of hers began after the erasure and is still streaming.
    streaming = str(uuid_utils.uuid7())

    posted = await post_feedback({"interaction_id": streaming, "thumbs": "up", "user_id": "carol"}, key=APP_KEY)

    assert posted.status_code == 404, posted.text
    assert error_of(posted)["code"] == "interaction_not_found"


async def test_an_app_post_naming_no_user_on_an_erased_young_answer_is_told_it_may_be_erased(
    answer, post_feedback, gateway, engine
):
    # Nothing tells whose answer it was: the erasure record names users, not interactions. The 404 says both causes.
    given = await answer(user="carol")
    await gateway.services.writer.flush()
    await erase_end_user(engine, "carol", "dpo", [], via="test")

    posted = await post_feedback({"interaction_id": given.interaction_id, "thumbs": "down"}, key=APP_KEY)

    assert posted.status_code == 404, posted.text
    assert "erased" in error_of(posted)["message"]
    assert "'user_id'" in error_of(posted)["message"]


async def test_a_token_binding_nobody_on_an_answer_not_stored_is_told_it_may_have_been_erased(
    post_feedback, gateway, engine, monkeypatch
):
    # The call named carol in its body, not in x-feedgate-user: its token binds nobody, and the erasure record names
    # users, not interactions. Its answer is never stored; the post cannot tell that from a stream yet to end.
    monkeypatch.setattr(posted_interaction, "VOUCHED_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(posted_interaction, "STREAM_WAIT_SECONDS", 0.3)
    streaming = str(uuid_utils.uuid7())
    token = gateway.services.feedback._tokens.sign(streaming, None)
    await erase_end_user(engine, "carol", "dpo", [], via="test")

    posted = await post_feedback({"thumbs": "up"}, token=token)

    assert (posted.status_code, error_of(posted)["code"]) == (409, "interaction_in_progress")
    assert "still streaming" in error_of(posted)["message"]
    assert "erased" in error_of(posted)["message"]


async def test_a_token_binding_a_user_not_erased_is_told_only_that_its_answer_is_still_streaming(
    post_feedback, gateway, engine, monkeypatch
):
    # Its end user (the call's, named in x-feedgate-user) was not erased: the answer will be stored.
    monkeypatch.setattr(posted_interaction, "VOUCHED_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(posted_interaction, "STREAM_WAIT_SECONDS", 0.3)
    token = gateway.services.feedback._tokens.sign(str(uuid_utils.uuid7()), "dave")
    await erase_end_user(engine, "carol", "dpo", [], via="test")

    posted = await post_feedback({"thumbs": "up"}, token=token)

    assert (posted.status_code, error_of(posted)["code"]) == (409, "interaction_in_progress")
    assert "erased" not in error_of(posted)["message"]
