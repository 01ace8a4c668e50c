"""The Prompts page's publish form holds to the API's rules: no blank model, a canary share that gets calls."""

from __future__ import annotations

from html_page import parse
from test_prompt_pages import post_form

from gateway.accounts.records import Role


async def test_a_model_of_spaces_is_refused_naming_the_field_while_an_empty_one_means_every_model(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)
    fields = {"app": "bot", "text": "Be brief.", "message": "m", "rollout": "inactive"}

    spaces = await post_form(rita, "/admin/prompts/publish", **fields, model="   ")
    empty = await post_form(rita, "/admin/prompts/publish", **fields, model="")

    assert spaces.status_code == 400
    assert "“Model” is blank" in parse(spaces.text).find(data_testid="error").text
    assert parse(spaces.text).find("input", name="model").attrs.get("aria-invalid") == "true"
    assert empty.status_code == 303
    [listed] = (await gateway.services.prompts.service.list("bot")).versions
    assert listed.version.model is None


async def test_a_canary_share_below_the_smallest_is_refused_in_percent(browser_as, gateway):
    rita = await browser_as("rita", Role.REVIEWER)

    sent = await post_form(
        rita,
        "/admin/prompts/publish",
        app="bot",
        text="Be brief.",
        message="m",
        rollout="canary",
        share_percent="1e-298",
    )

    assert sent.status_code == 400
    assert "from 0.1 to 99.9" in parse(sent.text).find(data_testid="error").text
    assert (await gateway.services.prompts.service.list("bot")).versions == ()
