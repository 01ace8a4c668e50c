"""How a command is described: the line `feedgate --help` lists it with, and the opening of its own --help."""

from __future__ import annotations

from typing import TypedDict


class CommandText(TypedDict):
    """The `add_parser` keywords that describe a command."""

    help: str
    description: str


def described(summary: str) -> CommandText:
    """`add_parser` keywords that list a command by `summary` and open its own --help with it, as a sentence.

    Given `help` alone, `feedgate serve --help` (and every other command's) showed its options and never
    said what the command does.
    """
    return {"help": summary, "description": f"{summary[:1].upper()}{summary[1:]}."}
