"""One bound and one message for a search: the knowledge base's, in its API listing and on its page, as the
interactions' (at most 200 characters, a 400 saying so), where the knowledge search took a query of any length."""

from __future__ import annotations

from html_page import parse

from gateway.accounts.records import Role
from gateway.domain.search_length import MAX_SEARCH_CHARS

TOO_LONG = "x" * (MAX_SEARCH_CHARS + 1)


async def test_the_knowledge_api_refuses_a_search_as_the_interactions_api_does(client, admin_headers):
    knowledge = await client.get("/api/kb", params={"q": TOO_LONG}, headers=admin_headers)
    interactions = await client.get("/api/interactions", params={"q": TOO_LONG}, headers=admin_headers)

    assert (knowledge.status_code, interactions.status_code) == (400, 400)
    assert knowledge.json()["extra"] == interactions.json()["extra"]
    assert knowledge.json()["extra"][0]["message"] == "a search may be at most 200 characters"


async def test_the_knowledge_api_takes_a_search_of_200_characters(client, admin_headers):
    response = await client.get("/api/kb", params={"q": "x" * MAX_SEARCH_CHARS}, headers=admin_headers)

    assert response.status_code == 200 and response.json()["data"] == []


async def test_the_knowledge_page_refuses_a_long_search_as_the_interactions_page_does(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    knowledge = await viewer.get("/admin/knowledge", params={"q": TOO_LONG})
    interactions = await viewer.get("/admin/interactions", params={"q": TOO_LONG})

    assert (knowledge.status_code, interactions.status_code) == (400, 400)
    said = [parse(answer.text).find(role="alert").text for answer in (knowledge, interactions)]
    assert said[0] == said[1] and "at most 200 characters" in said[0]


async def test_the_knowledge_search_box_keeps_a_refused_search_marked_and_stops_at_200(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/knowledge", params={"q": TOO_LONG})).text)

    box = page.find("form", data_testid="search").find("input", name="q")
    assert (box.attrs["value"], box.attrs["maxlength"]) == (TOO_LONG, str(MAX_SEARCH_CHARS))
    assert box.attrs["aria-invalid"] == "true"


async def test_a_refused_knowledge_search_lists_no_entries_under_its_refusal(browser_as, gateway):
    # Every entry was listed under the refusal, read as the search's results.
    await gateway.services.knowledge.service.create("bot", "Transfer fees", "Transfers cost 1 %.", author="test")
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/knowledge", params={"q": TOO_LONG})

    page = parse(response.text)
    assert response.status_code == 400
    assert not page.find_all(data_testid="entries") and "Transfer fees" not in response.text
    said = page.find(data_testid="no-entries").text
    assert "No entries listed" in said and "fix the search" in said
