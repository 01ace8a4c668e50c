"""A page's filter box holding only blank characters (gateway/domain/blank_text.py: zero-width and ideographic spaces
too) is no filter, as an empty box is: the page lists what it lists unfiltered. str.strip kept U+200B, so the pages
filtered by it and listed nothing. (The API refuses a blank filter, 400: a client sent it on purpose.)"""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from overview_seed import issue_runs
from page_seed import interaction_row, store

from gateway.accounts.records import Role
from gateway.store.knowledge import EntryFilter

# Each says nothing by the one rule; str.strip keeps all but the last.
BLANKS = ["\u200b", "\u2060\ufeff", " \u200d\u3000"]


def interaction_ids(html: str) -> set[str]:
    return {
        row.attrs["data-interaction-id"] for row in parse(html).find_all("tr") if "data-interaction-id" in row.attrs
    }


def issue_ids(html: str) -> set[str]:
    rows = parse(html).find("table", id="issues").find_all("tr")
    return {row.attrs["data-issue-id"] for row in rows if "data-issue-id" in row.attrs}


def entry_titles(html: str) -> set[str]:
    return {row.find("a").text for row in parse(html).find(data_testid="entries").find_all("tr")[1:]}


@pytest.mark.parametrize("name", ["app", "model"])
@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_interactions_filter_lists_every_interaction(browser_as, gateway, name, blank):
    ids = await store(gateway, interaction_row("Fee?", "2%.", app="shop"), interaction_row("Hi?", "Hi.", app="bank"))
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get("/admin/interactions", params={name: blank})

    assert answer.status_code == 200
    assert interaction_ids(answer.text) == set(ids)


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_search_on_the_interactions_page_lists_every_interaction(browser_as, gateway, blank):
    ids = await store(gateway, interaction_row("Fee?", "2%."), interaction_row("Hi?", "Hi."))
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get("/admin/interactions", params={"q": blank})

    assert answer.status_code == 200
    assert interaction_ids(answer.text) == set(ids)


@pytest.mark.parametrize("name", ["app", "q", "tag"])
@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_knowledge_filter_lists_every_entry(browser_as, gateway, name, blank):
    service = gateway.services.knowledge.service
    await service.create("shop", "Fees", "Two percent.", tags=["fees"], author="test")
    await service.create("bank", "Hours", "Nine to five.", author="test")
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get("/admin/knowledge", params={name: blank})

    assert answer.status_code == 200
    assert entry_titles(answer.text) == {"Fees", "Hours"}


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_knowledge_filter_leaves_its_box_empty(browser_as, gateway, blank):
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/knowledge", params={"app": blank})).text)

    assert page.find("form", data_testid="search").find("input", name="app").attrs.get("value", "") == ""


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_app_on_the_issues_list_lists_every_apps_issues(browser_as, gateway, blank):
    engine = gateway.services.engine
    shop = await issue_runs(engine, "shop", "Fees", [3])
    bank = await issue_runs(engine, "bank", "Hours", [2])
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get("/admin/issues", params={"app": blank})

    assert answer.status_code == 200
    assert issue_ids(answer.text) == {shop, bank}


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_refused_issues_list_shows_a_blank_app_as_every_app(browser_as, gateway, blank):
    await issue_runs(gateway.services.engine, "shop", "Fees", [3])
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get("/admin/issues", params={"app": blank, "page": "zero"})

    assert answer.status_code == 400
    select = parse(answer.text).find("form", id="issue-filters").find("select", name="app")
    chosen = [option.attrs["value"] for option in select.find_all("option") if "selected" in option.attrs]
    assert chosen in ([], [""])


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_app_on_the_prompts_page_is_no_app_chosen(browser_as, gateway, blank):
    await gateway.services.prompts.service.publish("bot", "Be brief.", "first", "test", activate=True)
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get("/admin/prompts", params={"app": blank})

    # As with no app: the one app there is opens, its versions listed.
    assert answer.status_code == 200
    assert parse(answer.text).find(data_testid="versions") is not None


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_app_in_the_review_queue_lists_every_apps_tasks(browser_as, gateway, blank):
    viewer = await browser_as("vic", Role.VIEWER)

    answer = await viewer.get("/admin/reviews", params={"app": blank})

    assert answer.status_code == 200
    assert parse(answer.text).find("input", name="app").attrs.get("value", "") == ""


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_blank_tag_between_commas_is_left_out_of_a_new_entry(browser_as, gateway, blank):
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get("/admin/knowledge")).text)
    form = {"app": "shop", "title": "Fees", "content": "Two percent.", "tags": f"fees,{blank}, refunds"}

    made = await rita.post("/admin/knowledge", data={**form, "active": "on", "csrf_token": token})

    assert made.status_code == 303, made.text
    [entry] = (await gateway.services.knowledge.service.list(EntryFilter(), 10, 0)).data
    assert list(entry.tags) == ["fees", "refunds"]


@pytest.mark.parametrize("blank", BLANKS)
async def test_publishing_for_a_blank_app_is_a_400_naming_the_app_box(browser_as, gateway, blank):
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get("/admin/prompts")).text)
    form = {"app": blank, "text": "Be brief.", "message": "first", "rollout": "active", "csrf_token": token}

    refused = await rita.post("/admin/prompts/publish", data=form)

    assert refused.status_code == 400
    assert parse(refused.text).find(data_testid="error").text.startswith("“App” is blank")


@pytest.mark.parametrize("blank", BLANKS)
async def test_setting_the_mode_of_a_blank_app_is_a_400_saying_it_is_blank(browser_as, gateway, blank):
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get("/admin/prompts")).text)

    refused = await rita.post("/admin/prompts/mode", data={"app": blank, "mode": "replace", "csrf_token": token})

    assert refused.status_code == 400
    assert "is blank" in parse(refused.text).find(data_testid="error").text
