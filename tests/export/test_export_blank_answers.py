"""An approval of an answer that says nothing is no example, whatever blank characters it is made of (both databases).

"Says nothing" is one rule (gateway.domain.blank_text): the SQL that picks the labelled rows and the Python that
makes examples of them read it alike. An answer of Unicode whitespace (a no-break space, an em space, an
ideographic space) or zero-width characters said nothing as an answer of ASCII spaces does; the SQL trimmed only
the ASCII ones, so such an approval outranked the end users' corrections of the answer, and one of zero-width
spaces was written out as the preferred answer.
"""

from __future__ import annotations

import pytest
from export_seed import exported, give_feedback
from interaction_rows import interaction_row
from test_export_empty_choices import approve_choice, store_with_second_choice

from gateway.export.examples import ExampleSource
from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally
from gateway.store.interactions import InteractionStore
from gateway.store.training_examples import ExampleFilter

CORRECTION = "The student card: it has no fee."
BLANKS = {
    "ascii": " \t\n",
    "no-break space": "\u00a0",
    "em and ideographic spaces": "\u2003 \u3000",
    "zero-width space": "\u200b",
    "zero-width joiner and byte order mark": "\u200d\ufeff\n",
}


async def store_answer(engine, answer: str) -> str:
    row = interaction_row(question="Which card fits me?", answer=answer)
    await InteractionStore(engine).insert_many([row])
    return str(row["id"])


@pytest.mark.parametrize("blank", BLANKS.values(), ids=BLANKS.keys())
async def test_an_approval_of_a_blank_answer_is_no_example_and_leaves_the_end_users_correction(engine, blank):
    interaction_id = await store_answer(engine, blank)
    await give_feedback(engine, interaction_id, correction=CORRECTION)
    await approve_choice(engine, interaction_id, 0)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", CORRECTION)]


@pytest.mark.parametrize("blank", BLANKS.values(), ids=BLANKS.keys())
async def test_an_approval_of_a_blank_later_choice_is_no_example_and_leaves_the_end_users_correction(engine, blank):
    interaction_id = await store_with_second_choice(engine, {"content": blank})
    await give_feedback(engine, interaction_id, correction=CORRECTION, choice=1)
    await approve_choice(engine, interaction_id, 1)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", CORRECTION)]


async def test_an_approval_of_text_between_blanks_is_an_example_of_it(engine):
    answer = "\u200b\u00a0The student card.\u3000"
    interaction_id = await store_answer(engine, answer)
    await approve_choice(engine, interaction_id, 0)

    [example] = await exported(engine, ExportFormat.JSONL)

    assert (example["source"], example["preferred"]) == ("human_review", answer)


async def test_the_approvals_of_blank_answers_are_counted_in_the_summary(engine):
    for blank in ("", " ", "\u00a0", "\u200b"):
        await approve_choice(engine, await store_answer(engine, blank), 0)
    await approve_choice(engine, await store_with_second_choice(engine, {"content": None}), 1)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert (tally.rows, tally.no_example, tally.said_nothing) == (0, 0, 5)
    assert tally.summary() == (
        "wrote 0 lines from 0 labelled examples (none); 5 approvals left out: their answers said nothing and called no tool"
    )


@pytest.mark.parametrize(
    "where",
    [ExampleFilter(app="billing-bot"), ExampleFilter(source=ExampleSource.END_USER_CORRECTION)],
    ids=["another app", "end users' corrections"],
)
async def test_only_the_approvals_the_filter_selects_are_counted(engine, where):
    await approve_choice(engine, await store_answer(engine, "\u00a0"), 0)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, where, tally) == []
    assert tally.said_nothing == 0
