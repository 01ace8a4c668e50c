"""The review queue and a task's page: filters in the URL, escaping, forms that claim, decide and resolve by a fix."""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from page_seed import XSS, feedback, interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.knowledge.fields import MAX_TITLE as KNOWLEDGE_MAX_TITLE
from gateway.review.records import Outcome, Priority
from gateway.store.audit import AuditFilter


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: one decision resolves a task, whatever its id hashes to."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def audit_actions(gateway, actor: str) -> list[str]:
    page = await gateway.services.audit_service.list(AuditFilter(actor=actor), 100)
    return sorted(record.action for record in page.data)


async def test_the_queue_filters_come_from_the_url_and_show_how_late_a_task_is(browser_as, gateway):
    ids = await store(gateway, *(interaction_row(f"Question {n}", f"Answer {n}") for n in range(3)))
    high = await task(gateway, [ids[0]], reason="Urgent fee answers", priority=Priority.HIGH, tags=("fees",))
    await task(gateway, [ids[1]], reason="Low priority check", priority=Priority.LOW)
    viewer = await browser_as("vic", Role.VIEWER)

    everything = parse((await viewer.get("/admin/reviews")).text)
    filtered = parse((await viewer.get("/admin/reviews?priority=high&tag=fees&status=open&sort=queue")).text)
    none = parse((await viewer.get("/admin/reviews?priority=high&tag=other")).text)

    assert next(row.attrs["data-task-id"] for row in everything.find_all("tr", class_="task-row")) == high
    assert len(everything.find_all("tr", class_="task-row")) == 2
    [row] = filtered.find_all("tr", class_="task-row")
    assert row.attrs["data-task-id"] == high and row.find("td", class_="reason").text == "Urgent fee answers"
    assert row.find("td", class_="lateness").text.startswith("due in 23 h")
    form = filtered.find("form", id="queue-filters")
    assert form.find("option", value="high").attrs.get("selected") is not None
    assert form.find("input", name="tag").attrs["value"] == "fees"
    assert none.find("p", id="queue-empty").text == "No task matches these filters."
    assert "j / k" in everything.find("p", id="key-help").text
    assert (await viewer.get("/admin/reviews?priority=urgent")).status_code == 400


async def finished_and_unfinished_tasks(gateway) -> dict[str, str]:
    """One task of each status, by status."""
    ids = await store(gateway, *(interaction_row(f"Question {n}", f"Answer {n}") for n in range(4)))
    tasks = {status: await task(gateway, [ids[n]], reason=status) for n, status in enumerate(STATUSES)}
    await gateway.services.reviews.claim(tasks["in_progress"], "otto")
    await gateway.services.reviews.decide(tasks["resolved"], "otto", Outcome.APPROVE)
    await gateway.services.reviews.dismiss(tasks["dismissed"], "otto")
    return tasks


STATUSES = ("open", "in_progress", "resolved", "dismissed")


def listed(page) -> set[str]:
    return {row.attrs["data-task-id"] for row in page.find_all("tr", class_="task-row")}


def chosen_status(page) -> str:
    [chosen] = [o for o in page.find("select", name="status").find_all("option") if "selected" in o.attrs]
    return chosen.attrs["value"]


async def test_the_queue_shows_the_tasks_still_to_be_worked_on_by_default(browser_as, gateway):
    tasks = await finished_and_unfinished_tasks(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/reviews")).text)

    assert listed(page) == {tasks["open"], tasks["in_progress"]}
    assert chosen_status(page) == "unfinished"


async def test_the_queue_lists_finished_tasks_too_when_asked_for_any_status(browser_as, gateway):
    tasks = await finished_and_unfinished_tasks(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/reviews?status=any")).text)

    assert listed(page) == set(tasks.values())
    assert chosen_status(page) == "any"


async def test_the_queue_says_statuses_in_words_and_its_form_sends_the_apis_values(browser_as, gateway):
    tasks = await finished_and_unfinished_tasks(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/reviews?status=in_progress")).text)

    options = {o.attrs["value"]: o.text for o in page.find("select", name="status").find_all("option")}
    assert {value: options[value] for value in STATUSES} == {
        "open": "open",
        "in_progress": "in progress",
        "resolved": "resolved",
        "dismissed": "dismissed",
    }
    [row] = page.find_all("tr", class_="task-row")
    assert row.attrs["data-task-id"] == tasks["in_progress"]
    assert row.find("td", class_="status").text == "in progress (otto)"


@pytest.mark.parametrize("status", STATUSES)
async def test_a_queue_link_naming_one_status_lists_that_status_only(browser_as, gateway, status):
    tasks = await finished_and_unfinished_tasks(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews?status={status}")).text)

    assert listed(page) == {tasks[status]}


async def test_an_empty_queue_says_where_tasks_come_from_unless_a_filter_hides_them(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    unfiltered = parse((await viewer.get("/admin/reviews")).text)
    filtered = parse((await viewer.get("/admin/reviews?priority=high")).text)
    past_the_end = parse((await viewer.get("/admin/reviews?offset=100")).text)

    assert unfiltered.find("p", id="queue-empty").text.startswith("No task waits for review: rules open them")
    assert filtered.find("p", id="queue-empty").text == "No task matches these filters."
    assert past_the_end.find("p", id="queue-empty").text == "The queue ends before this page: back to the page before."


async def test_a_script_in_an_answer_renders_as_text_on_the_task_page(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row(f"Why? {XSS}", f"Because {XSS}"))
    await feedback(gateway, interaction_id, comment=XSS, correction=f"Right: {XSS}")
    task_id = await task(gateway, [interaction_id], reason=f"Check {XSS}")
    reviewer = await browser_as("rita", Role.REVIEWER)

    response = await reviewer.get(f"/admin/reviews/{task_id}")

    assert response.status_code == 200, response.text
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    page = parse(response.text)
    assert [script.attrs["src"] for script in page.find_all("script")] == [
        "/admin/static/notice_once.js",
        "/admin/static/rollout_fields.js",
        "/admin/static/review_keys.js",
    ]
    assert page.find_all("img") == []
    assert page.find("h1", id="task-reason").text == f"Check {XSS}"
    exchange = page.find("article", data_interaction_id=interaction_id)
    assert exchange.find("pre", class_="answer").text == f"Because {XSS}"
    assert exchange.find("span", class_="comment").text == f"“{XSS}”"
    assert f"Right: {XSS}" in page.find("section", id="suggested-action").text


async def test_a_feedback_line_keeps_its_thumbs_comment_and_correction_apart(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("Is there a fee?", "There is no fee."))
    await feedback(gateway, interaction_id, comment="Wrong", correction="The fee is 1%.")
    task_id = await task(gateway, [interaction_id])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{task_id}")).text)

    line = page.find("article", data_interaction_id=interaction_id).find("ul", class_="feedback").find("li")
    assert line.text.endswith("user-1 (current): thumbs down · “Wrong” · Correction: The fee is 1%.")


async def test_a_tasks_right_to_left_texts_keep_their_direction(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("מה העמלה?", "אין עמלה."))
    await feedback(gateway, interaction_id, comment="שגוי", correction="העמלה היא 1%.")
    task_id = await task(gateway, [interaction_id], reason="בדיקה של העמלה")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{task_id}")).text)
    queue = parse((await viewer.get("/admin/reviews")).text)

    exchange = page.find("article", data_interaction_id=interaction_id)
    assert [pre.attrs.get("dir") for pre in exchange.find_all("pre")] == ["auto", "auto"]
    assert exchange.find("span", class_="comment").attrs["dir"] == "auto"
    assert exchange.find("span", class_="correction").find("bdi").text == "העמלה היא 1%."
    assert queue.find("tr", data_task_id=task_id).find("td", class_="reason").attrs["dir"] == "auto"


async def test_the_browser_asks_for_a_correction_before_sending_one(browser_as, gateway):
    # Sent empty, the form went to the server and came back a 400: the box itself now says it is needed.
    [interaction_id] = await store(gateway, interaction_row("Is there a fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    assert "required" in page.find("form", id="correct-form").find("textarea", name="correction").attrs


async def test_a_tasks_page_title_names_the_task(browser_as, gateway):
    # Every task's tab read "Review task · Feedgate": ten open tasks could not be told apart.
    [interaction_id] = await store(gateway, interaction_row("Is there a fee?", "There is no fee."))
    task_id = await task(gateway, [interaction_id], reason="Fee answers say there is none")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{task_id}")).text)

    assert page.find("title").text == "Fee answers say there is none · Review task · Feedgate"


async def test_claim_and_decide_through_the_forms_are_audited(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    claimed = await reviewer.post(f"/admin/reviews/{task_id}/claim", data={"csrf_token": token})
    page = parse((await reviewer.get(claimed.headers["location"])).text)
    decided = await reviewer.post(
        f"/admin/reviews/{task_id}/decide",
        data={"csrf_token": token, "outcome": "correct", "correction": "The fee is 1%.", "comment": "old fee"},
    )

    assert claimed.status_code == 303 and claimed.headers["location"] == f"/admin/reviews/{task_id}?done=claimed"
    assert page.find(data_testid="task-status").text.startswith("in progress — claimed by rita")
    assert page.find("p", id="task-notice").text == "You claimed this task."
    assert decided.status_code == 303
    detail = await gateway.services.reviews.get(task_id)
    assert detail.task.status.value == "resolved" and detail.task.outcome.value == "correct"
    assert detail.decisions[0].reviewer == "rita" and detail.decisions[0].correction == "The fee is 1%."
    assert await audit_actions(gateway, "rita") == ["review.claim", "review.decision"]


async def test_a_claim_held_by_someone_else_is_a_clear_409(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    await gateway.services.reviews.claim(task_id, "otto")
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    response = await reviewer.post(f"/admin/reviews/{task_id}/decide", data={"csrf_token": token, "outcome": "approve"})

    assert response.status_code == 409
    assert parse(response.text).find("p", id="task-error").text.startswith("otto has claimed this task until ")
    assert (await gateway.services.reviews.get(task_id)).task.status.value == "in_progress"


async def test_a_viewer_can_read_a_task_but_a_hand_made_post_is_refused(browser_as, gateway):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    viewer = await browser_as("vic", Role.VIEWER)
    page = await viewer.get(f"/admin/reviews/{task_id}")
    token = csrf_token_of(page.text)

    claim = await viewer.post(f"/admin/reviews/{task_id}/claim", data={"csrf_token": token})
    decide = await viewer.post(f"/admin/reviews/{task_id}/decide", data={"csrf_token": token, "outcome": "approve"})

    assert page.status_code == 200 and parse(page.text).find_all("form", id="claim-form") == []
    assert [claim.status_code, decide.status_code] == [403, 403]
    detail = await gateway.services.reviews.get(task_id)
    assert detail.task.status.value == "open" and detail.decisions == ()


@pytest.mark.parametrize("action", ["claim", "decide", "dismiss", "fix/knowledge"])
async def test_a_post_without_the_csrf_token_is_refused(browser_as, gateway, action):
    [interaction_id] = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, [interaction_id])
    reviewer = await browser_as("rita", Role.REVIEWER)

    response = await reviewer.post(
        f"/admin/reviews/{task_id}/{action}", data={"outcome": "approve", "title": "t", "content": "c"}
    )

    assert response.status_code == 403
    detail = await gateway.services.reviews.get(task_id)
    assert detail.task.status.value == "open" and len(detail.events) == 1


async def test_resolving_by_a_knowledge_entry_creates_it_resolves_the_task_and_links_the_fix(browser_as, gateway):
    ids = await store(gateway, *(interaction_row("What is the fee?", "2%") for _ in range(2)))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    response = await reviewer.post(
        f"/admin/reviews/{task_id}/fix/knowledge",
        data={"csrf_token": token, "title": "Fees", "content": "The fee is 1%.", "example_questions": "fee?\n"},
    )

    assert response.status_code == 303
    detail = await gateway.services.reviews.get(task_id)
    assert detail.task.status.value == "resolved" and detail.task.outcome.value == "reject"
    assert detail.decisions[0].comment.startswith("Resolved by knowledge-base entry 'Fees'")
    [link] = await gateway.services.fix_links.fixes_for(issue_id)
    assert link.kind == "knowledge" and link.task_id == task_id and link.created_by == "rita"
    entry = await gateway.services.knowledge.service.get(link.fix_id)
    assert entry.content == "The fee is 1%." and entry.example_questions == ("fee?",)
    # The issue was new: a fix made for it opens it (gateway.effect.links).
    assert await audit_actions(gateway, "rita") == [
        "issue.fix_link", "issue.status", "kb.create", "review.claim", "review.decision"
    ]  # fmt: skip


async def test_resolving_by_a_prompt_version_publishes_it_as_a_canary(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    response = await reviewer.post(
        f"/admin/reviews/{task_id}/fix/prompt",
        data={
            "csrf_token": token,
            "text": "Fees are 1%.",
            "message": "fee",
            "rollout": "canary",
            "canary_percent": "10",
        },
    )

    assert response.status_code == 303, response.text
    [link] = await gateway.services.fix_links.fixes_for(issue_id)
    assert link.kind == "prompt" and link.arm == "canary" and link.task_id == task_id
    version = await gateway.services.prompts.service.get(link.fix_id)
    assert version.state == "canary" and version.canary_share == pytest.approx(0.1)
    assert (await gateway.services.reviews.get(task_id)).task.status.value == "resolved"


async def test_the_prompt_forms_canary_share_says_it_is_for_a_canary_only(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids)
    reviewer = await browser_as("rita", Role.REVIEWER)

    form = parse((await reviewer.get(f"/admin/reviews/{task_id}")).text).find("form", id="prompt-form")

    # Without scripts it stays in the form (templates/prompt_rollout.html; rollout_fields.js hides it for "active").
    # In percent, said so before the box: "0.05" was typed for 5 % and taken as 0.05 %.
    assert (
        form.find("label", data_canary_only="").text == "Canary share in % of calls (10 is a tenth), for a canary only"
    )


async def test_the_entry_forms_title_is_bounded_as_the_knowledge_base_bounds_it(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids)
    reviewer = await browser_as("rita", Role.REVIEWER)

    form = parse((await reviewer.get(f"/admin/reviews/{task_id}")).text).find("form", id="knowledge-form")

    # A longer title would pass the browser only to be refused by the server.
    assert form.find("input", name="title").attrs["maxlength"] == str(KNOWLEDGE_MAX_TITLE)


async def test_a_bad_fix_form_keeps_what_was_typed_and_says_why(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    response = await reviewer.post(
        f"/admin/reviews/{task_id}/fix/prompt",
        data={
            "csrf_token": token,
            "text": "Fees are 1%.",
            "message": "fee",
            "rollout": "canary",
            "canary_percent": "x",
        },
    )

    assert response.status_code == 400
    page = parse(response.text)
    assert "percent" in page.find("p", id="task-error").text
    assert page.find("form", id="prompt-form").find("textarea", name="text").text == "Fees are 1%."
    assert await gateway.services.fix_links.fixes_for(await issue(gateway, ids[:1])) == []


@pytest.mark.parametrize(
    ("action", "fields", "named"),
    [
        ("decide", {"outcome": "correct", "correction": "The fee\x00 is 1%."}, "“Correction”"),
        ("decide", {"outcome": "approve", "comment": "fine\x00"}, "“Comment”"),
        ("dismiss", {"note": "dup\x00"}, "“Note”"),
        ("fix/prompt", {"text": "Fees are 1%.\x00", "message": "fee"}, "“Instructions”"),
        ("fix/knowledge", {"title": "Fees", "content": "1%\x00"}, "“Content”"),
    ],
)
async def test_a_nul_character_in_a_form_is_a_400_naming_the_field_by_its_label(
    browser_as, gateway, action, fields, named
):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids)
    reviewer = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await reviewer.get(f"/admin/reviews/{task_id}")).text)

    response = await reviewer.post(f"/admin/reviews/{task_id}/{action}", data={"csrf_token": token, **fields})

    assert response.status_code == 400
    assert parse(response.text).find("p", id="task-error").text.startswith(f"{named} must not contain a NUL")
    assert (await gateway.services.reviews.get(task_id)).task.status.value == "open"
