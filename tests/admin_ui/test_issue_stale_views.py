"""Triage from a stale view: a status change, rename or merge decided on an issue that changed since is refused.

Two people have one issue's page open; one resolves it, and the other's page is stale. The rule is
gateway.domain.issue_views.IssueView's, one for the pages (their forms send expected_status and
expected_title, the issue as shown) and for `PATCH /api/issues/{id}` (the same fields, optional:
test_issue_stale_views_api.py).
"""

from __future__ import annotations

import httpx
from html_page import Element, parse
from issue_seed import SCRIPT, issue_with_examples, status_events
from overview_seed import issue_runs

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.store.audit import AuditFilter


def form_fields(form: Element, **typed: str) -> dict[str, str]:
    """What a browser sends for `form` as the page shows it, with `typed` filled in."""
    fields = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input")}
    for select in form.find_all("select"):
        options = select.find_all("option")
        chosen = [option for option in options if "selected" in option.attrs] or options[:1]
        fields[select.attrs["name"]] = chosen[0].attrs["value"]
    return {**fields, **typed}


async def two_open_pages(browser_as, issue_id: str) -> tuple[httpx.AsyncClient, Element, httpx.AsyncClient, Element]:
    """Rita's and Sam's clients (reviewers), each with the issue's page as it is now."""
    rita, sam = await browser_as("rita", Role.REVIEWER), await browser_as("sam", Role.REVIEWER)
    ritas = parse((await rita.get(f"/admin/issues/{issue_id}")).text)
    sams = parse((await sam.get(f"/admin/issues/{issue_id}")).text)
    return rita, ritas, sam, sams


async def sam_resolves(sam: httpx.AsyncClient, sams: Element) -> None:
    form = sams.find("form", id="status-resolved")
    resolved = await sam.post(form.attrs["action"], data=form_fields(form, note="fixed the prompt"))
    assert resolved.status_code == 303


# -- the admin pages ----------------------------------------------------------------------


async def test_a_status_change_from_a_stale_page_is_409_saying_what_changed_with_the_note_kept(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    await sam_resolves(sam, sams)

    form = ritas.find("form", id="status-dismissed")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, note="a duplicate of the 2FA issue"))

    assert refused.status_code == 409
    page = parse(refused.text)
    message = page.find(role="alert").text
    assert "its status is now “resolved” (you saw “new”)" in message and "Nothing was saved" in message
    # The page shows the issue as it is now, the note as typed in its form, ready to send again.
    assert page.find(data_testid="issue-status").text == "resolved"
    again = page.find("form", id="status-dismissed")
    assert again.find("input", name="note").attrs["value"] == "a duplicate of the 2FA issue"
    assert again.find("input", name="expected_status").attrs["value"] == "resolved"
    detail = await gateway.services.issue_service.get(issue_id)
    assert detail.issue.status == IssueStatus.RESOLVED
    assert status_events(detail) == [{"from": "new", "to": "resolved", "note": "fixed the prompt", "by": "sam"}]


async def test_a_rename_from_a_stale_page_is_409_with_the_typed_title_kept(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    await sam_resolves(sam, sams)

    form = ritas.find("form", id="rename-form")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, title="Refunds take too long"))

    assert refused.status_code == 409
    page = parse(refused.text)
    assert "its status is now “resolved” (you saw “new”)" in page.find(role="alert").text
    title_box = page.find("form", id="rename-form").find("input", name="title")
    assert title_box.attrs["value"] == "Refunds take too long"
    assert "aria-invalid" not in title_box.attrs  # nothing is wrong with the title itself
    detail = await gateway.services.issue_service.get(issue_id)
    assert detail.issue.title == f"Refund delays {SCRIPT}"
    assert [change.kind for change in detail.changes] == ["status"]


async def test_a_rename_after_someone_elses_rename_is_409_naming_both_titles(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    sams_form = sams.find("form", id="rename-form")
    assert (
        await sam.post(sams_form.attrs["action"], data=form_fields(sams_form, title="Slow refunds"))
    ).status_code == 303

    form = ritas.find("form", id="rename-form")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, title="Refund delays"))

    assert refused.status_code == 409
    assert "its title is now “Slow refunds” (you saw “Refunds”)" in parse(refused.text).find(role="alert").text
    assert (await gateway.services.issue_service.get(issue_id)).issue.title == "Slow refunds"


async def test_a_merge_from_a_stale_page_is_409_with_the_chosen_issue_kept(browser_as, gateway):
    engine = gateway.services.engine
    issue_id = await issue_with_examples(engine)
    await issue_runs(engine, "shop", "Bigger refund issue", [9])
    target = await issue_runs(engine, "shop", "Refunds in general", [3])
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    await sam_resolves(sam, sams)

    form = ritas.find("form", id="merge-form")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, into=target))

    assert refused.status_code == 409
    page = parse(refused.text)
    assert "its status is now “resolved” (you saw “new”)" in page.find(role="alert").text
    chosen = [o for o in page.find("select", name="into").find_all("option") if "selected" in o.attrs]
    assert [option.attrs["value"] for option in chosen] == [target]
    detail = await gateway.services.issue_service.get(issue_id)
    assert (detail.issue.status, detail.issue.merged_into) == (IssueStatus.RESOLVED, None)
    assert (await gateway.services.issue_service.get(target)).issue.size == 3


async def test_a_change_from_the_current_page_is_made(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    await sam_resolves(sam, sams)
    ritas = parse((await rita.get(f"/admin/issues/{issue_id}")).text)  # Rita reloads

    form = ritas.find("form", id="status-dismissed")
    dismissed = await rita.post(form.attrs["action"], data=form_fields(form, note="won't fix"))

    assert dismissed.status_code == 303
    detail = await gateway.services.issue_service.get(issue_id)
    assert detail.issue.status == IssueStatus.DISMISSED
    assert status_events(detail)[-1] == {"from": "resolved", "to": "dismissed", "note": "won't fix", "by": "rita"}


async def test_a_double_click_is_made_once_and_is_no_error(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita = await browser_as("rita", Role.REVIEWER)
    form = parse((await rita.get(f"/admin/issues/{issue_id}")).text).find("form", id="status-resolved")
    sent = form_fields(form, note="fixed")

    first = await rita.post(form.attrs["action"], data=sent)
    second = await rita.post(form.attrs["action"], data=sent)

    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["location"] == f"/admin/issues/{issue_id}?done=resolved"
    detail = await gateway.services.issue_service.get(issue_id)
    assert status_events(detail) == [{"from": "new", "to": "resolved", "note": "fixed", "by": "rita"}]
    audit = await gateway.services.audit_service.list(AuditFilter(subject_id=issue_id), 10)
    assert [record.action for record in audit.data] == ["issue.status"]


async def test_the_same_change_someone_else_made_with_a_note_of_ones_own_is_409_naming_them_the_note_kept(
    browser_as, gateway
):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    await sam_resolves(sam, sams)

    form = ritas.find("form", id="status-resolved")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, note="A's long explanation of the cause"))

    assert refused.status_code == 409
    page = parse(refused.text)
    message = page.find(role="alert").text
    assert "sam already resolved this issue, noting “fixed the prompt”" in message
    assert "your note was not saved" in message and "Add the note" in message
    again = page.find("form", id="status-resolved")
    assert again.find("input", name="note").attrs["value"] == "A's long explanation of the cause"
    assert again.find("input", name="expected_status").attrs["value"] == "resolved"
    detail = await gateway.services.issue_service.get(issue_id)
    assert status_events(detail) == [{"from": "new", "to": "resolved", "note": "fixed the prompt", "by": "sam"}]


async def test_the_kept_note_sent_again_from_the_page_is_added_to_the_issues_history(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    await sam_resolves(sam, sams)
    form = ritas.find("form", id="status-resolved")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, note="the cause was the prompt"))
    again = parse(refused.text).find("form", id="status-resolved")

    added = await rita.post(again.attrs["action"], data=form_fields(again))

    assert added.status_code == 303
    detail = await gateway.services.issue_service.get(issue_id)
    assert detail.issue.status == IssueStatus.RESOLVED
    assert status_events(detail)[-1] == {
        "from": "resolved",
        "to": "resolved",
        "note": "the cause was the prompt",
        "by": "rita",
    }


async def test_a_merge_someone_else_made_with_a_note_of_ones_own_is_409_saying_the_note_was_not_saved(
    browser_as, gateway
):
    engine = gateway.services.engine
    issue_id = await issue_with_examples(engine)
    target = await issue_runs(engine, "shop", "Refunds in general", [3])
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    sams_form = sams.find("form", id="merge-form")
    assert (await sam.post(sams_form.attrs["action"], data=form_fields(sams_form, into=target))).status_code == 303

    form = ritas.find("form", id="merge-form")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, into=target, note="same refunds"))

    assert refused.status_code == 409
    message = parse(refused.text).find(role="alert").text
    assert "sam already merged this issue into “Refunds in general”" in message and "your note was not saved" in message
    assert "“same refunds”" in message
    detail = await gateway.services.issue_service.get(issue_id)
    assert [change.kind for change in detail.changes] == ["merged_into"]


async def test_a_double_clicked_merge_is_made_once_and_is_no_error(browser_as, gateway):
    engine = gateway.services.engine
    issue_id = await issue_with_examples(engine)
    target = await issue_runs(engine, "shop", "Refunds in general", [3])
    rita = await browser_as("rita", Role.REVIEWER)
    form = parse((await rita.get(f"/admin/issues/{issue_id}")).text).find("form", id="merge-form")

    first = await rita.post(form.attrs["action"], data=form_fields(form, into=target))
    second = await rita.post(form.attrs["action"], data=form_fields(form, into=target))

    assert (first.status_code, second.status_code) == (303, 303)
    detail = await gateway.services.issue_service.get(issue_id)
    assert [change.kind for change in detail.changes] == ["merged_into"]


async def test_a_page_form_with_an_expected_title_longer_than_any_title_is_400_saying_the_limit(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    rita = await browser_as("rita", Role.REVIEWER)
    form = parse((await rita.get(f"/admin/issues/{issue_id}")).text).find("form", id="status-resolved")

    refused = await rita.post(form.attrs["action"], data=form_fields(form, expected_title="x" * 5000))

    assert refused.status_code == 400
    # Said as what the hidden field holds (admin_ui.issue_actions.FORM_LABELS), not by its name.
    said = parse(refused.text).find(role="alert").text
    assert "“The title this page showed” must be at most 200 characters" in said
    assert (await gateway.services.issue_service.get(issue_id)).issue.status == IssueStatus.NEW


# -- an issue merged since the page showed it ----------------------------------------------


async def sam_merges_a_dismissed_issue(browser_as, gateway) -> tuple[str, str, httpx.AsyncClient, Element]:
    """A dismissed issue both reviewers have open, not merged, that Sam merges from his page: its id, the target, Rita's client and page."""
    engine = gateway.services.engine
    issue_id = await issue_with_examples(engine)
    target = await issue_runs(engine, "shop", "Refunds in general", [3])
    await gateway.services.issue_service.triage(issue_id, IssueStatus.DISMISSED, actor="rita")
    rita, ritas, sam, sams = await two_open_pages(browser_as, issue_id)
    sams_form = sams.find("form", id="merge-form")
    assert (await sam.post(sams_form.attrs["action"], data=form_fields(sams_form, into=target))).status_code == 303
    return issue_id, target, rita, ritas


async def test_a_reopen_from_a_page_before_the_issues_merge_is_409_saying_who_merged_it_with_the_note_kept(
    browser_as, gateway
):
    issue_id, target, rita, ritas = await sam_merges_a_dismissed_issue(browser_as, gateway)

    form = ritas.find("form", id="status-open")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, note="it is back"))

    assert refused.status_code == 409
    page = parse(refused.text)
    message = page.find(role="alert").text
    assert (
        "sam merged it into “Refunds in general” (you saw it not merged)" in message and "Nothing was saved" in message
    )
    assert page.find(data_testid="merged-into") is not None
    again = page.find("form", id="status-open")
    assert again.find("input", name="note").attrs["value"] == "it is back"
    assert again.find("input", name="expected_merged_into").attrs["value"] == target
    detail = await gateway.services.issue_service.get(issue_id)
    assert (detail.issue.status, detail.issue.merged_into) == (IssueStatus.DISMISSED, target)
    assert [change.kind for change in detail.changes] == ["status", "merged_into"]


async def test_a_rename_from_a_page_before_the_issues_merge_is_409_with_the_typed_title_kept(browser_as, gateway):
    issue_id, _target, rita, ritas = await sam_merges_a_dismissed_issue(browser_as, gateway)

    form = ritas.find("form", id="rename-form")
    refused = await rita.post(form.attrs["action"], data=form_fields(form, title="Refunds take too long"))

    assert refused.status_code == 409
    page = parse(refused.text)
    assert "sam merged it into “Refunds in general” (you saw it not merged)" in page.find(role="alert").text
    assert page.find("form", id="rename-form").find("input", name="title").attrs["value"] == "Refunds take too long"
    assert (await gateway.services.issue_service.get(issue_id)).issue.title == f"Refund delays {SCRIPT}"


async def test_a_merged_issue_is_reopened_from_a_page_that_shows_its_merge(browser_as, gateway):
    issue_id, target, rita, ritas = await sam_merges_a_dismissed_issue(browser_as, gateway)
    ritas = parse((await rita.get(f"/admin/issues/{issue_id}")).text)  # Rita reloads: merged, she reopens it anyway

    form = ritas.find("form", id="status-open")
    reopened = await rita.post(form.attrs["action"], data=form_fields(form, note="kept apart on purpose"))

    assert reopened.status_code == 303
    detail = await gateway.services.issue_service.get(issue_id)
    assert (detail.issue.status, detail.issue.merged_into) == (IssueStatus.OPEN, target)


async def test_a_page_form_with_an_expected_merge_longer_than_an_issue_id_is_400(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, "shop", "Refunds", [3])
    rita = await browser_as("rita", Role.REVIEWER)
    form = parse((await rita.get(f"/admin/issues/{issue_id}")).text).find("form", id="status-resolved")

    refused = await rita.post(form.attrs["action"], data=form_fields(form, expected_merged_into="x" * 500))

    assert refused.status_code == 400
    assert "“The merge this page showed” must be an issue id" in parse(refused.text).find(role="alert").text
    assert (await gateway.services.issue_service.get(issue_id)).issue.status == IssueStatus.NEW
