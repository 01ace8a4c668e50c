"""A canary's share on the Prompts pages: said as the preview and review forms take it, never rounded to nothing."""

from __future__ import annotations

from html_page import parse

from gateway.accounts.records import Role


async def _half_percent_canary(gateway) -> str:
    service = gateway.services.prompts.service
    await service.publish("bot", "Be brief.", "first", "test", activate=True)
    canary = await service.publish("bot", "Be brief.\nCite the fee table.", "fees", "test", canary_share=0.005)
    return canary.version.id


async def test_the_versions_table_says_a_half_percent_canary_as_such(browser_as, gateway):
    # A fix made live from a preview as a canary of 0.5 % read "canary (0 %)" here.
    version_id = await _half_percent_canary(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    row = parse((await rita.get("/admin/prompts?app=bot")).text).find("tr", data_version_id=version_id)

    assert row.find(data_testid="state").text == "canary (0.5 %)"


async def test_the_version_page_says_a_half_percent_canary_as_such(browser_as, gateway):
    version_id = await _half_percent_canary(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/prompts/versions/{version_id}")).text)

    assert page.find(data_testid="state").text == "canary (0.5 %)"


async def test_the_share_box_holds_the_canarys_share_and_takes_a_fraction_of_a_percent(browser_as, gateway):
    # The box showed 1 (rounded) and, with step 1 and min 1, refused 0.5, which the server and the other forms take:
    # pressing "Set share" unchanged doubled the canary's traffic.
    version_id = await _half_percent_canary(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    row = parse((await rita.get("/admin/prompts?app=bot")).text).find("tr", data_version_id=version_id)
    box = row.find("input", name="share_percent")

    assert box.attrs["value"] == "0.5"
    assert box.attrs.get("step") == "any"
    assert float(box.attrs.get("min", "0")) <= 0.5


async def test_the_publish_forms_share_box_takes_a_fraction_of_a_percent(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)

    form = parse((await rita.get("/admin/prompts?app=bot")).text).find("form", data_testid="publish-form")
    box = form.find("input", name="share_percent")

    assert box.attrs.get("step") == "any"
    assert float(box.attrs.get("min", "0")) <= 0.5
