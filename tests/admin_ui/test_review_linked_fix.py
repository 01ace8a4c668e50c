"""A task whose issue already has its fix live (made from a preview or the issue page) is resolved by naming that fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from html_page import csrf_token_of, parse
from page_seed import interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.store.knowledge import EntryFilter


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: the fix's decision resolves the task."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def task_with_a_live_fix(gateway) -> tuple[str, str, str, str]:
    """A task about an issue whose knowledge fix went live without it: (task id, issue id, entry id, link id)."""
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id, reason="Fee answers")
    services = gateway.services
    entry = await services.knowledge.service.create("support-bot", "Transfer fees", "1% abroad.", author="ana")
    link = await services.fix_links.link_fix(issue_id, "knowledge", entry.id, actor="ana")
    return task_id, issue_id, entry.id, link.id


async def test_the_api_resolves_a_task_by_a_fix_already_linked_to_its_issue(gateway, client, admin_headers):
    task_id, issue_id, entry_id, link_id = await task_with_a_live_fix(gateway)
    body = {"kind": "linked", "reviewer": "rita", "link_id": link_id, "comment": "made live from a preview"}

    response = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
    resolved = response.json()
    assert resolved["task"]["status"] == "resolved"
    assert resolved["task"]["resolved_by_fix"]["id"] == entry_id
    assert (resolved["fix"]["id"], resolved["link"]["id"]) == (entry_id, link_id)
    assert len(await gateway.services.fix_links.fixes_for(issue_id)) == 1
    entries = await gateway.services.knowledge.service.list(EntryFilter(app="support-bot"))
    assert [entry.id for entry in entries.data] == [entry_id]


async def test_a_link_id_not_linked_to_the_tasks_issue_is_refused_naming_the_field(gateway, client, admin_headers):
    task_id, _, _, _ = await task_with_a_live_fix(gateway)
    body = {"kind": "linked", "reviewer": "rita", "link_id": "not-a-link"}

    response = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)

    assert response.status_code == 400
    assert "link_id" in response.text
    assert (await gateway.services.reviews.get(task_id)).task.lease is None


async def test_a_linked_fix_needs_its_link_id(gateway, client, admin_headers):
    task_id, _, _, _ = await task_with_a_live_fix(gateway)

    response = await client.post(
        f"/api/reviews/{task_id}/fix", json={"kind": "linked", "reviewer": "rita"}, headers=admin_headers
    )

    assert response.status_code == 400
    assert "'link_id' is required" in response.text


async def test_the_task_page_offers_the_live_fix_and_resolves_the_task_by_it(browser_as, gateway):
    task_id, issue_id, entry_id, link_id = await task_with_a_live_fix(gateway)
    rita = await browser_as("rita", Role.REVIEWER)
    html = (await rita.get(f"/admin/reviews/{task_id}")).text
    form = parse(html).find("form", id="linked-fix-form")
    [choice] = form.find_all("label", class_="choice")
    assert choice.find("input", name="link_id").attrs["value"] == link_id
    assert "Knowledge-base entry “Transfer fees”" in choice.text

    response = await rita.post(
        f"/admin/reviews/{task_id}/fix/linked", data={"csrf_token": csrf_token_of(html), "link_id": link_id}
    )

    assert response.status_code == 303, response.text
    status = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("dd", data_testid="task-status")
    assert status.text == f"resolved by a fix: knowledge-base entry 'Transfer fees' ({entry_id}, version 1)"
    assert len(await gateway.services.fix_links.fixes_for(issue_id)) == 1


async def test_a_task_whose_issue_has_no_fix_offers_only_new_fixes(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids, issue_id=await issue(gateway, ids), reason="Fee answers")
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get(f"/admin/reviews/{task_id}")).text)

    assert page.find_all("form", id="linked-fix-form") == []
    assert page.find_all("form", id="knowledge-form") != []


async def test_an_entry_switched_off_since_is_neither_offered_nor_accepted(gateway, client, admin_headers):
    task_id, _, entry_id, link_id = await task_with_a_live_fix(gateway)
    await gateway.services.knowledge.service.deactivate(entry_id, author="ana")

    detail = await gateway.services.reviews.get(task_id)
    offered = await gateway.services.task_fixes.linked_fixes(detail)
    body = {"kind": "linked", "reviewer": "rita", "link_id": link_id}
    response = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)

    assert offered == []
    assert response.status_code == 400
    assert "no fix in force" in response.text


async def test_a_fix_dated_to_go_live_later_is_not_offered(gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id, reason="Fee answers")
    services = gateway.services
    entry = await services.knowledge.service.create("support-bot", "Transfer fees", "1% abroad.", author="ana")
    later = datetime.now(UTC) + timedelta(days=16)
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, live_at=later, actor="ana")

    assert await services.task_fixes.linked_fixes(await services.reviews.get(task_id)) == []


async def test_a_prompt_version_replaced_since_is_not_offered(gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id, reason="Fee answers")
    services = gateway.services
    first = await services.prompts.service.publish("support-bot", "Quote the fee table.", "fees", "ana", activate=True)
    await services.fix_links.link_fix(issue_id, "prompt", first.version.id, actor="ana")
    offered_then = await services.task_fixes.linked_fixes(await services.reviews.get(task_id))

    await services.prompts.service.publish("support-bot", "Be brief.", "shorter", "ana", activate=True)

    assert [fix.link.fix_id for fix in offered_then] == [first.version.id]
    assert await services.task_fixes.linked_fixes(await services.reviews.get(task_id)) == []


async def test_a_task_whose_issue_was_merged_says_its_fix_goes_to_the_issue_merged_into(browser_as, gateway):
    first = await store(gateway, interaction_row("What is the fee?", "2%"))
    second = await store(gateway, interaction_row("Is there a transfer fee?", "No."))
    merged, survivor = await issue(gateway, first, title="fee"), await issue(gateway, second, title="fees")
    task_id = await task(gateway, first, issue_id=merged, reason="Fee answers")
    await gateway.services.issue_service.merge(merged, survivor, "ana")
    rita = await browser_as("rita", Role.REVIEWER)

    section = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("section", id="resolve-by-fix")

    # The merge handed the task to the surviving issue (gateway.review.merged_issues).
    assert "links the fix to issue «fees» so its effect is measured" in " ".join(section.text.split())
    assert section.find("a", data_testid="fix-issue").attrs["href"] == f"/admin/issues/{survivor}"


async def test_the_fix_forms_name_the_issue_they_link_to_by_its_title(browser_as, gateway):
    # They named it by its id ("links the fix to issue 01a24b0c-785c-…"), which a reviewer cannot read.
    ids = await store(gateway, interaction_row("How do I close my account?", "I cannot help."))
    issue_id = await issue(gateway, ids, title="Close account")
    task_id = await task(gateway, ids, issue_id=issue_id, reason="Account answers")
    rita = await browser_as("rita", Role.REVIEWER)

    section = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("section", id="resolve-by-fix")

    assert "links the fix to issue «Close account» so its effect is measured" in " ".join(section.text.split())
    assert issue_id not in section.find("p").text
