"""The interactions list: search and filters from the URL, keyset paging, feedback tallies, an issue's interactions.

One interaction in full: test_interaction_detail_page.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import parse
from page_seed import feedback, interaction_row, issue, store

from gateway.accounts.records import Role


def ids_on(html: str) -> list[str]:
    page = parse(html)
    return [row.attrs["data-interaction-id"] for row in page.find_all("tr") if "data-interaction-id" in row.attrs]


async def test_search_and_filters_come_from_the_url(browser_as, gateway):
    now = datetime.now(UTC)
    refund, fee, failed, cut, other_app = await store(
        gateway,
        interaction_row("How do I get a REFUND?", "Ask support.", created_at=now - timedelta(hours=5)),
        interaction_row("What is the fee?", "The fee is 2%.", created_at=now - timedelta(hours=4), model="gpt-big"),
        interaction_row("Refund status?", "", created_at=now - timedelta(hours=3), status_code=502, error="upstream"),
        interaction_row("Tell me about refunds", "Refunds are", created_at=now - timedelta(hours=2), partial=True),
        interaction_row("refund", "no", app="other-bot", created_at=now - timedelta(hours=1)),
    )
    await feedback(gateway, fee, negative=False)
    await feedback(gateway, refund, negative=True)
    # A user's newer event replaces their earlier one: no longer negative.
    await feedback(gateway, failed, negative=True, user_id="ana")
    await feedback(gateway, failed, negative=False, user_id="ana")
    viewer = await browser_as("vic", Role.VIEWER)

    async def ids(query: str) -> list[str]:
        response = await viewer.get(f"/admin/interactions?{query}")
        assert response.status_code == 200, response.text
        return ids_on(response.text)

    assert await ids("") == [other_app, cut, failed, fee, refund]
    assert await ids("q=refund") == [other_app, cut, failed, refund]
    assert await ids("q=refund&app=support-bot") == [cut, failed, refund]
    assert await ids("q=FEE+IS") == [fee]
    assert await ids("model=gpt-big") == [fee]
    assert await ids("feedback=any") == [failed, fee, refund]
    assert await ids("feedback=negative") == [refund]
    assert await ids("feedback=none&app=support-bot") == [cut]
    assert await ids("status=error") == [failed]
    assert await ids("status=partial") == [cut]
    assert await ids("status=ok&app=support-bot") == [fee, refund]
    since = (now - timedelta(hours=4, minutes=30)).strftime("%Y-%m-%dT%H:%M")
    until = (now - timedelta(hours=2, minutes=30)).strftime("%Y-%m-%dT%H:%M")
    assert await ids(f"since={since}&until={until}") == [failed, fee]
    assert await ids("q=100%25") == []
    page = parse((await viewer.get("/admin/interactions?q=refund&status=error")).text)
    assert page.find("input", name="q").attrs["value"] == "refund"
    assert page.find("select", name="status").find("option", value="error").attrs.get("selected") is not None
    assert (await viewer.get("/admin/interactions?status=bad")).status_code == 400
    assert (await viewer.get(f"/admin/interactions?since={until}&until={since}")).status_code == 400


async def test_a_refused_time_filter_is_named_by_its_box_label(browser_as):
    # It said "The filter 'since'", a name the page shows nowhere.
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/interactions?since=yesterday")

    said = parse(response.text).find(role="alert").text
    assert response.status_code == 400 and said.startswith("The filter “From (UTC)” must be a time like")


async def test_a_search_the_index_cannot_answer_is_a_400_that_says_why(browser_as, gateway):
    viewer = await browser_as("vic", Role.VIEWER)

    punctuation = await viewer.get("/admin/interactions?q=%25%25+%3F")
    too_long = await viewer.get("/admin/interactions?q=" + "x" * 201)

    assert punctuation.status_code == 400 and "at least one word" in punctuation.text
    assert too_long.status_code == 400 and "at most 200 characters" in too_long.text


async def test_with_nothing_recorded_yet_the_list_says_how_calls_get_here(browser_as, gateway):
    viewer = await browser_as("vic", Role.VIEWER)

    unfiltered = parse((await viewer.get("/admin/interactions")).text)
    searched = parse((await viewer.get("/admin/interactions?q=refund")).text)

    assert unfiltered.find("p", id="interactions-empty").text.startswith("No interactions recorded yet")
    assert searched.find("p", id="interactions-empty").text == "No interaction matches."


async def test_the_page_says_what_the_search_reads_and_it_does_so(browser_as, gateway):
    # It said "words anywhere in the request", yet a word of the system prompt finds nothing.
    system = {"role": "system", "content": "Mention the zeppelin."}
    question = {"role": "user", "content": "Where are my refunds?"}
    row = interaction_row("Where are my refunds?", "On their way.")
    row["request"] = {**row["request"], "messages": [system, question]}
    [answered] = await store(gateway, row)
    viewer = await browser_as("vic", Role.VIEWER)

    help_text = parse((await viewer.get("/admin/interactions")).text).find("p", id="search-help").text
    in_system_prompt = ids_on((await viewer.get("/admin/interactions?q=zeppelin")).text)
    by_stem = ids_on((await viewer.get("/admin/interactions?q=refund")).text)

    assert "whole words in the end user's messages and in the answer" in help_text
    assert "not in system prompts or tool results" in help_text
    assert in_system_prompt == [] and by_stem == [answered]


async def test_what_users_wrote_is_laid_out_in_its_own_direction(browser_as, gateway):
    # Arabic or Hebrew set left to right put the question mark at the wrong end and mixed runs out of order.
    question, answer = "ما هي رسوم التحويل؟", "Echo: ما هي رسوم التحويل؟"
    [interaction_id] = await store(gateway, interaction_row(question, answer))
    await feedback(gateway, interaction_id, comment="خطأ", correction="الرسوم 1٪")
    viewer = await browser_as("vic", Role.VIEWER)

    listing = parse((await viewer.get("/admin/interactions")).text).find("tr", data_interaction_id=interaction_id)
    detail = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert [cell.attrs.get("dir") for cell in listing.find_all("td", dir="auto")] == ["auto", "auto"]
    assert detail.find("pre", class_="answer").attrs["dir"] == "auto"
    assert [pre.text for pre in detail.find_all("pre", dir="auto")] == [question, answer]
    assert {cell.text for cell in detail.find_all("td", dir="auto")} == {"خطأ", "الرسوم 1٪"}


async def test_a_request_too_large_to_list_says_its_size_and_its_row_still_links_to_it(browser_as, gateway):
    pasted = "a pasted statement line\n" * 20_000
    [large_id, small_id] = await store(
        gateway,
        interaction_row(pasted, "Here is a summary.", created_at=datetime.now(UTC) - timedelta(minutes=1)),
        interaction_row("Is there a fee?", "There is no fee."),
    )
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/interactions")).text)

    large = page.find("tr", data_interaction_id=large_id)
    assert large.find("td", class_="question").text == "(a request too large to quote here: open it to read)"
    assert large.find("td", class_="answer").text == "Here is a summary."
    assert large.find("a").attrs["href"] == f"/admin/interactions/{large_id}"
    assert page.find("tr", data_interaction_id=small_id).find("td", class_="question").text == "Is there a fee?"


async def test_an_answer_the_review_gate_held_says_so_beside_its_status(browser_as, gateway):
    held = {"policy": "confidence_gate", "action": "hold", "task_id": "t-1", "reason": "Low confidence: 0.30"}
    [held_id, plain_id] = await store(
        gateway, interaction_row("Is there a fee?", "No.", policies=[held]), interaction_row("Hi?", "Hello.")
    )
    viewer = await browser_as("vic", Role.VIEWER)

    shown = parse((await viewer.get(f"/admin/interactions/{held_id}")).text).find("dd", data_testid="outcome")
    plain = parse((await viewer.get(f"/admin/interactions/{plain_id}")).text).find("dd", data_testid="outcome")

    assert shown.text.startswith("ok (200)")
    assert "held for review: the app was answered 202" in shown.text
    assert plain.find_all("span", data_testid="held") == []


async def test_an_interactions_page_title_names_it(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Is there a fee?", "There is no fee."))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert page.find("title").text == f"{interaction_id} · Interaction · Feedgate"


async def test_pages_go_older_with_a_cursor_that_keeps_the_filters(browser_as, gateway):
    now = datetime.now(UTC)
    rows = [interaction_row(f"question {n}", "answer", created_at=now - timedelta(minutes=55 - n)) for n in range(55)]
    ids = list(reversed(await store(gateway, *rows)))
    viewer = await browser_as("vic", Role.VIEWER)

    first = await viewer.get("/admin/interactions?app=support-bot")
    older = parse(first.text).find("a", rel="next").attrs["href"]
    second = await viewer.get(older)

    assert ids_on(first.text) == ids[:50]
    assert "app=support-bot" in older and "cursor=" in older
    assert ids_on(second.text) == ids[50:]
    assert parse(second.text).find_all("a", rel="next") == []


async def test_imported_rows_page_by_time_with_the_longest_ids_a_cursor_can_stand_for(browser_as, gateway):
    # Imported ids are any text of up to 36 characters: these sort against their times, and their
    # cursors are the longest there are (four UTF-8 bytes a character).
    now = datetime.now(UTC)
    rows = [
        interaction_row(f"question {n}", "answer", id=chr(0x1F600 + 60 - n) * 36, created_at=now - timedelta(minutes=n))
        for n in range(55)
    ]
    ids = await store(gateway, *rows)
    viewer = await browser_as("vic", Role.VIEWER)

    first = await viewer.get("/admin/interactions")
    second = await viewer.get(parse(first.text).find("a", rel="next").attrs["href"])

    assert second.status_code == 200, second.text
    assert ids_on(first.text) + ids_on(second.text) == ids


async def test_a_cursor_no_page_gave_out_is_a_400_that_says_so(browser_as, gateway):
    await store(gateway, interaction_row("question", "answer"))
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/interactions?cursor=junk")

    assert response.status_code == 400
    assert "must be the next_cursor of a previous page" in response.text


async def test_the_app_and_model_boxes_offer_the_apps_and_models_seen(browser_as, gateway):
    await store(
        gateway,
        interaction_row("What is the fee?", "2%.", app="key-4af2c9", model="gpt-small"),
        interaction_row("Refund?", "Yes.", app="support-bot", model="gpt-big"),
    )
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/interactions")).text)

    assert page.find("input", name="app").attrs["list"] == "known-apps"
    assert page.find("input", name="model").attrs["list"] == "known-models"
    offered_apps = {option.attrs["value"] for option in page.find("datalist", id="known-apps").find_all("option")}
    offered_models = {option.attrs["value"] for option in page.find("datalist", id="known-models").find_all("option")}
    assert {"key-4af2c9", "support-bot"} <= offered_apps
    assert offered_models == {"gpt-small", "gpt-big"}


def feedback_cells(html: str) -> dict[str, str]:
    """Each listed interaction's Feedback cell, as text."""
    rows = parse(html).find_all("tr")
    return {
        row.attrs["data-interaction-id"]: row.find("td", class_="feedback").text.strip()
        for row in rows
        if "data-interaction-id" in row.attrs
    }


async def test_each_row_tallies_what_its_voters_say_now(browser_as, gateway):
    (answer,) = await store(gateway, interaction_row("What is the fee?", "The fee is 2%."))
    await feedback(gateway, answer, negative=True, user_id="ana", correction="The fee is 1%.")
    await feedback(gateway, answer, negative=True, user_id="ben", comment="wrong")
    await feedback(gateway, answer, negative=False, user_id="cy")
    viewer = await browser_as("vic", Role.VIEWER)

    html = (await viewer.get("/admin/interactions")).text

    assert feedback_cells(html) == {answer: "2 negative, 1 positive, 1 correction, 1 comment"}
    assert parse(html).find("td", class_="feedback").find("span", class_="negative").text == "2 negative"


async def test_a_row_counts_only_each_voters_latest_feedback(browser_as, gateway):
    (answer,) = await store(gateway, interaction_row("What is the fee?", "The fee is 2%."))
    await feedback(gateway, answer, negative=True, user_id="ana")
    await feedback(gateway, answer, negative=False, user_id="ana")
    viewer = await browser_as("vic", Role.VIEWER)

    html = (await viewer.get("/admin/interactions")).text

    assert feedback_cells(html) == {answer: "1 positive"}


async def test_a_row_without_feedback_says_so_with_a_dash(browser_as, gateway):
    (answer,) = await store(gateway, interaction_row("What is the fee?", "The fee is 2%."))
    viewer = await browser_as("vic", Role.VIEWER)

    assert feedback_cells((await viewer.get("/admin/interactions")).text) == {answer: "–"}


async def test_an_imported_id_with_url_characters_is_linked_to_its_own_page(browser_as, gateway):
    # Imported ids may hold '?', '#', '%' and spaces: the link must name the id, not a query or a fragment.
    [interaction_id] = await store(gateway, interaction_row("question", "answer", id="conv 17?x=1#a%"))
    viewer = await browser_as("vic", Role.VIEWER)

    href = parse((await viewer.get("/admin/interactions")).text).find("tbody").find("a").attrs["href"]
    page = await viewer.get(href)

    assert page.status_code == 200
    assert interaction_id in page.text


async def test_an_issue_filter_lists_every_interaction_of_the_issue_and_names_it(browser_as, gateway):
    now = datetime.now(UTC)
    rows = [interaction_row(f"question {n}", "answer", created_at=now - timedelta(minutes=5 - n)) for n in range(5)]
    ids = await store(gateway, *rows)
    fees = await issue(gateway, [ids[0], ids[2], ids[4]], title="Fees <b>wrong</b>")
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(f"/admin/interactions?issue={fees}")

    assert response.status_code == 200, response.text
    assert ids_on(response.text) == [ids[4], ids[2], ids[0]]
    page = parse(response.text)
    assert page.find("input", name="issue").attrs["value"] == fees
    shown = page.find(id="issue-shown")
    assert shown.text.strip() == "The interactions of the issue “Fees <b>wrong</b>”."
    assert shown.find("a").attrs["href"] == f"/admin/issues/{fees}"


async def test_an_issues_interactions_page_older_with_the_issue_kept(browser_as, gateway):
    now = datetime.now(UTC)
    rows = [interaction_row(f"question {n}", "answer", created_at=now - timedelta(minutes=60 - n)) for n in range(60)]
    ids = await store(gateway, *rows)
    members = ids[:55]
    fees = await issue(gateway, members)
    viewer = await browser_as("vic", Role.VIEWER)

    first = await viewer.get(f"/admin/interactions?issue={fees}")
    older = parse(first.text).find("a", rel="next").attrs["href"]
    second = await viewer.get(older)

    assert f"issue={fees}" in older
    assert ids_on(first.text) + ids_on(second.text) == list(reversed(members))


async def test_an_issue_merged_away_lists_the_issue_holding_its_complaints_and_says_so(browser_as, gateway):
    ids = await store(gateway, *(interaction_row(f"question {n}", "answer") for n in range(3)))
    fees = await issue(gateway, [ids[0]], title="fees")
    charges = await issue(gateway, [ids[1], ids[2]], title="charges")
    await gateway.services.issue_service.merge(fees, charges, actor="ana")
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(f"/admin/interactions?issue={fees}")

    assert sorted(ids_on(response.text)) == sorted(ids)
    shown = parse(response.text).find(id="issue-shown")
    assert shown.text.strip() == (
        "The issue “fees” was merged into “charges”: these are the interactions of “charges”, its complaints among them."
    )
    assert [a.attrs["href"] for a in shown.find_all("a")] == [f"/admin/issues/{fees}", f"/admin/issues/{charges}"]


async def test_an_issue_no_one_has_is_a_400_page_naming_the_issue_box(browser_as, gateway):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/interactions?issue=no-such-issue")

    assert response.status_code == 400
    page = parse(response.text)
    assert page.find(data_testid="error").text.strip() == "Issue: no issue with id 'no-such-issue'."
    box = page.find("input", name="issue")
    assert (box.attrs["value"], box.attrs.get("aria-invalid")) == ("no-such-issue", "true")
