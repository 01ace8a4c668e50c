"""`feedgate COMMAND --help` says what the command does, in the words `feedgate --help` lists it with."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import build_parser


def _commands(parser: argparse.ArgumentParser, name: str = "feedgate") -> Iterator[tuple[str, str, str]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            listed = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for command, sub in action.choices.items():
                yield f"{name} {command}", listed[command], " ".join(sub.format_help().split())
                yield from _commands(sub, f"{name} {command}")


COMMANDS = {command: (summary, help_text) for command, summary, help_text in _commands(build_parser())}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_commands_help_says_what_it_does(command: str):
    # `feedgate serve --help` (and every other command's) showed its options alone, never what it does.
    summary, help_text = COMMANDS[command]
    assert summary, f"{command} has no one-line summary in its parent's list"
    assert " ".join(summary.split()).casefold() in help_text.casefold()


def _leaf_parsers(
    parser: argparse.ArgumentParser, name: str = "feedgate"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command that runs something (`feedgate keys revoke`, not `feedgate keys`), by its words."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                if sub.get_default("run") is not None:
                    yield f"{name} {command}", sub
                yield from _leaf_parsers(sub, f"{name} {command}")


LEAVES = dict(_leaf_parsers(build_parser()))


def _help(command: str) -> str:
    return " ".join(LEAVES[command].format_help().split())


def _examples(command: str) -> list[str]:
    """The lines under the help's "Example:" or "Examples:" heading."""
    lines = LEAVES[command].format_help().splitlines()
    headings = [i for i, line in enumerate(lines) if line in ("Example:", "Examples:")]
    assert headings, f"{command} --help shows no example"
    examples = []
    for line in lines[headings[0] + 1 :]:
        if not line.startswith("  "):
            break
        examples.append(line.strip())
    return examples


@pytest.mark.parametrize("command", sorted(LEAVES))
def test_each_commands_help_says_what_each_argument_is(command: str):
    # `feedgate keys revoke --help` listed `key_id` bare, `feedgate import --help` a bare `file`.
    for action in LEAVES[command]._actions:
        if action.help != argparse.SUPPRESS:
            assert action.help, f"{command} --help says nothing about {action.dest}"


@pytest.mark.parametrize("command", sorted(LEAVES))
def test_each_commands_help_shows_an_example_that_runs_as_written(command: str):
    examples = _examples(command)

    assert examples, f"{command} --help shows no example"
    for example in examples:
        assert example.startswith(f"{command} ") or example == command, example
        words = shlex.split(example.split("  #")[0])
        # As written, the example is a command the parser takes (exits with 2 otherwise).
        assert build_parser().parse_args(words[1:]).run is not None


def test_keys_revoke_help_says_what_a_key_id_looks_like_and_where_to_find_it():
    help_text = _help("feedgate keys revoke")

    assert re.search(r"KEY_ID .*the key's id", help_text), help_text
    assert re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", help_text), help_text
    assert "`feedgate keys list`" in help_text and "`feedgate keys create`" in help_text
    assert "not the key itself (fgk-" in help_text


def test_import_help_names_the_files_format():
    help_text = _help("feedgate import")

    assert "FILE a JSONL file" in help_text
    assert "one JSON object a line" in help_text
    assert '"request"' in help_text and '"response"' in help_text and '"feedback"' in help_text


def test_user_add_help_says_what_the_name_is():
    help_text = _help("feedgate user add")

    assert "NAME the name they sign in with" in help_text


DOCS_PAGE = re.compile(r"docs/[\w-]+\.md")
ROOT = Path(__file__).resolve().parent.parent


def test_no_commands_help_sends_the_reader_to_the_readme():
    # The README's sections moved to docs/: "The README's Issue discovery section says the rest" named none left.
    assert [command for command in LEAVES if "README" in _help(command)] == []


def test_import_and_erase_help_name_the_docs_page_that_says_the_rest():
    assert DOCS_PAGE.findall(_help("feedgate import")) == ["docs/discovery.md"]
    assert DOCS_PAGE.findall(_help("feedgate erase")) == ["docs/privacy.md"]


@pytest.mark.parametrize("command", sorted(LEAVES))
def test_every_docs_page_a_commands_help_names_exists(command: str):
    for page in DOCS_PAGE.findall(_help(command)):
        assert (ROOT / page).is_file(), f"{command} --help names {page}, which does not exist"


@pytest.mark.parametrize(
    "command", sorted(c for c, (_, help_text) in COMMANDS.items() if "--database-url" in help_text)
)
def test_database_url_help_names_its_variable_and_default(command: str):
    # It said only "SQLAlchemy async database URL": not where else it can be set, nor what is used without it.
    help_text = COMMANDS[command][1]
    assert "FEEDGATE_DATABASE_URL" in help_text
    assert "sqlite+aiosqlite:///./feedgate.db" in help_text
