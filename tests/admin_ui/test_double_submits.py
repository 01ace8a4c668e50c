"""A create form sent twice (a double click, a resend) makes one entry or one version, on both databases.

Each create form carries its own idempotency key; the second post of the same form answers as the
first did (the redirect to what it made), and the same key with other fields is refused (409) with a
fresh form holding what was typed.
"""

from __future__ import annotations

import asyncio

from html_page import parse

from gateway.accounts.records import Role
from gateway.store.knowledge import EntryFilter


async def form_fields(http, page: str, testid: str) -> dict[str, str]:
    """The hidden fields (CSRF token, form origin, idempotency key…) of the form `testid` on `page`."""
    form = parse((await http.get(page)).text).find("form", data_testid=testid)
    return {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input", type="hidden")}


ENTRY = {
    "app": "bot",
    "title": "Transfer fees",
    "content": "Transfers cost 1 %.",
    "example_questions": "",
    "tags": "",
    "active": "on",
}
VERSION = {"app": "bot", "text": "Be brief.", "message": "first", "rollout": "active"}


async def entry_titles(gateway) -> list[str]:
    page = await gateway.services.knowledge.service.list(EntryFilter(), limit=50)
    return [entry.title for entry in page.data]


async def test_the_new_entry_form_sent_twice_makes_one_entry(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    hidden = await form_fields(rita, "/admin/knowledge", "create-form")
    assert hidden.get("idempotency_key"), "the form carries its own idempotency key"

    first = await rita.post("/admin/knowledge", data={**hidden, **ENTRY})
    again = await rita.post("/admin/knowledge", data={**hidden, **ENTRY})

    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert await entry_titles(gateway) == ["Transfer fees"]


async def test_the_new_entry_form_sent_twice_at_once_makes_one_entry(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    hidden = await form_fields(rita, "/admin/knowledge", "create-form")

    answers = await asyncio.gather(*(rita.post("/admin/knowledge", data={**hidden, **ENTRY}) for _ in range(3)))

    assert [answer.status_code for answer in answers] == [303, 303, 303]
    assert len({answer.headers["location"] for answer in answers}) == 1
    assert await entry_titles(gateway) == ["Transfer fees"]


async def test_a_fresh_form_makes_another_entry(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    first = await form_fields(rita, "/admin/knowledge", "create-form")
    second = await form_fields(rita, "/admin/knowledge", "create-form")
    assert first["idempotency_key"] != second["idempotency_key"]

    assert (await rita.post("/admin/knowledge", data={**first, **ENTRY})).status_code == 303
    assert (await rita.post("/admin/knowledge", data={**second, **ENTRY})).status_code == 303

    assert await entry_titles(gateway) == ["Transfer fees", "Transfer fees"]


async def test_the_same_form_sent_again_with_other_text_is_refused_and_comes_back_fresh(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    hidden = await form_fields(rita, "/admin/knowledge", "create-form")
    assert (await rita.post("/admin/knowledge", data={**hidden, **ENTRY})).status_code == 303

    changed = await rita.post("/admin/knowledge", data={**hidden, **ENTRY, "title": "Card fees"})

    assert changed.status_code == 409
    page = parse(changed.text)
    assert "already sent" in page.find(data_testid="error").text
    form = page.find("form", data_testid="create-form")
    assert form.find("input", name="title").attrs["value"] == "Card fees"
    assert form.find("input", name="idempotency_key").attrs["value"] != hidden["idempotency_key"]
    assert await entry_titles(gateway) == ["Transfer fees"]


async def test_a_refused_form_keeps_its_key_so_its_resend_still_counts_once(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    hidden = await form_fields(rita, "/admin/knowledge", "create-form")

    refused = await rita.post("/admin/knowledge", data={**hidden, **ENTRY, "title": ""})
    assert refused.status_code == 400
    kept = parse(refused.text).find("form", data_testid="create-form").find("input", name="idempotency_key")
    assert kept.attrs["value"] == hidden["idempotency_key"]
    answers = [await rita.post("/admin/knowledge", data={**hidden, **ENTRY}) for _ in range(2)]

    assert [answer.status_code for answer in answers] == [303, 303]
    assert await entry_titles(gateway) == ["Transfer fees"]


async def version_numbers(gateway) -> list[int]:
    listing = await gateway.services.prompts.service.list("bot")
    return [item.version.number for item in listing.versions]


async def test_the_publish_form_sent_twice_makes_one_version(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    hidden = await form_fields(rita, "/admin/prompts?app=bot", "publish-form")
    assert hidden.get("idempotency_key"), "the form carries its own idempotency key"

    first = await rita.post("/admin/prompts/publish", data={**hidden, **VERSION})
    again = await rita.post("/admin/prompts/publish", data={**hidden, **VERSION})

    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert await version_numbers(gateway) == [1]


async def test_the_publish_form_sent_twice_at_once_makes_one_version(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    hidden = await form_fields(rita, "/admin/prompts?app=bot", "publish-form")

    answers = await asyncio.gather(*(rita.post("/admin/prompts/publish", data={**hidden, **VERSION}) for _ in range(3)))

    assert [answer.status_code for answer in answers] == [303, 303, 303]
    assert await version_numbers(gateway) == [1]


async def test_the_publish_form_sent_again_with_other_text_is_refused(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    hidden = await form_fields(rita, "/admin/prompts?app=bot", "publish-form")
    assert (await rita.post("/admin/prompts/publish", data={**hidden, **VERSION})).status_code == 303

    changed = await rita.post("/admin/prompts/publish", data={**hidden, **VERSION, "text": "Be briefer."})

    assert changed.status_code == 409
    page = parse(changed.text)
    assert "already sent" in page.find(data_testid="error").text
    form = page.find("form", data_testid="publish-form")
    assert form.find("textarea", name="text").text == "Be briefer."
    assert form.find("input", name="idempotency_key").attrs["value"] != hidden["idempotency_key"]
    assert await version_numbers(gateway) == [1]
