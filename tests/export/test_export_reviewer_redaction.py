"""With redaction on, a reviewer's correction reaches the training-data export redacted, as it was stored (both databases)."""

from __future__ import annotations

import json

import pytest
from export_seed import conversation, review, store_chat
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally, TrainingExport
from gateway.review.records import Outcome
from gateway.review.service import review_service
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

CORRECTION = "Ask alice@example.com for the refund."


async def exported_chat(engine: AsyncEngine) -> list[dict]:
    export = TrainingExport(TrainingExampleStore(engine))
    return [json.loads(line) async for line in export.lines(ExampleFilter(), ExportFormat.CHAT, ExportTally())]


@pytest.mark.parametrize(
    ("redaction", "preferred"),
    [(True, "Ask [redacted:email] for the refund."), (False, CORRECTION)],
    ids=["redaction on", "redaction off"],
)
async def test_the_export_carries_the_reviewers_correction_as_stored(engine, redaction, preferred):
    reviews = review_service(engine, Settings(redaction=redaction, review_second_opinion_share=0.0))
    reviewed = await store_chat(engine, "Who refunds me?", "Nobody.")
    await review(reviews, [reviewed], Outcome.CORRECT, correction=CORRECTION)

    lines = await exported_chat(engine)

    assert lines == [{"messages": [*conversation("Who refunds me?"), {"role": "assistant", "content": preferred}]}]
