"""`feedgate export` as someone exporting their first dataset meets it: what makes an example, said where they look."""

from __future__ import annotations

from export_seed import give_feedback, store_chat
from run_cli import feedgate_export


async def test_an_export_of_no_labelled_example_says_what_makes_one(database_url, engine):
    # A thumbs-down without a correction says the answer is wrong, not what is right: no example.
    answered = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, answered, thumbs="down")

    result = feedgate_export(database_url, "--format", "chat")

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines()[-2:] == [
        "wrote 0 lines from 0 labelled examples (none)",
        "no labelled example to export: an example is an end user's correction (feedback with a 'correction'), or a"
        " reviewer's approve or correct decision on a task about one chat interaction; a thumbs-down alone makes none",
    ]


def test_the_help_says_what_makes_an_example(database_url):
    result = feedgate_export(database_url, "--help")

    assert result.returncode == 0, result.stderr
    assert "a thumbs-down alone makes none" in " ".join(result.stdout.split())
