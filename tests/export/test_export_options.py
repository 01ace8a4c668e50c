"""The one rule `feedgate export` and GET /api/export read their options by (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.domain.errors import InvalidQuery
from gateway.export.examples import ExampleSource
from gateway.export.formats import ExportFormat
from gateway.export.options import cli_option, export_options
from gateway.store.training_examples import ExampleFilter


def refusal(export_format: str = "chat", **options: str) -> InvalidQuery:
    """The refusal `export_options` raises for these options, named as the API names them."""
    with pytest.raises(InvalidQuery) as refused:
        export_options(export_format, **options)
    return refused.value


def test_every_option_given_makes_the_format_and_the_filter():
    options = export_options(
        "preference", app="support-bot", since="2026-06-01", until="2026-06-02T09:30:00Z", source="human_review"
    )

    assert options.format is ExportFormat.PREFERENCE
    assert options.where == ExampleFilter(
        app="support-bot",
        since=datetime(2026, 6, 1, tzinfo=UTC),
        until=datetime(2026, 6, 2, 9, 30, tzinfo=UTC),
        source=ExampleSource.HUMAN_REVIEW,
    )


def test_options_left_out_filter_nothing():
    assert export_options("jsonl").where == ExampleFilter()


def test_a_time_with_an_offset_is_taken_to_utc():
    options = export_options("chat", since="2026-06-01T10:00:00+02:00")

    assert options.where.since == datetime(2026, 6, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize("field", ["app", "since", "until", "source"])
@pytest.mark.parametrize("blank", ["", "  ", "\u200b", "\u3000", "\u2060 \ufeff"])
def test_a_blank_value_is_refused_naming_its_option(field, blank):
    # Blank by the one rule (gateway/domain/blank_text.py): str.strip kept U+200B, and such an app exported nothing.
    refused = refusal(**{field: blank})

    assert refused.field == field
    assert refused.message.startswith(f"'{field}' must not be blank")


def test_an_unknown_format_is_refused_with_the_formats_there_are():
    refused = refusal("alpaca")

    assert (refused.field, refused.message) == (
        "format",
        "'format' must be one of chat, preference, jsonl; got 'alpaca'",
    )


def test_an_unknown_source_is_refused_with_the_sources_there_are():
    refused = refusal(source="robot")

    assert refused.field == "source"
    assert refused.message == "'source' must be one of end_user_correction, human_review; got 'robot'"


@pytest.mark.parametrize("field", ["since", "until"])
def test_a_time_that_is_not_iso_8601_is_refused_naming_its_option(field):
    refused = refusal(**{field: "last tuesday"})

    assert refused.field == field
    assert refused.message.startswith(f"'{field}' must be an ISO 8601 date or time")
    assert "'last tuesday'" in refused.message


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-05:00"])
def test_a_time_utc_cannot_hold_is_refused_as_out_of_range_not_as_no_iso_8601(since):
    """Both are ISO 8601 times (year 1 at +08:00 is before year 1 in UTC, the last second of 9999 at -05:00 after year
    9999): the refusal says what is wrong with them, as the other listings' refusals do."""
    refused = refusal(since=since)

    assert (refused.field, refused.message) == ("since", "'since' is outside the range of representable times")


def test_the_command_line_names_a_time_utc_cannot_hold_as_it_spells_the_option():
    with pytest.raises(InvalidQuery) as refused:
        export_options("chat", until="9999-12-31T23:59:59-05:00", name=cli_option)

    assert refused.value.message == "--until is outside the range of representable times"


@pytest.mark.parametrize("until", ["2026-05-31", "2026-06-01T00:00:00Z"])
def test_a_range_ending_before_or_where_it_starts_is_refused(until):
    refused = refusal(since="2026-06-01", until=until)

    assert refused.field == "until"
    assert refused.message.startswith("'until' must be later than 'since'")


def test_the_command_line_names_options_as_it_spells_them():
    with pytest.raises(InvalidQuery) as refused:
        export_options("chat", since="2026-06-02", until="2026-06-01", name=cli_option)

    assert refused.value.message.startswith("--until must be later than --since")
