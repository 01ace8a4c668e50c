"""A refused search, filter or form is the same page again (400): what was typed stays, and the page says what to fix."""

from __future__ import annotations

from html_page import Element, csrf_token_of, parse
from overview_seed import issue_runs

from gateway.accounts.records import Role


def error_of(page: Element) -> str:
    return page.find(role="alert").text


def selected(page: Element, name: str) -> str | None:
    chosen = [option for option in page.find("select", name=name).find_all("option") if "selected" in option.attrs]
    return chosen[0].attrs["value"] if chosen else None


# Interactions


async def test_a_search_without_a_word_is_the_list_again_with_the_filters_as_typed(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/interactions?q=%25%25%25&app=support-bot&status=error")

    assert response.status_code == 400
    page = parse(response.text)
    assert page.find("input", name="q").attrs["value"] == "%%%"
    assert page.find("input", name="app").attrs["value"] == "support-bot"
    assert selected(page, "status") == "error"
    assert "Search" in error_of(page) and "at least one word" in error_of(page)


async def test_an_emoji_search_is_the_list_again_saying_what_a_search_needs(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/interactions?q=%F0%9F%98%A1")

    assert response.status_code == 400
    page = parse(response.text)
    assert page.find("input", name="q").attrs["value"] == "\N{POUTING FACE}"
    assert "at least one word of letters or digits" in error_of(page)


async def test_a_search_over_200_characters_keeps_it_and_says_the_limit(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/interactions?q=" + "a" * 250)

    assert response.status_code == 400
    page = parse(response.text)
    assert page.find("input", name="q").attrs["value"] == "a" * 250
    assert "at most 200 characters" in error_of(page)


async def test_the_search_box_stops_at_200_characters(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/interactions")).text)

    assert page.find("input", name="q").attrs["maxlength"] == "200"


async def test_since_after_until_keeps_both_times_and_marks_from_as_the_one_to_fix(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/interactions?since=2026-12-03T00:00&until=2026-12-02T00:00")

    assert response.status_code == 400
    page = parse(response.text)
    assert page.find("input", name="since").attrs["value"] == "2026-12-03T00:00"
    assert page.find("input", name="until").attrs["value"] == "2026-12-02T00:00"
    assert "“From (UTC)” must be earlier than “Until (UTC)”" in error_of(page)
    assert page.find("input", name="since").attrs.get("aria-invalid") == "true"
    assert page.find_all("p", id="interactions-empty") == []


# Review queue and Issues: the same pattern


async def test_an_unknown_priority_on_the_queue_is_the_queue_again_with_the_other_filters(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/reviews?priority=urgent&app=shop&tag=fees")

    assert response.status_code == 400
    page = parse(response.text)
    assert page.find("input", name="app").attrs["value"] == "shop"
    assert page.find("input", name="tag").attrs["value"] == "fees"
    assert "“Priority” must be one of high, medium, low; got 'urgent'" in error_of(page)
    assert page.find("form", id="queue-filters")


async def test_a_bad_offset_on_the_queue_says_what_an_offset_is(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/reviews?offset=abc&assignee=rita")

    assert response.status_code == 400
    page = parse(response.text)
    assert page.find("input", name="assignee").attrs["value"] == "rita"
    assert "whole number" in error_of(page)


async def test_an_unknown_issue_status_is_the_list_again_keeping_app_and_sort(browser_as, gateway):
    await issue_runs(gateway.services.engine, "shop", "Refunds are slow", [3])
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/issues?status=bogus&app=shop&sort=growth")

    assert response.status_code == 400
    page = parse(response.text)
    assert selected(page, "app") == "shop"
    assert selected(page, "sort") == "growth"
    assert "“Status” must be one of" in error_of(page)
    assert [row for row in page.find("table", id="issues").find_all("tr") if "data-issue-id" in row.attrs] == []


async def test_a_page_number_of_zero_on_issues_says_the_range(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/issues?page=0&sort=growth")

    assert response.status_code == 400
    page = parse(response.text)
    assert selected(page, "sort") == "growth"
    assert "page number from 1" in error_of(page)


# Forms


async def test_a_refused_knowledge_entry_keeps_active_unticked(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get("/admin/knowledge")).text)

    # No "active" field: the box was unticked.
    refused = await rita.post(
        "/admin/knowledge",
        data={"csrf_token": token, "app": "bot", "title": "Fees", "content": "Text", "tags": 'bad"tag'},
    )

    assert refused.status_code == 400
    box = parse(refused.text).find("form", data_testid="create-form").find("input", name="active")
    assert "checked" not in box.attrs


async def test_a_fresh_knowledge_form_has_active_ticked(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get("/admin/knowledge")).text)

    assert "checked" in page.find("form", data_testid="create-form").find("input", name="active").attrs


async def test_a_rename_over_200_characters_keeps_the_typed_title_and_says_the_limit(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds are slow", [3])
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/issues/{issue_id}")).text)
    typed = "Refunds " + "x" * 250

    refused = await rita.post(f"/admin/issues/{issue_id}/rename", data={"csrf_token": token, "title": typed})

    assert refused.status_code == 400
    page = parse(refused.text)
    assert page.find("form", id="rename-form").find("input", name="title").attrs["value"] == typed
    assert "1 to 200 characters" in error_of(page)
    assert page.find(data_testid="issue-title").text == "Refunds are slow"


async def test_a_refused_goal_keeps_app_percent_and_months(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get("/admin")).text)

    refused = await rita.post(
        "/admin/goals",
        data={
            "csrf_token": token,
            "kind": "negative_rate_reduction",
            "app": "docs-bot",
            "reduction": "150",
            "months": "5",
        },
    )

    assert refused.status_code == 400
    page = parse(refused.text)
    form = page.find("form", data_testid="rate-goal-form")
    assert form.find("input", name="app").attrs["value"] == "docs-bot"
    assert form.find("input", name="reduction").attrs["value"] == "150"
    assert form.find("input", name="months").attrs["value"] == "5"
    assert page.find(data_testid="goal-error").text
    # The other form opens as usual.
    assert page.find("form", data_testid="review-goal-form").find("input", name="share").attrs["value"] == "95"


async def test_an_issue_page_sends_the_status_it_showed_with_each_triage_form(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds are slow", [3])
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get(f"/admin/issues/{issue_id}")).text)

    shown = page.find(data_testid="issue-status").text
    forms = [form for form in page.find_all("form") if form.attrs.get("action", "").endswith(("/status", "/rename"))]
    assert len(forms) >= 3
    assert all(form.find("input", name="expected_status").attrs["value"] == shown for form in forms)
