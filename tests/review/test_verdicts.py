"""What a reviewer's decision holds of its answer (gateway.review.verdicts), and the SQL that follows it.

One rule for the training-data export, the calibration and the suggested actions: a correction that says nothing
(blank, or only redaction's replacements) gives no right answer, so its decision judges as a rejection does.
"""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from gateway.review.verdicts import JUDGED_WRONG, Verdict, correction_says_something, verdict_of
from gateway.store.label_filters import says_something

CORRECTIONS = {
    "words": ("The fee is 1%.", True),
    "words beside a replacement": ("Write to [redacted:email].", True),
    "blank": ("  \u200b\u00a0", False),
    "replacements only": ("[redacted:email] [redacted:phone]", False),
}


@pytest.mark.parametrize(
    ("outcome", "correction", "verdict"),
    [
        ("approve", None, Verdict.RIGHT),
        ("reject", None, Verdict.WRONG),
        ("correct", "The fee is 1%.", Verdict.CORRECTED),
        ("correct", "\u200b", Verdict.WRONG),
        ("correct", "[redacted:email]", Verdict.WRONG),
    ],
)
def test_a_decisions_verdict(outcome, correction, verdict):
    assert verdict_of(outcome, correction) is verdict


def test_every_outcome_but_approve_holds_the_answer_wrong():
    assert set(JUDGED_WRONG) == {"reject", "correct"}


@pytest.mark.parametrize("name", CORRECTIONS)
def test_whether_a_correction_says_something(name):
    text, said = CORRECTIONS[name]

    assert correction_says_something(text) is said


async def test_the_stores_sql_reads_corrections_as_the_rule_does(engine):
    async with engine.connect() as connection:
        by_sql = {
            name: bool((await connection.execute(select(says_something(literal(text))))).scalar_one())
            for name, (text, _) in CORRECTIONS.items()
        }

    assert by_sql == {name: said for name, (_, said) in CORRECTIONS.items()}
