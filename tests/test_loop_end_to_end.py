"""The whole loop on both databases: traffic, complaints, an issue, a task, its fix, and the fix's measured effect.

A real socket, the real openai SDK and real embeddings. The fake upstream answers transfer-fee
questions wrongly unless a system message carries "The transfer fee is 1%", and account-closing
questions unhelpfully unless a system message names "Settings > Account > Close account"
(gateway.demo.fake_rules). End users complain; a clustering pass finds both issues; their tasks
suggest a knowledge-base entry (users gave corrections) and better instructions (they did not).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import openai
import pytest

from clustering import SentenceTransformerEmbedder
from gateway.demo.fake_rules import CLOSE_ACCOUNT, TRANSFER_FEE
from gateway.discovery.job import run_clustering_pass
from gateway.embedder import LazyEmbedder
from gateway.review.fix_resolution import FixResolution
from gateway.store.issues import IssueFilter, IssueStore

ADMIN = {"authorization": "Bearer test-admin-token"}
FEE = [
    "What is the transfer fee for sending money to Spain?", "Is there a transfer fee on international payments?",
    "How much is the transfer fee for a 500 euro payment?", "Do you charge a transfer fee for SEPA transfers?",
    "Tell me the transfer fee when I send money abroad", "What transfer fee do I pay on a transfer to my sister?",
    "Is the transfer fee the same for every country?", "How big is the transfer fee for business accounts?",
]  # fmt: skip
ACCOUNT = [
    "How do I close my account?", "I want to cancel my account today, please.", "Help me delete my account.",
    "Where can I close my account in the app?", "How can I cancel my account and get my money out?",
    "Please delete my account.",
]  # fmt: skip
FEE_CORRECTION = "The transfer fee is 1% of the amount."
ACCOUNT_COMPLAINT = "It should tell me how to close my account"
FEE_COMPLAINT = "Wrong: I was charged a fee"
ENTRY = {
    "title": "Transfer fees",
    "content": "The transfer fee is 1% of the amount sent.",
    # As a reviewer writes them: the ways the issue's users asked.
    "example_questions": [
        "What is the transfer fee?", "How much is the transfer fee for a payment?",
        "Is there a transfer fee for sending money abroad?", "How big is the transfer fee?",
    ],
}  # fmt: skip
INSTRUCTION = "When users want to close their account, tell them: Settings > Account > Close account."
REFRESH = 0.2
# How long each answer gets to collect its feedback before the effect counts it (effect_follow_up_hours).
FOLLOW_UP = timedelta(seconds=10)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The packaged all-MiniLM-L6-v2, loaded once for the session."""
    model = SentenceTransformerEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture
def settings(settings, monkeypatch, embedder):
    """Fixes reload quickly; a small app's thresholds; the gateways share the session's embedder."""
    monkeypatch.setattr(
        "gateway.services_setup.product_embedder", lambda settings, environ: LazyEmbedder.holding(embedder)
    )
    return settings.model_copy(
        update={
            "knowledge_refresh_seconds": REFRESH,
            "prompt_refresh_seconds": REFRESH,
            "prompt_guard_interval_minutes": 0,
            "review_issue_min_size": 3,
            # Every task is resolved by one reviewer (a sampled second opinion would leave it open).
            "review_second_opinion_share": 0,
            "review_similar_negative_rule": False,
            "review_anomalous_rule": False,
            "effect_min_interactions": 5,
            "effect_min_with_feedback": 3,
            # The test's end users rate within seconds of their answers.
            "effect_follow_up_hours": FOLLOW_UP.total_seconds() / 3600,
        }
    )


@dataclass(frozen=True)
class Answer:
    """One call through the gateway: the answer's text, its interaction, and the end user's feedback token."""

    text: str
    interaction_id: str
    token: str


def ask(sdk: openai.OpenAI, question: str, user: str) -> Answer:
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}], user=user
    )
    text = raw.parse().choices[0].message.content or ""
    return Answer(text, raw.headers["x-feedgate-interaction-id"], raw.headers["x-feedgate-feedback-token"])


def rate(live, answer: Answer, thumbs: str, **text: str) -> None:
    body = {"interaction_id": answer.interaction_id, "thumbs": thumbs, **text}
    sent = httpx.post(f"{live.origin}/v1/feedback", json=body, headers={"x-feedgate-feedback-token": answer.token})
    assert sent.status_code == 201, sent.text


def rate_at_once(live, answer: Answer, thumbs: str, **text: str) -> Answer:
    """Rate `answer` right after it came, and return it.

    Only feedback given within FOLLOW_UP of its answer counts in an effect. Asking every question
    first and rating them all after took about as long as that on loaded cores, which left the
    first answers' feedback out of the effect (the rest arm's negative rate fell below 1.0).
    """
    rate(live, answer, thumbs, **text)
    return answer


def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@dataclass(frozen=True)
class Loop:
    """What the first half of the loop produced: the app, the answers before the fix, the issues and their tasks."""

    app: str
    fee: list[Answer]
    account: list[Answer]
    fee_issue: str
    account_issue: str
    tasks: dict[str, dict]


async def complaints_to_tasks(live, sdk: openai.OpenAI, engine, settings, embedder) -> Loop:
    """Traffic with wrong answers, end users' complaints, a clustering pass, and the issue rule's tasks."""
    # Each answer is rated as soon as it comes (see rate_at_once).
    fee = [
        rate_at_once(
            live, ask(sdk, question, f"fee-user-{n}"), "down", correction=FEE_CORRECTION, comment=FEE_COMPLAINT
        )
        for n, question in enumerate(FEE)
    ]
    account = [
        rate_at_once(live, ask(sdk, question, f"account-user-{n}"), "down", comment=ACCOUNT_COMPLAINT)
        for n, question in enumerate(ACCOUNT)
    ]
    assert {a.text for a in fee} == {TRANSFER_FEE.wrong} and {a.text for a in account} == {CLOSE_ACCOUNT.wrong}
    live.flush()

    summary = await run_clustering_pass(engine, settings, embedder)
    [run] = summary.apps
    issues = {row["id"]: row for row in await IssueStore(engine).list(IssueFilter(), "size", 10)}
    members = {issue_id: set((await IssueStore(engine).get(issue_id))["member_ids"]) for issue_id in issues}
    fee_issue = next(i for i, ids in members.items() if ids == {a.interaction_id for a in fee})
    account_issue = next(i for i, ids in members.items() if ids == {a.interaction_id for a in account})
    # Blocking calls, like the SDK's above: the gateway under test runs on its own thread.
    listed = httpx.get(f"{live.origin}/api/reviews", params={"app": run.app}, headers=ADMIN).json()["data"]  # noqa: ASYNC210
    tasks = {task["issue_id"]: task for task in listed}
    return Loop(run.app, fee, account, fee_issue, account_issue, tasks)


def resolve(live, how: str, task_id: str, **fix: object) -> FixResolution:
    """Resolve the task with a fix in the gateway's own process, as the admin pages do."""
    services = live.app.services
    fixes = services.task_fixes
    return live.run_coroutine(getattr(fixes, how)(task_id, "reviewer-1", **fix))


def effect(live, issue_id: str) -> dict:
    answer = httpx.get(f"{live.origin}/api/issues/{issue_id}/effect", headers=ADMIN, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_knowledge_entry_fixes_the_issue_and_its_negative_rate_falls(live_gateway, engine, settings, embedder):
    live = live_gateway
    with openai.OpenAI(base_url=live.url, api_key="sk-app", max_retries=0) as sdk:
        loop = await complaints_to_tasks(live, sdk, engine, settings, embedder)
        task = loop.tasks[loop.fee_issue]
        assert task["suggested_action"]["kind"] == "add_knowledge_base_entry"
        assert task["suggested_action"]["corrections"][0]["text"] == FEE_CORRECTION
        assert loop.tasks[loop.account_issue]["suggested_action"]["kind"] == "revise_prompt_instructions"

        resolved = resolve(live, "resolve_with_entry", task["id"], **ENTRY)
        assert resolved.link is not None and resolved.link.issue_id == loop.fee_issue
        assert resolved.task.task.status == "resolved"
        # Within the refresh interval the gateway adds the entry, and the same questions come back right.
        started = time.monotonic()
        until(lambda: ask(sdk, FEE[0], "probe").text == TRANSFER_FEE.right)
        assert time.monotonic() - started < REFRESH + 5
        after = [ask(sdk, question, f"fee-user-{n}") for n, question in enumerate(FEE)]
        assert {a.text for a in after} == {TRANSFER_FEE.right}
        for answer in after[:4]:
            rate(live, answer, "up")
        live.flush()

    # Before and after are equally long windows around live_at: wait until the before one holds all the complaints.
    first = min(datetime.fromisoformat(live.interaction(a.interaction_id)["created_at"]) for a in loop.fee)
    live_at = resolved.link.live_at
    await asyncio.sleep(max(0.0, ((live_at - first) + FOLLOW_UP - (datetime.now(UTC) - live_at)).total_seconds() + 0.5))
    measured = effect(live, loop.fee_issue)
    comparison = measured["before_after"]
    assert measured["fix"]["fix_id"] == resolved.fix_id and comparison["enough_data"], measured
    assert comparison["before"]["negative"] == len(FEE) and comparison["before"]["negative_rate"] == 1.0
    assert comparison["after"]["negative"] == 0 and comparison["after"]["with_feedback"] == 4
    assert comparison["difference"] < 0 and comparison["p_value"] < 0.05
    assert comparison["verdict"].startswith("negative rate fell")


async def test_a_prompt_canary_fixes_its_arm_and_a_rollback_undoes_it(live_gateway, engine, settings, embedder):
    live = live_gateway
    with openai.OpenAI(base_url=live.url, api_key="sk-app", max_retries=0) as sdk:
        loop = await complaints_to_tasks(live, sdk, engine, settings, embedder)
        task = loop.tasks[loop.account_issue]
        assert task["suggested_action"]["kind"] == "revise_prompt_instructions"
        resolved = resolve(
            live, "resolve_with_prompt", task["id"], text=INSTRUCTION, message="Name the close-account page",
            rollout="canary", canary_share=0.5,
        )  # fmt: skip
        assert resolved.link is not None and resolved.link.arm == "canary"
        prompts = live.app.services.prompts.snapshots
        until(lambda: prompts.get(loop.app) is not None)

        # Each end user stays in one arm (a stable hash): the canary's get the instruction, and the right answer.
        users = [f"canary-user-{n}" for n in range(24)]
        answers = []
        for n, user in enumerate(users):
            # Rated at once (see rate_at_once), by what the answer says; its arm is checked against that below.
            answer = ask(sdk, ACCOUNT[n % len(ACCOUNT)], user)
            if answer.text == CLOSE_ACCOUNT.right:
                answers.append(rate_at_once(live, answer, "up"))
            else:
                answers.append(rate_at_once(live, answer, "down", comment=ACCOUNT_COMPLAINT))
        live.flush()
        arms = {}
        for user, answer in zip(users, answers, strict=True):
            [note] = live.interaction(answer.interaction_id)["policies"]
            arms[user] = note["arm"]
            assert answer.text == (CLOSE_ACCOUNT.right if note["arm"] == "canary" else CLOSE_ACCOUNT.wrong)
        assert set(arms.values()) == {"canary", "active"}
        live.flush()
        await asyncio.sleep(FOLLOW_UP.total_seconds() + 0.5)  # until the answers have had their follow-up

        canary = effect(live, loop.account_issue)["canary"]
        assert canary["enough_data"], canary
        assert canary["canary"]["negative_rate"] == 0.0 and canary["rest"]["negative_rate"] == 1.0
        assert canary["p_value"] < 0.05 and canary["verdict"]

        # A rollback ends the canary: within the refresh interval its users get the old answers again.
        rolled = httpx.post(f"{live.origin}/api/prompts/{resolved.fix_id}/rollback", headers=ADMIN)  # noqa: ASYNC210
        assert rolled.status_code == 200, rolled.text
        in_canary = [user for user, arm in arms.items() if arm == "canary"]
        until(lambda: ask(sdk, ACCOUNT[0], in_canary[0]).text == CLOSE_ACCOUNT.wrong)
        assert {ask(sdk, ACCOUNT[1], user).text for user in in_canary} == {CLOSE_ACCOUNT.wrong}


def test_an_entry_created_through_one_gateway_reaches_another(settings, start_gateway):
    first, second = start_gateway(settings), start_gateway(settings)
    question = FEE[0]
    sdks = [openai.OpenAI(base_url=g.url, api_key="sk-app", max_retries=0) for g in (first, second)]
    try:
        answers = [ask(sdk, question, "user-1") for sdk in sdks]
        assert {a.text for a in answers} == {TRANSFER_FEE.wrong}
        app = first.interaction(answers[0].interaction_id)["app"]
        created = httpx.post(f"{first.origin}/api/kb", json={"app": app, **ENTRY}, headers=ADMIN)
        assert created.status_code == 201, created.text
        started = time.monotonic()
        for sdk in sdks:
            until(lambda sdk=sdk: ask(sdk, question, "user-1").text == TRANSFER_FEE.right)
        assert time.monotonic() - started < REFRESH + 5  # both refresh on their own, from the shared database
    finally:
        for sdk in sdks:
            sdk.close()
