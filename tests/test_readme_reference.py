"""The documentation (README.md and docs/) names every setting and every command-line option."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from gateway.cli import build_parser
from gateway.config import Settings
from tests.docs_pages import documentation, page

DOCS = documentation()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_named_in_the_documentation(name):
    # In the variables' table, in a sentence (`name`, `name = value`), or as a table of the file ([[name]]).
    spellings = (f"FEEDGATE_{name.upper()}", f"`{name}`", f"`{name} =", f"[[{name}]]")
    assert any(spelling in DOCS for spelling in spellings), (
        f"document the setting {name} in docs/configuration.md (as FEEDGATE_{name.upper()} or `{name}`), "
        "and on the page of the feature it tunes"
    )


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_configuration_page_by_its_variable(name):
    # The README sends operators to docs/configuration.md for "every setting"; 74 of 141 were only on their
    # feature's page, under their file key, so a newcomer looking a variable up there did not find it.
    variable = f"FEEDGATE_{name.upper()}"
    table_rows = [line for line in page("docs/configuration.md").splitlines() if line.startswith("| `FEEDGATE_")]
    assert any(f"`{variable}`" in row.split(" | ")[0] for row in table_rows), (
        f"list {variable} in a row of docs/configuration.md's tables: its default and what it does"
    )


def _options(parser: argparse.ArgumentParser, command: str = "feedgate") -> Iterator[tuple[str, str]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{command} {name}")
        else:
            yield from ((command, option) for option in action.option_strings if option.startswith("--"))


@pytest.mark.parametrize(("command", "option"), sorted(set(_options(build_parser()))))
def test_every_command_line_option_is_named_in_the_documentation(command, option):
    assert option == "--help" or option in DOCS, (
        f"document {command}'s {option} in the docs/ page of what the command does (README.md's index names each page)"
    )


def test_the_demo_help_says_how_long_it_takes_as_the_readme_does():
    # The README's measured figure (32 s with the model's graph cached, 67 s on a first run); the help said "about a minute".
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    help_line = next(c.help for c in commands._choices_actions if c.dest == "demo")
    assert "about half a minute" in page("README.md")
    assert help_line is not None and help_line.endswith("locally in about half a minute")
