"""An issue whose answers a fix could mend, for the fix-preview tests (API and pages)."""

from __future__ import annotations

from effect_seed import make_issue

QUESTIONS = [
    "What is the transfer fee to Spain?",
    "Is there a transfer fee for sending money?",
    "How big is the transfer fee?",
]
PASS_KEY = {"authorization": "Bearer sk-app-key"}
ENTRY = {
    "kind": "knowledge",
    "title": "Transfer fees",
    "content": "The transfer fee is 1% of the amount, at least 2 EUR.",
    "example_questions": ["What is the transfer fee?", "How much does a transfer cost?"],
}


async def seed_issue(gateway, client, model: str = "gpt-4o-mini") -> tuple[str, list[str]]:
    """Three wrong answers about the transfer fee, two corrected by their users, held by one issue.

    `model` is the one the app asked for, so its replays ask for it too (the fake upstream's "gated-" holds them).
    """
    ids = []
    for question in QUESTIONS:
        body = {"model": model, "messages": [{"role": "user", "content": question}]}
        answer = await client.post("/v1/chat/completions", json=body, headers=PASS_KEY)
        assert answer.json()["choices"][0]["message"]["content"] == "There is no fee."
        ids.append(answer.headers["x-feedgate-interaction-id"])
    await gateway.services.writer.flush()
    for interaction_id in ids[:2]:
        feedback = {"interaction_id": interaction_id, "thumbs": "down", "correction": "It is 1%."}
        assert (await client.post("/v1/feedback", json=feedback, headers=PASS_KEY)).status_code == 201
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    return await make_issue(gateway.services.engine, ids, "Transfer fee", app=app), ids
