"""The fake upstream's background Responses, as the real openai SDK creates, polls, streams and cancels them."""

from __future__ import annotations

import openai
import pytest


def test_a_background_response_is_queued_then_completed_on_the_second_poll(client: openai.OpenAI) -> None:
    queued = client.responses.create(model="gpt-4o-mini", input="Cancel my card", background=True)

    first = client.responses.retrieve(queued.id)
    second = client.responses.retrieve(queued.id)

    assert (queued.status, queued.output, queued.background) == ("queued", [], True)
    assert (first.status, first.output) == ("in_progress", [])
    assert (second.status, second.output_text) == ("completed", "Echo: Cancel my card")


def test_a_background_response_streams_its_events_to_its_final_one(client: openai.OpenAI) -> None:
    queued = client.responses.create(model="gpt-4o-mini", input="Cancel my card", background=True)
    client.responses.retrieve(queued.id)

    events = list(client.responses.retrieve(queued.id, stream=True))

    assert events[0].type == "response.created"
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == "Echo: Cancel my card"


def test_a_cancelled_background_response_stays_cancelled(client: openai.OpenAI) -> None:
    queued = client.responses.create(model="gpt-4o-mini", input="Cancel my card", background=True)

    cancelled = client.responses.cancel(queued.id)

    assert cancelled.status == "cancelled"
    assert client.responses.retrieve(queued.id).status == "cancelled"


def test_a_completed_background_response_cannot_be_cancelled(client: openai.OpenAI) -> None:
    queued = client.responses.create(model="gpt-4o-mini", input="Cancel my card", background=True)
    client.responses.retrieve(queued.id)
    client.responses.retrieve(queued.id)

    with pytest.raises(openai.BadRequestError):
        client.responses.cancel(queued.id)


def test_an_unknown_response_id_is_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve("resp_never_made")
