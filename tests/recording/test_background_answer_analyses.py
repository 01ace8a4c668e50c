"""What was worked out of a background call's queued answer when it was stored is worked out again of the answer
that fills it: the redaction counts, the text search."""

from __future__ import annotations

from typing import Any

from gateway.privacy.redaction import BUILT_IN_RULES, Redactor
from gateway.store.interactions import InteractionFilter

from .test_background_answers import _response, _stored, create_call, later_answer

INSTRUCTIONS = "Answer as the bank. Escalations go to jane.doe@example.com."


def _echoing(status: str, text: str | None = None) -> dict[str, Any]:
    """The response as OpenAI's holds it: the create's instructions echoed, whatever its status."""
    return {**_response(status, text), "instructions": INSTRUCTIONS}


async def test_the_queued_answers_redactions_are_replaced_by_the_filled_answers(make_writer, store):
    writer = make_writer(store, redactor=Redactor(list(BUILT_IN_RULES)))
    create = create_call(response=_echoing("queued"))
    create.request = {**create.request, "instructions": INSTRUCTIONS}
    [queued] = await _stored(writer, store, create)

    await _stored(writer, store, later_answer(_echoing("completed", "Call +1 415 555 0100 to cancel.")))

    row = await store.get(create.id)
    assert queued["redactions"] == {"email": 2}  # the request's and the queued answer's
    assert row["redactions"] == {"email": 2, "phone": 1}  # the request's and the filled answer's


async def test_the_filled_answers_text_is_found_by_search(make_writer, store):
    writer = make_writer(store)
    create = create_call()
    await _stored(writer, store, create)

    await _stored(writer, store, later_answer(_response("completed", "Your card is cancelled.")))

    found = await store.list(InteractionFilter(text="cancelled"), 10)
    assert [row["id"] for row in found] == [create.id]
