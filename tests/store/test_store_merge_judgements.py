"""The merge judge's answers kept in the database (gateway/store/merge_judgements.py)."""

from gateway.privacy.retention import DEFAULT_JUDGEMENT_LIFETIME
from gateway.store.merge_judgements import MergeJudgementStore


async def test_kept_answers_are_read_back_by_their_question(engine):
    store = MergeJudgementStore(engine, DEFAULT_JUDGEMENT_LIFETIME)

    await store.keep("judge", {"a" * 64: True, "b" * 64: False})

    assert await store.answers(["a" * 64, "b" * 64, "c" * 64]) == {"a" * 64: True, "b" * 64: False}


async def test_an_answer_kept_before_stays_when_the_question_is_kept_again(engine):
    store = MergeJudgementStore(engine, DEFAULT_JUDGEMENT_LIFETIME)
    await store.keep("judge", {"a" * 64: True})

    await store.keep("judge", {"a" * 64: False})

    assert await store.answers(["a" * 64]) == {"a" * 64: True}


async def test_no_questions_read_nothing(engine):
    assert await MergeJudgementStore(engine, DEFAULT_JUDGEMENT_LIFETIME).answers([]) == {}
