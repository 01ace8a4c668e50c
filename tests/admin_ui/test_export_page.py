"""/admin/export: the training-data export from the admin pages, the same file GET /api/export gives (SQLite and
PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from html_page import parse

from gateway.accounts.records import Role
from gateway.review.records import Outcome
from tests.export.export_seed import give_feedback, review, review_service, store_chat

# Every field of the form as a browser sends it untouched: each box empty, each select at its first choice.
UNTOUCHED = {"format": "chat", "app": "", "since": "", "until": "", "source": "", "fixes": "", "stored_after": ""}


async def seed(engine) -> None:
    """Examples of two apps and both sources."""
    corrected = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, corrected, correction="The fee is 1%.")
    reviewed = await store_chat(engine, "Is there a charge?", "No.", app="billing-bot")
    await review(review_service(engine), [reviewed], Outcome.APPROVE, app="billing-bot")


def api_query(form: dict[str, str]) -> dict[str, str]:
    """The form's options as GET /api/export takes them: a field left empty is an option left out."""
    return {name: value for name, value in form.items() if value}


async def test_the_page_offers_each_option_with_its_default(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/export")

    assert response.status_code == 200
    form = parse(response.text).find("form", action="/admin/export/download")
    assert form.attrs["method"] == "get"
    assert form.find("select", name="format").find("option", selected="").attrs["value"] == "chat"
    for name in ("source", "fixes"):
        assert form.find("select", name=name).find("option", selected="").attrs["value"] == ""
    assert [form.find("input", name=name).attrs["value"] for name in ("app", "since", "until", "stored_after")] == [
        ""
    ] * 4
    assert form.find("button", type="submit").text == "Download"


async def test_the_top_bar_leads_to_the_page(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin")

    assert parse(response.text).find("nav").find("a", href="/admin/export").text == "Export"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"format": "preference"},
        {"format": "jsonl", "app": "billing-bot"},
        {"format": "jsonl", "since": "2000-01-01T00:00", "until": "2999-01-01T00:00", "source": "end_user_correction"},
        {"format": "jsonl", "fixes": "without", "stored_after": "start"},
    ],
)
async def test_the_download_is_the_apis_file_for_the_same_options(browser_as, client, admin_headers, engine, options):
    await seed(engine)
    viewer = await browser_as("vic", Role.VIEWER)
    form = {**UNTOUCHED, **options}

    page = await viewer.get("/admin/export/download", params=form)
    api = await client.get("/api/export", params=api_query(form), headers=admin_headers)

    assert page.status_code == 200, page.text
    assert api.status_code == 200, api.text
    assert page.content != b""
    assert page.content == api.content
    assert page.headers["content-type"] == api.headers["content-type"] == "application/x-ndjson"


async def test_the_download_is_named_as_a_file_to_save(browser_as, engine):
    await seed(engine)
    viewer = await browser_as("vic", Role.VIEWER)

    page = await viewer.get("/admin/export/download", params={**UNTOUCHED, "format": "preference"})

    disposition = page.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="feedgate-preference-\d{8}T\d{6}Z\.jsonl"', disposition), disposition


async def test_a_following_downloads_name_carries_the_token_to_give_next(browser_as, client, admin_headers, engine):
    # A browser saving the file shows no header: the next token is in the name it saves it under.
    await seed(engine)
    viewer = await browser_as("vic", Role.VIEWER)

    page = await viewer.get("/admin/export/download", params={**UNTOUCHED, "stored_after": "start"})
    api = await client.get("/api/export", params={"format": "chat", "stored_after": "start"}, headers=admin_headers)

    token = api.headers["x-feedgate-next-stored-after"]
    assert page.headers["x-feedgate-next-stored-after"] == token
    disposition = page.headers["content-disposition"]
    assert re.fullmatch(rf'attachment; filename="feedgate-chat-\d{{8}}T\d{{6}}Z-next-{token}\.jsonl"', disposition)


async def test_a_refused_option_is_the_form_again_saying_what_to_fix_with_the_input_kept(browser_as, engine):
    await seed(engine)
    viewer = await browser_as("vic", Role.VIEWER)
    typed = {**UNTOUCHED, "format": "jsonl", "app": "billing-bot", "since": "last tuesday", "source": "human_review"}

    response = await viewer.get("/admin/export/download", params=typed)

    assert response.status_code == 400
    assert "content-disposition" not in response.headers
    page = parse(response.text)
    refusal = page.find(role="alert")
    assert refusal.text.startswith("“From (UTC)” must be an ISO 8601 date or time such as 2026-06-01")
    form = page.find("form", action="/admin/export/download")
    since = form.find("input", name="since")
    assert since.attrs["value"] == "last tuesday"
    assert since.attrs["aria-invalid"] == "true"
    assert since.attrs["aria-describedby"].split()[0] == refusal.attrs["id"]
    assert form.find("input", name="app").attrs["value"] == "billing-bot"
    assert form.find("select", name="format").find("option", selected="").attrs["value"] == "jsonl"
    assert form.find("select", name="source").find("option", selected="").attrs["value"] == "human_review"


async def test_a_token_with_a_time_range_is_refused_by_the_apis_rule(browser_as, client, admin_headers):
    viewer = await browser_as("vic", Role.VIEWER)
    typed = {**UNTOUCHED, "since": "2026-06-01T00:00", "stored_after": "start"}

    page = await viewer.get("/admin/export/download", params=typed)
    api = await client.get("/api/export", params=api_query(typed), headers=admin_headers)

    assert page.status_code == 400 and api.status_code == 400
    refusal = parse(page.text).find(role="alert").text
    assert refusal == "“Stored after” reads app, source and fixes only: leave out “From (UTC)”."
    assert api.json()["detail"] == "'stored_after' reads app, source and fixes only: leave out 'since'"


async def test_signed_out_the_download_leads_to_signing_in(client, engine):
    await seed(engine)

    response = await client.get("/admin/export/download", params=UNTOUCHED)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/sign-in?next=/admin/export/download")
    assert "content-disposition" not in response.headers
