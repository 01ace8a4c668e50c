"""The overview shows the last 7 days' figures from StatsService, end to end through the gateway."""

from __future__ import annotations

from html_page import parse

from gateway.accounts.records import Role


async def answer_and_rate(client, thumbs: str) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "How do I reset my password?"}]}
    answered = await client.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-app"})
    assert answered.status_code == 200, answered.text
    feedback = await client.post(
        "/v1/feedback",
        json={"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": thumbs},
        headers={"x-feedgate-feedback-token": answered.headers["x-feedgate-feedback-token"]},
    )
    assert feedback.status_code in (200, 201, 202), feedback.text


async def test_the_overview_shows_interactions_and_the_negative_rate(browser_as, client, gateway):
    for thumbs in ("down", "up", "up", "up"):
        await answer_and_rate(client, thumbs)
    await gateway.services.writer.flush()
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin")).text)

    assert page.find(data_testid="interactions").text == "4"
    assert page.find(data_testid="feedback").text == "4"
    assert page.find(data_testid="negative-rate").text == "25.0 %"
    assert page.find("nav").find("a", aria_current="page").text == "Overview"


async def test_placeholders_say_coming_soon_behind_the_sign_in(browser_as, client):
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/knowledge")).text)

    assert page.find("h1").text == "Knowledge"
    assert page.find("p", class_="muted").text.startswith("Coming soon")
    assert (await client.get("/admin/knowledge")).status_code == 303
