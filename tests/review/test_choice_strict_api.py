"""`choice` on `POST /api/reviews/{id}/decision` and `/fix` is a JSON number, as on `/v1/feedback`: a string such as
"1" is a 400 naming `choice` (the framework's lax decoding read it as 1), a whole float is that index. Both databases."""

from __future__ import annotations

import pytest
from test_decision_choice_api import answered, decide, task_for
from test_fix_choice_api import fix, task_page


@pytest.mark.parametrize("sent", ["1", "0", "1.0"])
async def test_a_choice_sent_as_a_string_is_refused_naming_it(client, gateway, admin_headers, fake_upstream, sent):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    for refused in (
        await decide(client, admin_headers, task_id, outcome="approve", choice=sent),
        await fix(client, admin_headers, task_id, choice=sent),
    ):
        assert refused.status_code == 400, refused.text
        body = refused.json()
        assert body["extra"] == [{"key": "choice", "message": body["detail"], "source": "body"}]
        assert body["detail"].startswith("'choice' must be the index of one of the answer's choices, 0 to 127, not ")
        assert f'"{sent}"' in body["detail"]
    task = await task_page(client, admin_headers, task_id)
    assert (task["status"], task["decisions"]) == ("open", [])


async def test_a_whole_float_is_that_choice_as_on_v1_feedback(client, gateway, admin_headers, fake_upstream):
    task_id = await task_for(client, admin_headers, [await answered(client, gateway)])

    decided = await decide(client, admin_headers, task_id, outcome="approve", choice=1.0)

    assert decided.status_code == 200, decided.text
    assert [d["choice"] for d in decided.json()["decisions"]] == [1]


async def test_v1_feedback_refuses_the_same_string(client, gateway, fake_upstream):
    interaction_id = await answered(client, gateway)

    refused = await client.post(
        "/v1/feedback",
        json={"interaction_id": interaction_id, "thumbs": "down", "choice": "1"},
        headers={"authorization": "Bearer sk-choices-app"},
    )

    assert refused.status_code == 422, refused.text
    assert (
        refused.json()["error"]["message"]
        == "'choice' must be the index of one of the answer's choices, 0 to 127, not \"1\""
    )
