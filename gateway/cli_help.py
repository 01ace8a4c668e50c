"""How a command is registered: the line `feedgate --help` lists it with, the opening of its own --help, and the
settings it is run with."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from gateway.config import Settings


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


def settings_runner(
    settings_of: Callable[[argparse.Namespace], Settings],
) -> Callable[[Callable[[argparse.Namespace, Settings], None]], Callable[[argparse.Namespace], None]]:
    """Turn a command taking (args, settings) into one taking args, its settings read by `settings_of`."""

    def runner(command: Callable[[argparse.Namespace, Settings], None]) -> Callable[[argparse.Namespace], None]:
        return lambda args: command(args, settings_of(args))

    return runner
