"""The way back to the Issues list as it was filtered survives a fix preview: issue page → previews → the preview sent
→ its page → made live → the issue page again, every breadcrumb, link, form and redirect keeping `back`."""

from __future__ import annotations

from html_page import csrf_token_of, parse
from preview_seed import make_live, seed_issue
from test_list_back_pages import backs_carried, crumb

from gateway.accounts.records import Role

FILTERED = "q=fee&sort=growth&page=2"
BACK = "back=q%3Dfee%26sort%3Dgrowth%26page%3D2"
PROMPT_FORM = {"kind": "prompt", "text": "Tell users: The transfer fee is 1%.", "limit": "1"}


async def sent_with_back(http, issue_id: str, **fields: str):
    """The previews page opened with the way back, and one of its forms sent with its hidden `back`."""
    page = await http.get(f"/admin/issues/{issue_id}/previews?{BACK}")
    return await http.post(
        f"/admin/issues/{issue_id}/previews",
        data={"csrf_token": csrf_token_of(page.text), **fields, "back": FILTERED},
    )


async def test_the_issue_pages_preview_link_carries_the_way_back(gateway, client, signed_in_as, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    viewer = await signed_in_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}?{BACK}")).text)

    assert page.find("a", data_testid="preview-a-fix").attrs["href"] == f"/admin/issues/{issue_id}/previews?{BACK}"


async def test_the_previews_page_leads_back_to_the_filtered_list_and_its_forms_carry_it(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_id = (await sent_with_back(reviewer, issue_id, **PROMPT_FORM)).headers["location"].split("?")[0]

    answer = await reviewer.get(f"/admin/issues/{issue_id}/previews?{BACK}")

    page = parse(answer.text)
    assert crumb(answer.text) == f"/admin/issues?{FILTERED}"
    assert page.find("a", data_testid="issue-link").attrs["href"] == f"/admin/issues/{issue_id}?{BACK}"
    assert page.find("table", data_testid="previews").find("a").attrs["href"] == f"{preview_id}?{BACK}"
    for form in ("preview-knowledge-form", "preview-prompt-form"):
        assert page.find("form", id=form).find("input", name="back").attrs["value"] == FILTERED


async def test_a_preview_sent_leads_to_its_page_with_the_way_back(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    sent = await sent_with_back(reviewer, issue_id, **PROMPT_FORM)

    assert sent.status_code == 303, sent.text
    path, query = sent.headers["location"].split("?")
    assert path.startswith("/admin/previews/") and query == BACK


async def test_a_refused_preview_form_keeps_the_way_back(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    refused = await sent_with_back(reviewer, issue_id, **{**PROMPT_FORM, "limit": "500"})

    assert refused.status_code == 400
    assert crumb(refused.text) == f"/admin/issues?{FILTERED}"
    assert (
        parse(refused.text).find("form", id="preview-prompt-form").find("input", name="back").attrs["value"] == FILTERED
    )


async def test_the_preview_page_leads_back_to_the_filtered_list_and_its_links_and_form_carry_it(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = (await sent_with_back(reviewer, issue_id, **PROMPT_FORM)).headers["location"].split("?")[0]
    preview_id = preview_path.rsplit("/", 1)[1]

    answer = await reviewer.get(f"{preview_path}?{BACK}")

    page = parse(answer.text)
    assert crumb(answer.text) == f"/admin/issues?{FILTERED}"
    assert page.find("a", data_testid="issue-link").attrs["href"] == f"/admin/issues/{issue_id}?{BACK}"
    assert page.find("a", data_testid="previews-link").attrs["href"] == f"/admin/issues/{issue_id}/previews?{BACK}"
    again = page.find("a", data_testid="preview-again").attrs["href"]
    assert again == f"/admin/issues/{issue_id}/previews?from={preview_id}&{BACK}#preview-prompt-form"
    assert page.find("form", id="make-live-form").find("input", name="back").attrs["value"] == FILTERED


async def test_making_it_live_returns_to_the_issue_with_the_way_back(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = (await sent_with_back(reviewer, issue_id, **PROMPT_FORM)).headers["location"].split("?")[0]

    made = await make_live(reviewer, preview_path, message="state the fee", back=FILTERED)

    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"/admin/issues/{issue_id}?done=fixed&{BACK}"
    assert crumb((await reviewer.get(made.headers["location"])).text) == f"/admin/issues?{FILTERED}"


async def test_a_refused_make_live_keeps_the_way_back(gateway, client, signed_in_as, fake_upstream, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = (await sent_with_back(reviewer, issue_id, **PROMPT_FORM)).headers["location"].split("?")[0]

    refused = await make_live(reviewer, preview_path, rollout="canary", canary_percent="150", back=FILTERED)

    assert refused.status_code == 400
    assert crumb(refused.text) == f"/admin/issues?{FILTERED}"
    assert parse(refused.text).find("form", id="make-live-form").find("input", name="back").attrs["value"] == FILTERED


async def test_a_back_the_issue_list_would_refuse_is_dropped_from_the_preview_pages(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = (await sent_with_back(reviewer, issue_id, **PROMPT_FORM)).headers["location"].split("?")[0]

    pages = [
        await reviewer.get(f"/admin/issues/{issue_id}/previews?back=status%3Dbogus"),
        await reviewer.get(f"{preview_path}?back=status%3Dbogus"),
    ]

    assert [crumb(page.text) for page in pages] == ["/admin/issues"] * 2
    assert [backs_carried(page.text) for page in pages] == [[], []]
