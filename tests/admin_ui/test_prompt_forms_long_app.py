"""A prompt form naming an app longer than any app name is refused as a 400 saying so, never a 500."""

from __future__ import annotations

from html_page import csrf_token_of, parse

from gateway.accounts.records import Role

TOO_LONG = "a" * 201  # an app name is at most 200 characters


async def _post(http, path: str, **fields: str):
    token = csrf_token_of((await http.get("/admin/prompts")).text)
    return await http.post(path, data={**fields, "csrf_token": token})


async def test_publishing_for_an_app_name_too_long_is_refused_keeping_the_instructions(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)

    answer = await _post(rita, "/admin/prompts/publish", app=TOO_LONG, text="Be brief.", rollout="inactive")

    assert answer.status_code == 400
    page = parse(answer.text)
    assert "at most 200 characters" in page.find(data_testid="error").text
    assert page.find("form", data_testid="publish-form").find("textarea", name="text").text == "Be brief."


async def test_setting_the_mode_of_an_app_name_too_long_is_refused(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)

    answer = await _post(rita, "/admin/prompts/mode", app=TOO_LONG, mode="append")

    assert answer.status_code == 400
    assert "at most 200 characters" in parse(answer.text).find(data_testid="error").text
