"""The running gateway checks the retrain trigger after a correction and after a review decision."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager
from webhook_receiver import SECRET

from gateway.app import create_app
from gateway.store.retrain_triggers import RetrainTriggerStore


async def test_a_correction_and_a_decision_through_the_gateway_fire_the_webhook(settings, receiver, admin_headers):
    # No task needs a second reviewer: by default one in ten does (picked by a hash of its random
    # id), stays open after one decision and labels no example. The review rules, background work
    # this test does not need, stay off.
    changed = settings.model_copy(
        update={
            "retrain_threshold": 2,
            "retrain_webhook_url": receiver.url,
            "review_second_opinion_share": 0.0,
            "review_similar_negative_rule": False,
            "review_anomalous_rule": False,
        }
    )
    app = create_app(changed, environ={"FEEDGATE_RETRAIN_WEBHOOK_SECRET": SECRET.decode()})
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            ids = []
            for question in ("What is the fee?", "When do I pay?"):
                body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}
                answered = await http.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-x"})
                assert answered.status_code == 200, answered.text
                ids.append(
                    (answered.headers["x-feedgate-interaction-id"], answered.headers["x-feedgate-feedback-token"])
                )
            await app.services.writer.flush()

            posted = await http.post(
                "/v1/feedback",
                json={"interaction_id": ids[0][0], "correction": "The fee is 1%."},
                headers={"x-feedgate-feedback-token": ids[0][1]},
            )
            assert posted.status_code == 201, posted.text
            await app.services.retrain.idle()
            assert receiver.received == []  # one example: below the threshold

            task = await http.post(
                "/api/reviews",
                json={
                    "app": posted.json()["app"],
                    "reason": "Check it",
                    "interaction_ids": [ids[1][0]],
                    "priority": "low",
                    "created_by": "alice",
                },
                headers=admin_headers,
            )
            assert task.status_code == 201, task.text
            assert task.json()["interaction_ids"] == [ids[1][0]], task.text
            decided = await http.post(
                f"/api/reviews/{task.json()['id']}/decision",
                json={"outcome": "correct", "reviewer": "alice", "correction": "On the 1st."},
                headers=admin_headers,
            )
            assert decided.status_code in (200, 201), decided.text
            assert decided.json()["status"] == "resolved", decided.text
            await app.services.retrain.idle()

            triggers = await RetrainTriggerStore(app.services.engine).list()

    assert len(receiver.received) == 1, f"triggers recorded: {triggers}"
    (body,) = receiver.verified()
    assert (body["new_examples"], body["total_examples"]) == (2, 2)
