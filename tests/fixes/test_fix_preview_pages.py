"""Fix previews in the admin pages: the candidate forms on an issue, the replay, and the answers side by side."""

from __future__ import annotations

import httpx
import pytest
from admin_helpers import PASSWORD, sign_in
from html_page import csrf_token_of, parse
from preview_seed import ENTRY, seed_issue

from gateway.accounts.records import Role


@pytest.fixture
async def signed_in_as(gateway):
    """Clients with their own cookies, signed in as a new user with the given role."""
    clients: list[httpx.AsyncClient] = []

    async def make(name: str, role: Role) -> httpx.AsyncClient:
        await gateway.services.accounts.create(name, role, PASSWORD, actor="test")
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://feedgate.test")
        clients.append(http)
        assert (await sign_in(http, name)).status_code == 303
        return http

    yield make
    for http in clients:
        await http.aclose()


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


async def test_a_reviewer_previews_an_entry_and_sees_old_and_new_answers_side_by_side(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    sent = await send_form(reviewer, issue_id, **KNOWLEDGE_FORM)

    assert sent.status_code == 303, sent.text
    page = await reviewer.get(sent.headers["location"])
    assert page.status_code == 200
    items = parse(page.text).find_all("section", data_testid="preview-item")
    assert len(items) == 2  # the two newest of three
    assert all(item.attrs["data-status"] == "replayed" for item in items)
    assert all("There is no fee." in item.text and "The transfer fee is 1%." in item.text for item in items)
    assert "It is 1%." in items[1].text  # the older one's user correction beside it
    stored = (await gateway.services.previews.for_issue(issue_id))[0]
    assert (stored.created_by, stored.candidate["example_questions"]) == ("rita", ENTRY["example_questions"])


async def test_the_issues_earlier_previews_are_listed_and_one_can_be_changed_and_sent_again(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    sent = await send_form(reviewer, issue_id, kind="prompt", text="Tell users: The transfer fee is 1%.", limit="1")
    preview_id = sent.headers["location"].rsplit("/", 1)[1]

    listing = parse((await reviewer.get(f"/admin/issues/{issue_id}/previews")).text)
    again = parse((await reviewer.get(f"/admin/issues/{issue_id}/previews?from={preview_id}")).text)

    rows = listing.find("table", data_testid="previews").find_all("tr")[1:]
    assert len(rows) == 1 and "Tell users: The transfer fee is 1%." in rows[0].text
    assert rows[0].find("a").attrs["href"] == f"/admin/previews/{preview_id}"
    prompt_form = again.find("form", id="preview-prompt-form")
    assert prompt_form.find("textarea", name="text").text == "Tell users: The transfer fee is 1%."
    assert prompt_form.find("input", name="limit").attrs["value"] == "1"


async def test_a_bad_candidate_comes_back_with_the_reason_and_the_text_kept(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    fake_upstream.app.reset()

    sent = await send_form(reviewer, issue_id, **{**KNOWLEDGE_FORM, "limit": "500"})

    assert sent.status_code == 400
    page = parse(sent.text)
    assert "from 1 to 50" in page.find(data_testid="error").text
    assert page.find("form", id="preview-knowledge-form").find("textarea", name="content").text == ENTRY["content"]
    assert fake_upstream.app.requests == []


async def test_a_viewer_reads_previews_but_cannot_run_one(gateway, client, signed_in_as, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    viewer = await signed_in_as("vic", Role.VIEWER)

    page = await viewer.get(f"/admin/issues/{issue_id}/previews")
    sent = await viewer.post(
        f"/admin/issues/{issue_id}/previews", data={"csrf_token": csrf_token_of(page.text), **KNOWLEDGE_FORM}
    )

    assert page.status_code == 200 and 'id="preview-knowledge-form"' not in page.text
    assert sent.status_code == 403
    assert await gateway.services.previews.for_issue(issue_id) == []


async def test_an_unknown_issue_or_preview_is_a_404_page(gateway, signed_in_as):
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    assert (await reviewer.get("/admin/issues/nope/previews")).status_code == 404
    assert (await reviewer.get("/admin/previews/nope")).status_code == 404


async def test_the_issue_page_leads_to_its_previews(gateway, client, signed_in_as, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    viewer = await signed_in_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    assert page.find("a", data_testid="preview-a-fix").attrs["href"] == f"/admin/issues/{issue_id}/previews"
