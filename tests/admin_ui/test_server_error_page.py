"""A page that fails on the server answers a 500 in the admin layout, not the API's JSON, and still logs the failure."""

from __future__ import annotations

import logging

from html_page import parse

from gateway.accounts.records import Role


async def test_a_failing_page_is_a_500_page_in_the_admin_layout(browser_as, gateway, monkeypatch, caplog):
    # Chromium showed {"status_code":500,"detail":"Internal Server Error"} in its JSON viewer, with no way back.
    rita = await browser_as("rita", Role.REVIEWER)

    async def broken(app: str) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(gateway.services.prompts.service, "list", broken)
    with caplog.at_level(logging.ERROR, logger="feedgate.http"):
        answer = await rita.get("/admin/prompts?app=bot")

    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    page = parse(answer.text)
    assert page.find("h1").text == "Something went wrong"
    assert "error on the server" in page.find(role="alert").text
    assert "Back to the overview" in [link.text for link in page.find_all("a", href="/admin")]
    assert any("unhandled error answering GET /admin/prompts" in record.getMessage() for record in caplog.records)
