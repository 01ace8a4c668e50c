"""An issue whose answers a fix could mend, for the fix-preview tests (API and pages)."""

from __future__ import annotations

import httpx
from effect_seed import make_issue
from html_page import csrf_token_of

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


async def send_form(http: httpx.AsyncClient, issue_id: str, **fields: str) -> httpx.Response:
    """Open the issue's preview page and send one of its forms with `fields`, as a browser would."""
    page = await http.get(f"/admin/issues/{issue_id}/previews")
    assert page.status_code == 200, page.text
    return await http.post(
        f"/admin/issues/{issue_id}/previews", data={"csrf_token": csrf_token_of(page.text), **fields}
    )


KNOWLEDGE_FORM = {
    "kind": "knowledge",
    "title": ENTRY["title"],
    "content": ENTRY["content"],
    "example_questions": "\r\n".join(ENTRY["example_questions"]),
    "limit": "2",
}


async def preview_of(http: httpx.AsyncClient, issue_id: str, **fields: str) -> str:
    """Run a preview through the issue's form; the preview page's path."""
    sent = await send_form(http, issue_id, **fields)
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


async def make_live(http: httpx.AsyncClient, preview_path: str, **fields: str) -> httpx.Response:
    """Send the preview page's make-live form with `fields`."""
    page = await http.get(preview_path)
    return await http.post(f"{preview_path}/live", data={"csrf_token": csrf_token_of(page.text), **fields})
