"""An end user's correction of one of several choices (`n` > 1) is paired with that choice (both databases).

The app asked for three choices and showed them; the end user corrected the second (`choice: 1`).
A preference pair must reject that choice, not the first, and `jsonl` says which choice it was.
"""

from __future__ import annotations

import json
from typing import Any

APP = {"authorization": "Bearer sk-choices-app"}
QUESTION = "Which card fits me?"
CHOICES = [f"Echo: {QUESTION}", f"Echo: {QUESTION} (choice 1)", f"Echo: {QUESTION} (choice 2)"]
CORRECTION = "The student card: it has no fee."


async def corrected(client, **named: Any) -> str:
    """An answer of three choices, corrected by its end user (naming a choice when `named` says one)."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": QUESTION}], "n": 3}
    response = await client.post("/v1/chat/completions", json=body, headers=APP)
    assert response.status_code == 200, response.text
    interaction_id = response.headers["x-feedgate-interaction-id"]
    feedback = {"interaction_id": interaction_id, "thumbs": "down", "correction": CORRECTION, **named}
    posted = await client.post("/v1/feedback", json=feedback, headers=APP)
    assert posted.status_code == 201, posted.text
    return interaction_id


async def export(client, admin_headers, export_format: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/export?format={export_format}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines()]


async def test_a_correction_of_a_later_choice_rejects_that_choice(client, admin_headers, fake_upstream):
    await corrected(client, choice=1)

    [pair] = await export(client, admin_headers, "preference")

    assert pair["non_preferred_output"] == [{"role": "assistant", "content": CHOICES[1]}]
    assert pair["preferred_output"] == [{"role": "assistant", "content": CORRECTION}]


async def test_the_jsonl_example_says_which_choice_was_corrected(client, admin_headers, fake_upstream):
    await corrected(client, choice=2)

    [example] = await export(client, admin_headers, "jsonl")

    assert (example["choice"], example["original"], example["preferred"]) == (2, CHOICES[2], CORRECTION)


async def test_a_correction_naming_no_choice_rejects_the_first(client, admin_headers, fake_upstream):
    await corrected(client)

    [pair] = await export(client, admin_headers, "preference")

    assert pair["non_preferred_output"] == [{"role": "assistant", "content": CHOICES[0]}]
