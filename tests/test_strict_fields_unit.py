"""The rule behind the admin API's strict numbers and booleans, on body types no endpoint has yet: nested objects,
lists of them, described fields, and unions it leaves to the framework."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from gateway.api.strict_fields import refusal, strict_fields


class Step(Struct):
    weight: float
    enabled: bool | None = None


class Plan(Struct):
    name: str
    steps: list[Step] = []
    first: Step | None = None
    count: Annotated[int, Meta(description="how many")] = 0
    either: int | str = 0


def test_the_fields_found_are_the_numbers_and_booleans_nested_ones_too():
    found = {field.key: field for field in strict_fields(Plan)}

    assert set(found) == {"steps", "first", "count"}
    assert found["count"].kind is int
    assert found["steps"].many and [f.key for f in found["steps"].fields] == ["weight", "enabled"]
    assert not found["first"].many and [f.key for f in found["first"].fields] == ["weight", "enabled"]


def test_a_nested_field_sent_as_text_is_named_by_its_path():
    refused = refusal(strict_fields(Plan), {"name": "p", "steps": [{"weight": 1}, {"weight": 2, "enabled": "1"}]})

    assert refused is not None
    assert (refused.field, refused.message) == (
        "steps[1].enabled",
        "'steps[1].enabled' must be true or false, sent as a JSON boolean (no quotes), not \"1\"",
    )
    assert refusal(strict_fields(Plan), {"first": {"weight": "0.5"}}).field == "first.weight"


def test_what_json_sends_as_declared_passes_and_unions_are_the_frameworks():
    fields = strict_fields(Plan)

    assert (
        refusal(fields, {"steps": [{"weight": 1, "enabled": None}], "first": None, "count": 2.0, "either": "x"}) is None
    )
    assert refusal(fields, {"steps": "not a list", "first": 3}) is None
    assert refusal(fields, ["not", "an", "object"]) is None


def test_every_field_sent_as_the_wrong_type_is_named_in_one_refusal_the_first_in_its_own_words():
    refused = refusal(
        strict_fields(Plan), {"count": "2", "steps": [{"weight": True, "enabled": 1}], "first": {"weight": "0.5"}}
    )

    assert refused is not None
    assert [each.field for each in refused.refusals] == [
        "steps[0].weight",
        "steps[0].enabled",
        "first.weight",
        "count",
    ]
    assert refused.field == "steps[0].weight"
    assert refused.message == "; ".join(each.message for each in refused.refusals)
    assert refused.message.startswith("'steps[0].weight' must be a number, sent as a JSON number, not true; ")


def test_a_single_wrong_field_is_refused_alone():
    refused = refusal(strict_fields(Plan), {"count": "2"})

    assert refused is not None
    assert [(each.field, each.message) for each in refused.refusals] == [(refused.field, refused.message)]
