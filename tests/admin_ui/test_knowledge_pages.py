"""The Knowledge pages: list and search, create, edit, deactivate and activate, restore, used by; audited; roles; escaping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import uuid_utils
from html_page import csrf_token_of, parse

from gateway.accounts.records import Role
from gateway.store.audit import AuditFilter
from gateway.store.interactions import InteractionStore


async def post_form(http, path: str, **fields: str):
    token = csrf_token_of((await http.get("/admin/knowledge")).text)
    return await http.post(path, data={**fields, "csrf_token": token})


async def test_create_edit_deactivate_activate_and_restore_through_the_forms(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)

    created = await post_form(
        rita,
        "/admin/knowledge",
        app="bot",
        title="Transfer fees",
        content="Transfers cost 1 %.",
        example_questions="What does a transfer cost?\nFees?",
        tags="fees, transfers",
        active="on",
    )
    assert created.status_code == 303
    entry_path = created.headers["location"].split("?")[0]
    entry_id = entry_path.rsplit("/", 1)[1]
    edited = await post_form(
        rita,
        f"{entry_path}/edit",
        title="Transfer fees",
        content="Transfers cost 2 %.",
        example_questions="What does a transfer cost?",
        tags="fees",
    )
    assert edited.status_code == 303
    assert (await post_form(rita, f"{entry_path}/deactivate")).status_code == 303
    assert parse((await rita.get(entry_path)).text).find(data_testid="state").text == "inactive"
    assert (await post_form(rita, f"{entry_path}/activate")).status_code == 303
    restored = await post_form(rita, f"{entry_path}/restore", version="1")
    assert restored.status_code == 303

    page = parse((await rita.get(entry_path)).text)
    assert page.find(data_testid="content").text == "Transfers cost 1 %."
    assert page.find(data_testid="state").text == "active"
    changes = [row.find_all("td")[1].text for row in page.find(data_testid="versions").find_all("tr")[1:]]
    assert changes == ["restored (from 1)", "activated", "deactivated", "edited", "created"]
    audit = await gateway.services.audit_service.list(AuditFilter(actor="rita", subject_id=entry_id), 20)
    assert len(audit.data) == 5


async def test_the_list_searches_and_filters_in_the_url(browser_as, gateway):
    service = gateway.services.knowledge.service
    await service.create("bot", "Transfer fees", "Transfers cost 1 %.", tags=["fees"], author="test")
    await service.create("bot", "Opening hours", "We open at 9.", author="test")
    await service.create("other", "Transfer limits", "At most 10k.", active=False, author="test")
    viewer = await browser_as("vic", Role.VIEWER)

    def titles(html: str) -> list[str]:
        return sorted(row.find("a").text for row in parse(html).find(data_testid="entries").find_all("tr")[1:])

    assert titles((await viewer.get("/admin/knowledge?q=transfer")).text) == ["Transfer fees", "Transfer limits"]
    assert titles((await viewer.get("/admin/knowledge?q=transfer&app=bot")).text) == ["Transfer fees"]
    assert titles((await viewer.get("/admin/knowledge?active=no")).text) == ["Transfer limits"]
    assert titles((await viewer.get("/admin/knowledge?tag=fees")).text) == ["Transfer fees"]


async def test_an_active_filter_that_is_not_yes_or_no_is_a_400_naming_it_as_its_box_does(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/knowledge?active=maybe")

    assert response.status_code == 400
    assert "The filter “State” must be one of “active”, “inactive”; got &#39;maybe&#39;." in response.text


@pytest.mark.parametrize("offset", ["9" * 30, "-1", "ten"])
async def test_an_offset_that_is_no_row_number_is_a_400_naming_it_as_the_queue_does(browser_as, offset):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(f"/admin/knowledge?offset={offset}")

    assert response.status_code == 400
    # Named by the label the pages give it (admin_ui.query_params.FILTER_LABELS), not as 'offset'.
    assert "The filter “Page start” must be a whole number of rows" in response.text


async def test_an_entry_lists_the_interactions_it_was_added_to(browser_as, gateway):
    service = gateway.services.knowledge.service
    entry = await service.create("bot", "Transfer fees", "Transfers cost 1 %.", author="test")
    other = await service.create("bot", "Opening hours", "We open at 9.", author="test")
    used, unused = str(uuid_utils.uuid7()), str(uuid_utils.uuid7())
    # As the proxy records the knowledge policy's note (gateway.proxy.decide): its fields beside the policy's name.
    note = [
        {"policy": "knowledge", "action": "replace_body", "entries": [{"id": entry.id, "version": 1, "score": 0.8}]}
    ]
    rows = [
        {
            "id": used,
            "created_at": datetime.now(UTC),
            "app": "bot",
            "endpoint": "chat.completions",
            "upstream": "default",
            "model": "gpt-test",
            "stream": False,
            "partial": False,
            "policies": note,
        },
        {
            "id": unused,
            "created_at": datetime.now(UTC),
            "app": "bot",
            "endpoint": "chat.completions",
            "upstream": "default",
            "model": "gpt-test",
            "stream": False,
            "partial": False,
            "policies": None,
        },
    ]
    await InteractionStore(gateway.services.engine).insert_many(rows)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/knowledge/{entry.id}")).text)
    other_page = parse((await viewer.get(f"/admin/knowledge/{other.id}")).text)

    assert [a.text for a in page.find(data_testid="used-by").find_all("a")] == [used]
    assert other_page.find(data_testid="unused")
    assert (await viewer.get("/admin/knowledge/no-such-entry")).status_code == 404


async def test_a_refused_entry_says_why_and_keeps_the_form(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)

    refused = await post_form(rita, "/admin/knowledge", app="bot", title="", content="Kept text")

    assert refused.status_code == 400
    page = parse(refused.text)
    assert page.find(data_testid="error").text == "“Title” is blank: give the entry a title."
    assert page.find("form", data_testid="create-form").find("textarea").text == "Kept text"


@pytest.mark.parametrize(
    ("version", "sent"),
    [("99999999999999999999", "'99999999999999999999'"), ("abc", "'abc'"), (None, "nothing")],
)
async def test_restoring_a_version_that_cannot_be_one_is_a_400_naming_what_was_sent(browser_as, gateway, version, sent):
    entry = await gateway.services.knowledge.service.create("bot", "Fees", "1 %.", author="test")
    rita = await browser_as("rita", Role.REVIEWER)
    fields = {} if version is None else {"version": version}

    refused = await post_form(rita, f"/admin/knowledge/{entry.id}/restore", **fields)

    assert refused.status_code == 400
    error = parse(refused.text).find(data_testid="error").text
    assert error == f"version must be a whole number from 1 to 2147483647, got {sent}"
    assert len(await gateway.services.knowledge.service.versions(entry.id)) == 1


async def test_saving_a_form_opened_before_someone_elses_save_is_a_409_that_saves_nothing(browser_as, gateway):
    entry = await gateway.services.knowledge.service.create("bot", "Fees", "Transfers cost 1 %.", author="test")
    alice, bob = await browser_as("alice", Role.REVIEWER), await browser_as("bob", Role.REVIEWER)
    path = f"/admin/knowledge/{entry.id}"

    def form_of(html: str) -> dict[str, str]:
        edit = parse(html).find("form", data_testid="edit-form")
        fields = {i.attrs["name"]: i.attrs.get("value", "") for i in edit.find_all("input")}
        return fields | {t.attrs["name"]: t.text for t in edit.find_all("textarea")}

    alices, bobs = form_of((await alice.get(path)).text), form_of((await bob.get(path)).text)
    saved = await bob.post(f"{path}/edit", data={**bobs, "content": "Transfers cost 2 %."})
    stale = await alice.post(f"{path}/edit", data={**alices, "title": "Transfer fees"})

    assert saved.status_code == 303
    assert stale.status_code == 409
    page = parse(stale.text)
    assert "changed since you opened it" in page.find(data_testid="error").text
    assert form_of(stale.text)["content"] == "Transfers cost 2 %."
    assert "Transfer fees" in page.find(data_testid="unsaved").text
    now = await gateway.services.knowledge.service.get(entry.id)
    assert (now.title, now.content, now.version) == ("Fees", "Transfers cost 2 %.", 2)


async def test_a_viewer_reads_but_cannot_change(browser_as, gateway):
    entry = await gateway.services.knowledge.service.create("bot", "Fees", "1 %.", author="test")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/knowledge/{entry.id}")).text)
    refused = [
        await post_form(viewer, f"/admin/knowledge/{entry.id}/deactivate"),
        await post_form(viewer, f"/admin/knowledge/{entry.id}/edit", title="x", content="y"),
        await post_form(viewer, "/admin/knowledge", app="bot", title="t", content="c"),
    ]

    assert page.find_all("form", data_testid="edit-form") == []
    assert [response.status_code for response in refused] == [403, 403, 403]
    assert (await gateway.services.knowledge.service.get(entry.id)).active


async def test_a_script_in_an_entry_title_renders_as_text(browser_as, gateway):
    entry = await gateway.services.knowledge.service.create(
        "bot", "<script>alert(1)</script>", "<b>bold</b>", author="test"
    )
    viewer = await browser_as("vic", Role.VIEWER)

    listing = (await viewer.get("/admin/knowledge")).text
    detail = (await viewer.get(f"/admin/knowledge/{entry.id}")).text

    assert "<script>alert" not in listing and "<script>alert" not in detail
    assert parse(listing).find(data_testid="entries").find("a").text == "<script>alert(1)</script>"
    assert parse(detail).find(data_testid="title").text == "<script>alert(1)</script>"
    assert parse(detail).find(data_testid="content").text == "<b>bold</b>"


async def test_a_restore_from_a_page_opened_before_another_save_is_a_409(browser_as, gateway):
    knowledge = gateway.services.knowledge.service
    entry = await knowledge.create("bot", "Fees", "Transfers cost 1 %.", author="test")
    await knowledge.edit(entry.id, author="test", content="Transfers cost 2 %.")
    alice, bob = await browser_as("alice", Role.REVIEWER), await browser_as("bob", Role.REVIEWER)
    path = f"/admin/knowledge/{entry.id}"
    restore_form = parse((await alice.get(path)).text).find("form", action=f"{path}/restore")
    alices = {i.attrs["name"]: i.attrs.get("value", "") for i in restore_form.find_all("input")}
    saved = await post_form(bob, f"{path}/edit", title="Fees", content="Transfers cost 3 %.", expected_version="2")

    stale = await alice.post(f"{path}/restore", data=alices)

    assert saved.status_code == 303
    assert stale.status_code == 409
    assert "Nothing was restored" in parse(stale.text).find(data_testid="error").text
    now = await knowledge.get(entry.id)
    assert (now.content, now.version) == ("Transfers cost 3 %.", 3)
