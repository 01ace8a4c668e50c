"""`--fixes` / `fixes=`: examples whose answer was given under a gateway fix, left out or kept alone (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from export_seed import exported, give_feedback, review, review_service, store_chat
from run_cli import feedgate_export

from gateway.domain.errors import InvalidQuery
from gateway.export.examples import FixFilter
from gateway.export.formats import ExportFormat
from gateway.export.options import cli_option, export_options
from gateway.export.stream import ExportTally, TrainingExport
from gateway.review.gate import ConfidenceGate
from gateway.review.records import Outcome
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

KNOWLEDGE = {"policy": "knowledge", "action": "replace_body", "entries": [{"id": "k1", "version": 2, "score": 0.8}]}
PROMPT = {"policy": "prompts", "action": "replace_body", "version": 3, "version_id": "p3", "arm": "active"}
# The confidence gate asks for log-probabilities: what the model is asked is the app's request still.
LOGPROBS = {"policy": ConfidenceGate.name, "action": "replace_body", "logprobs": "added"}
# A prompt policy that found no version for the call changed nothing.
NO_VERSION = {"policy": "prompts", "action": "pass", "version": None, "arm": "active"}


async def seed(engine) -> dict[str, str]:
    """Corrected answers given under each kind of change, and one reviewed under a knowledge note; their ids."""
    ids: dict[str, str] = {}
    for name, policies in (
        ("plain", None),
        ("knowledge", [KNOWLEDGE]),
        ("prompt", [PROMPT]),
        ("logprobs", [LOGPROBS]),
        ("no_version", [NO_VERSION]),
    ):
        ids[name] = await store_chat(engine, f"Question {name}?", f"Answer {name}.", policies=policies)
        await give_feedback(engine, ids[name], correction=f"Better answer {name}.")
    ids["reviewed"] = await store_chat(engine, "Reviewed?", "Yes.", policies=[LOGPROBS, KNOWLEDGE])
    await review(review_service(engine), [ids["reviewed"]], Outcome.APPROVE)
    return ids


async def exported_ids(engine, fixes: FixFilter | None, tally: ExportTally | None = None) -> list[str]:
    export = TrainingExport(TrainingExampleStore(engine))
    lines = export.lines(ExampleFilter(), ExportFormat.JSONL, tally or ExportTally(), fixes=fixes)
    return [json.loads(line)["interaction_id"] async for line in lines]


async def test_without_keeps_only_answers_given_to_the_apps_own_request(engine):
    ids = await seed(engine)

    assert await exported_ids(engine, FixFilter.WITHOUT) == [ids["plain"], ids["logprobs"], ids["no_version"]]


async def test_only_keeps_only_answers_given_under_a_knowledge_note_or_a_prompt_version(engine):
    ids = await seed(engine)

    assert await exported_ids(engine, FixFilter.ONLY) == [ids["knowledge"], ids["prompt"], ids["reviewed"]]


async def test_left_out_it_keeps_every_example(engine):
    ids = await seed(engine)

    assert await exported_ids(engine, None) == list(ids.values())


async def test_examples_left_out_by_it_are_not_counted_as_read(engine):
    await seed(engine)
    tally = ExportTally()

    await exported_ids(engine, FixFilter.ONLY, tally)

    assert (tally.examples, tally.lines) == (3, 3)
    assert tally.summary().startswith("wrote 3 lines from 3 labelled examples")


@pytest.mark.parametrize("export_format", [ExportFormat.CHAT, ExportFormat.PREFERENCE])
async def test_it_filters_the_chat_and_preference_lines_too(engine, export_format):
    await seed(engine)
    every = await exported(engine, export_format)

    export = TrainingExport(TrainingExampleStore(engine))
    kept = [
        json.loads(line)
        async for line in export.lines(ExampleFilter(), export_format, ExportTally(), fixes=FixFilter.WITHOUT)
    ]

    assert 0 < len(kept) < len(every)
    assert all("Better answer knowledge." not in json.dumps(line) for line in kept)


def options(**given: Any):
    return export_options("chat", **given)


def test_the_option_reads_each_value():
    assert options(fixes="without").fixes is FixFilter.WITHOUT
    assert options(fixes="only").fixes is FixFilter.ONLY
    assert options().fixes is None


def test_an_unknown_value_is_refused_with_the_values_there_are():
    with pytest.raises(InvalidQuery) as refused:
        export_options("chat", fixes="none", name=cli_option)

    assert refused.value.field == "fixes"
    assert refused.value.message == "--fixes must be one of without, only; got 'none'"


def test_a_blank_value_is_refused():
    with pytest.raises(InvalidQuery) as refused:
        options(fixes=" ")

    assert refused.value.message.startswith("'fixes' must not be blank")


@pytest.mark.parametrize("value", ["without", "only"])
async def test_the_api_writes_the_clis_lines(client, admin_headers, database_url, engine, value):
    await seed(engine)

    response = await client.get("/api/export", params={"format": "jsonl", "fixes": value}, headers=admin_headers)
    cli = feedgate_export(database_url, "--format", "jsonl", "--fixes", value)

    assert cli.returncode == 0, cli.stderr
    assert response.status_code == 200, response.text
    assert response.text == cli.stdout != ""


async def test_the_api_refuses_a_bad_value_naming_it(client, admin_headers):
    response = await client.get("/api/export?format=chat&fixes=maybe", headers=admin_headers)

    assert response.status_code == 400
    assert response.json()["detail"] == "'fixes' must be one of without, only; got 'maybe'"


def test_the_cli_refuses_a_bad_value_naming_it(database_url):
    cli = feedgate_export(database_url, "--format", "chat", "--fixes", "maybe")

    assert cli.returncode == 2
    assert "--fixes must be one of without, only; got 'maybe'" in cli.stderr
