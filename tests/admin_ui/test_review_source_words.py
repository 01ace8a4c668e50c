"""The review pages say what opened a task in people's words (one mapping); the API keeps its values."""

from __future__ import annotations

from html_page import parse
from page_seed import interaction_row, store

from gateway.accounts.records import Role
from gateway.review.records import Priority, Source
from gateway.review.source_words import SOURCE_BECAUSE, SOURCE_WORDS, source_words


async def similar_negative_task(gateway) -> str:
    ids = await store(gateway, interaction_row("What is the fee?", "2 %"))
    opened = await gateway.services.reviews.open_or_update(
        app="support-bot",
        source=Source.SIMILAR_NEGATIVE,
        reason="4 of the 10 most similar recent answers got negative feedback",
        priority=Priority.MEDIUM,
        interaction_ids=ids,
        evidence={"neighbours": []},
    )
    return opened.task.task.id


def test_every_source_has_its_words():
    assert set(SOURCE_WORDS) == set(Source)
    assert set(SOURCE_BECAUSE) == set(Source)
    assert source_words("similar_negative") == "similar answers got thumbs-down"


async def test_the_queue_says_a_tasks_source_in_words(browser_as, gateway):
    task_id = await similar_negative_task(gateway)
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get("/admin/reviews")).text)

    [row] = page.find_all("tr", data_task_id=task_id)
    assert row.find("td", data_label="Source").text == "similar answers got thumbs-down"


async def test_the_queues_source_filter_offers_words_and_sends_the_value(browser_as, gateway):
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get("/admin/reviews?source=similar_negative")).text)

    option = page.find("select", name="source").find("option", value="similar_negative")
    assert option.text == "similar answers got thumbs-down"
    assert "selected" in option.attrs


async def test_the_task_page_says_its_source_in_words(browser_as, gateway):
    task_id = await similar_negative_task(gateway)
    vic = await browser_as("vic", Role.VIEWER)

    facts = parse((await vic.get(f"/admin/reviews/{task_id}")).text).find("dl", id="task-facts")

    said = dict(zip([dt.text for dt in facts.find_all("dt")], [dd.text for dd in facts.find_all("dd")], strict=False))
    assert said["Source"] == "similar answers got thumbs-down"


async def test_the_api_keeps_the_sources_value(gateway, client, admin_headers):
    task_id = await similar_negative_task(gateway)

    task = (await client.get(f"/api/reviews/{task_id}", headers=admin_headers)).json()

    assert task["source"] == "similar_negative"
