"""A NUL character (U+0000) in text for the knowledge base, prompts and issues: a 400 naming the field, never a 500.

PostgreSQL cannot store NUL in text or JSON (a 500 there before); SQLite stored it. The API and the
admin forms refuse it alike, on both stores, through the one rule in gateway.domain.stored_text.
"""

from __future__ import annotations

import httpx
import pytest
from html_page import csrf_token_of, parse
from overview_seed import issue_runs

from gateway.accounts.records import Role

NUL = "\u0000"
ENTRY = {"app": "bank", "title": "Fees", "content": "Transfers cost 1%.", "example_questions": ["Fee?"]}


async def post_form(http, path: str, **fields: str):
    token = csrf_token_of((await http.get("/admin/knowledge")).text)
    return await http.post(path, data={**fields, "csrf_token": token})


def refused_naming(response, field: str) -> bool:
    return response.status_code == 400 and f"{field} must not contain a NUL character" in response.text


def refused_labelling(response, label: str) -> bool:
    """A form's refusal names the field by its label (admin_ui.form_text.refusal_text)."""
    return response.status_code == 400 and f"“{label}” must not contain a NUL character" in response.text


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("title", {"title": f"t{NUL}nul"}),
        ("content", {"content": f"c{NUL}"}),
        ("example_questions[0]", {"example_questions": [f"q{NUL}"]}),
        ("app", {"app": f"a{NUL}"}),
    ],
)
async def test_creating_an_entry_with_a_nul_is_a_400_naming_the_field(client, admin_headers, field, change):
    response = await client.post("/api/kb", json={**ENTRY, **change}, headers=admin_headers)

    assert refused_naming(response, field), response.text


async def test_editing_an_entry_with_a_nul_is_a_400_naming_the_field(client, admin_headers):
    entry = (await client.post("/api/kb", json=ENTRY, headers=admin_headers)).json()

    response = await client.patch(f"/api/kb/{entry['id']}", json={"content": f"c{NUL}"}, headers=admin_headers)

    assert refused_naming(response, "content"), response.text


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("text", {"text": f"Be brief.{NUL}"}),
        ("message", {"message": f"m{NUL}"}),
        ("app", {"app": f"a{NUL}"}),
        ("model", {"model": f"gpt{NUL}"}),
    ],
)
async def test_publishing_a_prompt_with_a_nul_is_a_400_naming_the_field(client, admin_headers, field, change):
    body = {"app": "bank", "text": "Be brief.", **change}

    response = await client.post("/api/prompts", json=body, headers=admin_headers)

    assert refused_naming(response, field), response.text


async def test_setting_a_prompt_mode_for_an_app_with_a_nul_is_a_400_naming_the_app(client, admin_headers):
    response = await client.post("/api/prompts/mode", json={"app": f"a{NUL}", "mode": "append"}, headers=admin_headers)

    assert refused_naming(response, "app"), response.text


@pytest.mark.parametrize(
    ("field", "change"),
    [("title", {"title": f"t{NUL}"}), ("note", {"status": "resolved", "note": f"n{NUL}"})],
)
async def test_changing_an_issue_with_a_nul_is_a_400_naming_the_field(client, admin_headers, gateway, field, change):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refund delays", [2])

    response = await client.patch(f"/api/issues/{issue_id}", json=change, headers=admin_headers)

    assert refused_naming(response, field), response.text


@pytest.mark.parametrize(("label", "fields"), [("Title", {"title": f"t{NUL}"}), ("Content", {"content": f"c{NUL}"})])
async def test_the_knowledge_forms_refuse_a_nul_naming_the_field(browser_as, gateway, label, fields):
    rita = await browser_as("rita", Role.REVIEWER)
    entry = await gateway.services.knowledge.service.create("bot", "Fees", "1 %.", author="test")
    form = {"app": "bot", "title": "Fees", "content": "1 %.", **fields}

    created = await post_form(rita, "/admin/knowledge", **form)
    edited = await post_form(rita, f"/admin/knowledge/{entry.id}/edit", **form)

    assert refused_labelling(created, label) and refused_labelling(edited, label)
    assert label in parse(edited.text).find(data_testid="error").text


@pytest.mark.parametrize(
    ("label", "fields"),
    [
        ("Instructions", {"text": f"Be brief.{NUL}"}),
        ("What changed", {"message": f"m{NUL}"}),
        ("Model", {"model": f"g{NUL}"}),
    ],
)
async def test_the_prompt_publish_form_refuses_a_nul_naming_the_field(browser_as, label, fields):
    rita = await browser_as("rita", Role.REVIEWER)
    form = {"app": "bank", "text": "Be brief.", "rollout": "inactive", **fields}

    response = await post_form(rita, "/admin/prompts/publish", **form)

    assert refused_labelling(response, label), response.text


@pytest.mark.parametrize(
    ("action", "label", "fields"),
    [
        ("rename", "New title", {"title": f"t{NUL}"}),
        ("status", "Note", {"status": "resolved", "note": f"n{NUL}"}),
        ("review", "Reason", {"priority": "high", "reason": f"r{NUL}"}),
    ],
)
async def test_the_issue_forms_refuse_a_nul_naming_the_field(browser_as, gateway, action, label, fields):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refund delays", [2])
    rita = await browser_as("rita", Role.REVIEWER)

    response = await post_form(rita, f"/admin/issues/{issue_id}/{action}", **fields)

    assert refused_labelling(response, label), response.text


@pytest.mark.parametrize(
    "url",
    [
        "/api/kb?q=a%00",
        "/api/kb/a%00b",
        "/api/prompts?app=a%00",
        "/api/issues/a%00",
        "/api/interactions?app=a%00",
        "/api/feedback?app=a%00",
    ],
)
async def test_a_nul_anywhere_in_a_url_is_a_400(client, admin_headers, url):
    # Before any handler: PostgreSQL answered 500 for each of these, SQLite 200 or 404.
    response = await client.get(url, headers=admin_headers)

    assert response.status_code == 400
    assert "must not contain a NUL character" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/admin/knowledge?q=a%00", "/admin/interactions?app=a%00"])
async def test_a_nul_in_an_admin_pages_url_is_a_400_page(client, url):
    response = await client.get(url)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "must not contain a NUL character" in response.text
    assert '<a href="/admin">' in response.text


async def test_signing_in_with_a_nul_in_the_name_is_a_wrong_name_not_a_500(gateway, add_user):
    await add_user("ann", Role.ADMIN)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://feedgate.test")
    token = csrf_token_of((await http.get("/admin/sign-in")).text)

    response = await http.post("/admin/sign-in", data={"csrf_token": token, "name": f"ann{NUL}", "password": "x"})

    assert response.status_code == 401
    assert "Wrong user name or password (or the account is disabled: ask an admin)." in response.text


@pytest.mark.parametrize("action", ["role", "disable", "enable"])
async def test_the_user_forms_answer_a_name_with_a_nul_as_nobody(browser_as, action):
    admin = await browser_as("ann", Role.ADMIN)
    token = csrf_token_of((await admin.get("/admin/users/")).text)

    response = await admin.post(
        f"/admin/users/{action}", data={"csrf_token": token, "name": f"ann{NUL}", "role": "viewer"}
    )

    assert response.status_code == 400
    assert "no user called" in response.text


async def test_a_goal_for_an_app_with_a_nul_is_a_400_naming_the_app(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    fields = {"app": f"b{NUL}ot", "kind": "negative_rate_reduction", "reduction": "10", "months": "1"}

    response = await post_form(rita, "/admin/goals", **fields)

    assert refused_labelling(response, "App"), response.text
    assert await gateway.services.goals.goals() == []
