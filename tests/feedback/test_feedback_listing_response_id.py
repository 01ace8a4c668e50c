"""GET /api/feedback?interaction_id= takes the upstream's response id (`chatcmpl-…`), as POST /v1/feedback and
GET /api/interactions/{id} do: an app that posted its feedback by `completion.id` lists it by the same id, where the
listing answered 200 and empty."""

from __future__ import annotations

from feedback_helpers import APP_KEY


async def listed(client, admin_headers, **params) -> list[str]:
    response = await client.get("/api/feedback", params=params, headers=admin_headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_the_upstream_response_id_lists_the_interactions_feedback(client, admin_headers, answer, post_feedback):
    given = await answer(APP_KEY)
    posted = await post_feedback({"interaction_id": given.response_id, "thumbs": "down"}, token=given.token)

    assert await listed(client, admin_headers, interaction_id=given.response_id) == [posted.json()["id"]]


async def test_an_id_no_interaction_has_still_lists_nothing(client, admin_headers, answer, post_feedback):
    given = await answer(APP_KEY)
    await post_feedback({"thumbs": "up"}, token=given.token)

    assert await listed(client, admin_headers, interaction_id="chatcmpl-no-such-answer") == []
