"""Fix previews in the admin pages: the candidate forms on an issue, the replay, and the answers side by side."""

from __future__ import annotations

import pytest
from effect_seed import make_issue
from html_page import csrf_token_of, parse
from preview_seed import ENTRY, KNOWLEDGE_FORM, make_live, preview_of, seed_issue, send_form

from gateway.accounts.records import Role
from gateway.store.knowledge import EntryFilter


async def test_a_reviewer_previews_an_entry_and_sees_old_and_new_answers_side_by_side(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    sent = await send_form(reviewer, issue_id, **KNOWLEDGE_FORM)

    assert sent.status_code == 303, sent.text
    page = await reviewer.get(sent.headers["location"])
    assert page.status_code == 200
    items = parse(page.text).find_all("section", data_testid="preview-item")
    assert len(items) == 2  # the two newest of three
    assert all(item.attrs["data-status"] == "replayed" for item in items)
    assert all("There is no fee." in item.text and "The transfer fee is 1%." in item.text for item in items)
    assert "It is 1%." in items[1].text  # the older one's user correction beside it
    stored = (await gateway.services.previews.for_issue(issue_id))[0]
    assert (stored.created_by, stored.candidate["example_questions"]) == ("rita", ENTRY["example_questions"])


async def test_the_issues_earlier_previews_are_listed_and_one_can_be_changed_and_sent_again(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    sent = await send_form(reviewer, issue_id, kind="prompt", text="Tell users: The transfer fee is 1%.", limit="1")
    preview_id = sent.headers["location"].rsplit("/", 1)[1]

    listing = parse((await reviewer.get(f"/admin/issues/{issue_id}/previews")).text)
    again = parse((await reviewer.get(f"/admin/issues/{issue_id}/previews?from={preview_id}")).text)

    rows = listing.find("table", data_testid="previews").find_all("tr")[1:]
    assert len(rows) == 1 and "Tell users: The transfer fee is 1%." in rows[0].text
    assert rows[0].find("a").attrs["href"] == f"/admin/previews/{preview_id}"
    prompt_form = again.find("form", id="preview-prompt-form")
    assert prompt_form.find("textarea", name="text").text == "Tell users: The transfer fee is 1%."
    assert prompt_form.find("input", name="limit").attrs["value"] == "1"


async def test_a_bad_candidate_comes_back_with_the_reason_and_the_text_kept(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    fake_upstream.app.reset()

    sent = await send_form(reviewer, issue_id, **{**KNOWLEDGE_FORM, "limit": "500"})

    assert sent.status_code == 400
    page = parse(sent.text)
    assert "from 1 to 50" in page.find(data_testid="error").text
    assert page.find("form", id="preview-knowledge-form").find("textarea", name="content").text == ENTRY["content"]
    assert fake_upstream.app.requests == []


async def test_a_viewer_reads_previews_but_cannot_run_one(gateway, client, signed_in_as, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    viewer = await signed_in_as("vic", Role.VIEWER)

    page = await viewer.get(f"/admin/issues/{issue_id}/previews")
    sent = await viewer.post(
        f"/admin/issues/{issue_id}/previews", data={"csrf_token": csrf_token_of(page.text), **KNOWLEDGE_FORM}
    )

    assert page.status_code == 200 and 'id="preview-knowledge-form"' not in page.text
    assert sent.status_code == 403
    assert await gateway.services.previews.for_issue(issue_id) == []


async def test_an_unknown_issue_or_preview_is_a_404_page(gateway, signed_in_as):
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    assert (await reviewer.get("/admin/issues/nope/previews")).status_code == 404
    assert (await reviewer.get("/admin/previews/nope")).status_code == 404


async def test_the_issue_page_leads_to_its_previews(gateway, client, signed_in_as, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    viewer = await signed_in_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    assert page.find("a", data_testid="preview-a-fix").attrs["href"] == f"/admin/issues/{issue_id}/previews"


async def test_a_previewed_entry_is_made_live_and_linked_to_the_issue(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)

    made = await make_live(reviewer, preview_path)

    assert made.status_code == 303 and made.headers["location"] == f"/admin/issues/{issue_id}?done=fixed"
    [link] = await gateway.services.fix_links.fixes_for(issue_id)
    entry = await gateway.services.knowledge.service.get(link.fix_id)
    assert (link.kind, link.arm, link.created_by, link.task_id) == ("knowledge", "live", "rita", None)
    assert (entry.title, entry.content, entry.active, entry.author) == (ENTRY["title"], ENTRY["content"], True, "rita")
    assert list(entry.example_questions) == ENTRY["example_questions"]
    issue_page = parse((await reviewer.get(made.headers["location"])).text)
    assert "The fix is live" in issue_page.find("p", class_="notice").text
    assert ENTRY["title"] in issue_page.find("table", id="fixes").text


async def test_previewed_instructions_go_live_as_a_canary_in_the_placement_previewed(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    text = "Tell users: The transfer fee is 1%."
    preview_path = await preview_of(reviewer, issue_id, kind="prompt", text=text, mode="append", limit="1")

    made = await make_live(reviewer, preview_path, message="state the fee", rollout="canary", canary_percent="20")

    assert made.status_code == 303, made.text
    [link] = await gateway.services.fix_links.fixes_for(issue_id)
    assert (link.kind, link.arm) == ("prompt", "canary")
    app = (await gateway.services.previews.for_issue(issue_id))[0].app
    listing = await gateway.services.prompts.service.list(app)
    version = next(v for v in listing.versions if v.version.id == link.fix_id)
    assert (version.version.text, version.version.message, listing.mode) == (text, "state the fee", "append")
    assert version.canary_share == pytest.approx(0.2)


async def test_a_bad_canary_share_is_refused_and_nothing_goes_live(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, kind="prompt", text="Say 1%.", limit="1")

    refused = await make_live(reviewer, preview_path, message="m", rollout="canary", canary_percent="150")

    assert refused.status_code == 400
    page = parse(refused.text)
    assert "percentage from 0.1 to 99.9" in page.find(data_testid="error").text
    assert page.find("input", name="canary_percent").attrs["value"] == "150"
    assert await gateway.services.fix_links.fixes_for(issue_id) == []


async def test_the_make_live_forms_canary_share_says_it_is_for_a_canary_only(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, kind="prompt", text="Say 1%.", limit="1")

    form = parse((await reviewer.get(preview_path)).text).find("form", id="make-live-form")

    # Without scripts it stays in the form (templates/prompt_rollout.html; rollout_fields.js hides it for "active").
    # In percent, said so before the box: "0.05" was typed for 5 % and taken as 0.05 %.
    assert (
        form.find("label", data_canary_only="").text == "Canary share in % of calls (10 is a tenth), for a canary only"
    )


async def test_a_viewer_cannot_make_a_preview_live(gateway, client, signed_in_as, fake_upstream, gateway_embedder):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    viewer = await signed_in_as("vic", Role.VIEWER)

    page = await viewer.get(preview_path)
    sent = await make_live(viewer, preview_path)

    assert 'id="make-live-form"' not in page.text
    assert sent.status_code == 403
    assert await gateway.services.fix_links.fixes_for(issue_id) == []


async def test_making_the_same_preview_live_twice_makes_one_fix(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    await make_live(reviewer, preview_path)

    again = await make_live(reviewer, preview_path)

    assert again.status_code == 303 and again.headers["location"] == f"/admin/issues/{issue_id}?done=fixed-already"
    assert len(await gateway.services.fix_links.fixes_for(issue_id)) == 1
    app = (await gateway.services.previews.for_issue(issue_id))[0].app
    entries = await gateway.services.knowledge.service.list(EntryFilter(app=app))
    assert len(entries.data) == 1


async def test_the_canary_asked_for_all_traffic_again_says_what_is_live_and_to_promote_it(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, kind="prompt", text="Say 1%.", limit="1")
    await make_live(reviewer, preview_path, message="m", rollout="canary", canary_percent="20")

    again = await make_live(reviewer, preview_path, message="m", rollout="active")

    assert again.status_code == 409, again.text
    error = parse(again.text).find(data_testid="error").text
    assert "as a canary of 20 % of traffic" in error and "promote the canary" in error
    [link] = await gateway.services.fix_links.fixes_for(issue_id)
    assert (await gateway.services.prompts.service.get(link.fix_id)).state == "canary"


async def test_a_merged_issue_leads_to_the_issue_holding_its_complaints_instead_of_offering_forms(
    gateway, client, signed_in_as, gateway_embedder
):
    issue_id, ids = await seed_issue(gateway, client)
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    other_id = await make_issue(gateway.services.engine, [ids[2]], "Fees everywhere", app=app)
    await gateway.services.issue_service.merge(issue_id, other_id, "test")
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    page = parse((await reviewer.get(f"/admin/issues/{issue_id}/previews")).text)

    assert "Fees everywhere" in page.find(data_testid="merged-into").text
    assert page.find("a", data_testid="preview-there").attrs["href"] == f"/admin/issues/{other_id}/previews"
    assert page.find_all("form", id="preview-knowledge-form") == page.find_all("form", id="preview-prompt-form") == []


async def test_an_issue_with_nothing_to_replay_says_so_without_naming_itself_by_id(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    _, ids = await seed_issue(gateway, client)
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    empty_id = await make_issue(gateway.services.engine, ["an-interaction-gone-since"], "Vanished", app=app)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    sent = await send_form(reviewer, empty_id, **KNOWLEDGE_FORM)

    assert sent.status_code == 409
    error = parse(sent.text).find(data_testid="error").text
    assert error.startswith("Nothing to replay: this issue holds no chat completion") and empty_id not in error


async def test_change_it_and_preview_again_leads_to_the_form_it_fills(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, kind="prompt", text="Say 1%.", limit="1")

    page = parse((await reviewer.get(preview_path)).text)

    href = page.find("a", data_testid="preview-again").attrs["href"]
    assert href.endswith("#preview-prompt-form")


async def test_a_limit_refused_in_one_form_is_kept_in_that_form_only(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)

    sent = await send_form(reviewer, issue_id, **{**KNOWLEDGE_FORM, "limit": "abc"})

    page = parse(sent.text)
    assert page.find("form", id="preview-knowledge-form").find("input", name="limit").attrs["value"] == "abc"
    assert page.find("form", id="preview-prompt-form").find("input", name="limit").attrs["value"] == "10"


async def test_a_viewer_is_not_offered_to_change_a_preview_and_try_it_again(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, _ = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    viewer = await signed_in_as("vic", Role.VIEWER)

    page = parse((await viewer.get(preview_path)).text)

    assert page.find_all("a", data_testid="preview-again") == []
    assert "Change it and preview again" not in page.text


async def test_a_preview_of_an_issue_merged_since_is_not_made_live(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, ids = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    other_id = await make_issue(gateway.services.engine, [ids[2]], "Fees everywhere", app=app)
    await gateway.services.issue_service.merge(issue_id, other_id, "test")

    refused = await make_live(reviewer, preview_path)

    assert refused.status_code == 409
    assert "merged into “Fees everywhere” since this preview" in parse(refused.text).find(data_testid="error").text
    assert await gateway.services.fix_links.fixes_for(issue_id) == []
    assert not (await gateway.services.knowledge.service.list(EntryFilter(app=app))).data


async def test_a_preview_of_a_merged_issue_leads_to_that_issue_instead_of_offering_to_make_it_live(
    gateway, client, signed_in_as, fake_upstream, gateway_embedder
):
    issue_id, ids = await seed_issue(gateway, client)
    reviewer = await signed_in_as("rita", Role.REVIEWER)
    preview_path = await preview_of(reviewer, issue_id, **KNOWLEDGE_FORM)
    app = (await gateway.services.interactions.get(ids[0]))["app"]
    other_id = await make_issue(gateway.services.engine, [ids[2]], "Fees everywhere", app=app)
    await gateway.services.issue_service.merge(issue_id, other_id, "test")

    page = parse((await reviewer.get(preview_path)).text)
    there = page.find("a", data_testid="preview-there").attrs["href"]
    form = parse((await reviewer.get(there)).text).find("form", id="preview-knowledge-form")

    assert page.find_all("form", id="make-live-form") == []
    assert "Fees everywhere" in page.find(data_testid="merged-into").text
    assert there.startswith(f"/admin/issues/{other_id}/previews?from=")
    assert form.find("input", name="title").attrs["value"] == ENTRY["title"]
