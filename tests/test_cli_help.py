"""`feedgate COMMAND --help` says what the command does, in the words `feedgate --help` lists it with."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

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
