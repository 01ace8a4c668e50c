"""The Prompts pages: versions per app, publish, canary with a share, promote, roll back, diff; audited; roles."""

from __future__ import annotations

from html_page import csrf_token_of, parse

from gateway.accounts.records import Role
from gateway.store.audit import AuditFilter


async def post_form(http, path: str, **fields: str):
    token = csrf_token_of((await http.get("/admin/prompts")).text)
    return await http.post(path, data={**fields, "csrf_token": token})


def versions_of(html: str) -> dict[str, tuple[str, str]]:
    """version number -> (id, state text) as the versions table shows them."""
    rows = parse(html).find(data_testid="versions").find_all("tr")[1:]
    return {row.find("td").text: (row.attrs["data-version-id"], row.find(data_testid="state").text) for row in rows}


async def test_publish_canary_promote_and_roll_back_through_the_forms(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)

    first = await post_form(
        rita, "/admin/prompts/publish", app="bot", text="Be brief.", message="first", rollout="active"
    )
    assert first.status_code == 303 and first.headers["location"] == "/admin/prompts?app=bot&changed=published"
    second = await post_form(
        rita,
        "/admin/prompts/publish",
        app="bot",
        text="Be brief.\nCite the fee table.",
        message="fees",
        rollout="canary",
        share_percent="20",
    )
    assert second.status_code == 303
    page = (await rita.get("/admin/prompts?app=bot")).text
    versions = versions_of(page)
    assert versions == {"v1": (versions["v1"][0], "active"), "v2": (versions["v2"][0], "canary (20 %)")}
    v1, v2 = versions["v1"][0], versions["v2"][0]

    assert (await post_form(rita, f"/admin/prompts/{v2}/canary", share_percent="50")).status_code == 303
    assert versions_of((await rita.get("/admin/prompts?app=bot")).text)["v2"][1] == "canary (50 %)"
    assert (await post_form(rita, f"/admin/prompts/{v2}/promote")).status_code == 303
    assert versions_of((await rita.get("/admin/prompts?app=bot")).text) == {
        "v1": (v1, "inactive"),
        "v2": (v2, "active"),
    }
    assert (await post_form(rita, f"/admin/prompts/{v2}/rollback")).status_code == 303
    assert versions_of((await rita.get("/admin/prompts?app=bot")).text) == {
        "v1": (v1, "active"),
        "v2": (v2, "inactive"),
    }

    audit = await gateway.services.audit_service.list(AuditFilter(actor="rita"), 20)
    actions = [record.action for record in reversed(audit.data)]
    assert actions[:2] == ["prompt.publish", "prompt.publish"]
    assert {"prompt.canary", "prompt.promote", "prompt.rollback"} <= set(actions)


async def test_the_diff_view_shows_added_and_removed_lines(browser_as, gateway):
    service = gateway.services.prompts.service
    old = await service.publish("bot", "Be brief.\nBe kind.\n", "one", "test")
    new = await service.publish("bot", "Be brief.\nCite the fee table.\n", "two", "test")
    viewer = await browser_as("vic", Role.VIEWER)

    listing = parse((await viewer.get("/admin/prompts?app=bot")).text)
    link = listing.find("a", data_testid="diff-link").attrs["href"]
    diff = parse((await viewer.get(link)).text).find(data_testid="diff")

    assert link == f"/admin/prompts/diff?from={old.version.id}&to={new.version.id}"
    assert [span.text for span in diff.find_all("span", class_="added")] == ["+Cite the fee table."]
    assert [span.text for span in diff.find_all("span", class_="removed")] == ["-Be kind."]
    assert (await viewer.get("/admin/prompts/diff?from=nope&to=nope")).status_code == 404


async def test_each_version_is_diffed_against_the_one_before_it_for_the_same_model(browser_as, gateway):
    service = gateway.services.prompts.service
    first = await service.publish("bot", "Be brief.", "one", "test")
    for_gpt4o = await service.publish("bot", "Be formal.", "gpt-4o one", "test", model="gpt-4o")
    second = await service.publish("bot", "Be brief and kind.", "two", "test")
    viewer = await browser_as("vic", Role.VIEWER)

    rows = parse((await viewer.get("/admin/prompts?app=bot")).text).find(data_testid="versions").find_all("tr")[1:]
    links = {row.attrs["data-version-id"]: row.find_all("a", data_testid="diff-link") for row in rows}

    # Numbers count per model: app-wide v2 follows app-wide v1, and gpt-4o's v1 follows nothing.
    [after_first] = links[second.version.id]
    assert after_first.attrs["href"] == f"/admin/prompts/diff?from={first.version.id}&to={second.version.id}"
    assert after_first.text == "against v1"
    assert links[for_gpt4o.version.id] == [] and links[first.version.id] == []
    cross = parse((await viewer.get(f"/admin/prompts/diff?from={first.version.id}&to={for_gpt4o.version.id}")).text)
    assert cross.find("h1").text == "bot: v1 → gpt-4o v1"


async def test_a_diff_without_its_versions_is_a_400_saying_what_to_give(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get("/admin/prompts/diff?from=abc")

    assert response.status_code == 400
    assert "Say which versions to compare: ?to=" in response.text


async def test_a_refused_change_says_why_and_keeps_the_form(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)

    empty = await post_form(rita, "/admin/prompts/publish", app="bot", text="  ", message="m", rollout="inactive")
    bad_share = await post_form(
        rita, "/admin/prompts/publish", app="bot", text="Hi <b>", message="m", rollout="canary", share_percent="150"
    )

    assert empty.status_code == 400 and "“Instructions”" in parse(empty.text).find(data_testid="error").text
    assert bad_share.status_code == 400
    assert "percentage from 0.1 to 99.9" in parse(bad_share.text).find(data_testid="error").text
    assert "got 150" in parse(bad_share.text).find(data_testid="error").text
    assert parse(bad_share.text).find("textarea").text == "Hi <b>"
    version = await gateway.services.prompts.service.publish("bot", "x", "m", "test", activate=True)
    again = await post_form(rita, f"/admin/prompts/{version.version.id}/promote")
    assert again.status_code == 409 and parse(again.text).find(data_testid="error").text


async def test_a_viewer_reads_but_cannot_change(browser_as, gateway):
    version = await gateway.services.prompts.service.publish("bot", "Be brief.", "one", "test")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/prompts?app=bot")).text)
    refused = await post_form(viewer, f"/admin/prompts/{version.version.id}/activate")
    published = await post_form(viewer, "/admin/prompts/publish", app="bot", text="x", message="m", rollout="active")

    assert (
        page.find_all("form", data_testid="publish-form") == []
        and page.find_all("button", data_testid="activate") == []
    )
    assert refused.status_code == 403 and published.status_code == 403
    assert (await gateway.services.prompts.service.get(version.version.id)).state == "inactive"


async def test_instructions_and_messages_render_as_text(browser_as, gateway):
    await gateway.services.prompts.service.publish("bot", "<script>alert(1)</script>", "<script>x</script>", "test")
    viewer = await browser_as("vic", Role.VIEWER)

    html = (await viewer.get("/admin/prompts?app=bot")).text

    assert "<script>x" not in html
    assert "<script>x</script>" in parse(html).find(data_testid="versions").text


async def test_the_mode_form_sets_how_versions_meet_the_apps_system_message(browser_as, gateway):
    await gateway.services.prompts.service.publish("bot", "Be brief.", "one", "test")
    rita = await browser_as("rita", Role.REVIEWER)

    changed = await post_form(rita, "/admin/prompts/mode", app="bot", mode="replace")
    refused = await post_form(rita, "/admin/prompts/mode", app="bot", mode="sideways")

    assert changed.status_code == 303 and changed.headers["location"] == "/admin/prompts?app=bot&changed=mode"
    assert parse((await rita.get("/admin/prompts?app=bot")).text).find(data_testid="mode").text == "replace"
    assert refused.status_code == 400 and "'mode'" in parse(refused.text).find(data_testid="error").text
    audit = await gateway.services.audit_service.list(AuditFilter(actor="rita"), 5)
    assert [record.action for record in audit.data][:1] == ["prompt.mode"]


async def test_publishing_with_a_mode_sets_the_apps_mode(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)

    published = await post_form(
        rita, "/admin/prompts/publish", app="bot", text="Be brief.", message="m", mode="append", rollout="active"
    )

    assert published.status_code == 303
    assert (await gateway.services.prompts.service.list("bot")).mode == "append"


async def test_a_viewer_cannot_change_the_mode(browser_as, gateway):
    await gateway.services.prompts.service.publish("bot", "Be brief.", "one", "test")
    viewer = await browser_as("vic", Role.VIEWER)

    refused = await post_form(viewer, "/admin/prompts/mode", app="bot", mode="replace")

    assert refused.status_code == 403
    assert parse((await viewer.get("/admin/prompts?app=bot")).text).find_all("form", data_testid="mode-form") == []


async def test_each_version_links_to_a_page_with_its_instructions(browser_as, gateway):
    first = await gateway.services.prompts.service.publish(
        "bot", "Be brief.\n<b>Quote the fee table.</b>", "one", "ana", activate=True
    )
    viewer = await browser_as("vic", Role.VIEWER)

    listing = parse((await viewer.get("/admin/prompts?app=bot")).text)
    link = listing.find("a", data_testid="version-link").attrs["href"]
    html = (await viewer.get(link)).text
    page = parse(html)

    assert link == f"/admin/prompts/versions/{first.version.id}"
    assert page.find("pre", data_testid="version-text").text == "Be brief. <b>Quote the fee table.</b>"
    assert "Be brief.\n&lt;b&gt;Quote" in html  # as text, its line breaks kept
    assert page.find("dd", data_testid="state").text == "active"
    assert (await viewer.get("/admin/prompts/versions/nope")).status_code == 404


async def test_the_versions_address_without_an_id_leads_to_the_prompts_page(browser_as):
    viewer = await browser_as("vic", Role.VIEWER)

    for address in ("/admin/prompts/versions", "/admin/prompts/versions/"):
        response = await viewer.get(address)
        assert (response.status_code, response.headers["location"]) == (303, "/admin/prompts")


async def test_the_page_without_an_app_says_to_choose_one_to_see_its_versions(browser_as, gateway):
    # A version published from a review task, then "Prompts" in the header: the page showed the app's
    # name and the publish form, and nothing said its versions were behind that name.
    await gateway.services.prompts.service.publish("bot", "Be brief.", "first", "rita", activate=True)
    await gateway.services.prompts.service.publish("helpdesk", "Be kind.", "first", "rita", activate=True)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/prompts")).text)

    assert page.find(data_testid="choose-app").text == "Choose an app above to see its versions and roll them out."


async def test_the_page_without_an_app_opens_on_the_only_app_there_is(browser_as, gateway):
    # With one app there is nothing to choose: "Choose an app above" only sent the reader to its one link.
    await gateway.services.prompts.service.publish("bot", "Be brief.", "first", "rita", activate=True)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/prompts")).text)

    assert page.find_all(data_testid="choose-app") == []
    assert page.find("h1").text == "Prompts · bot"
    assert [row.find("td").text for row in page.find(data_testid="versions").find_all("tr")[1:]] == ["v1"]
