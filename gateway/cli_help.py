"""How a command is registered: the line `feedgate --help` lists it with, the opening of its own --help, and the
settings it is run with."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from gateway.config import Settings


class CommandText(TypedDict, total=False):
    """The `add_parser` keywords that describe a command."""

    help: str
    description: str
    epilog: str
    formatter_class: type[argparse.HelpFormatter]


class HelpFormatter(argparse.HelpFormatter):
    """argparse's own, but a paragraph of the epilog headed `Example:` or `Examples:` keeps its lines as written.

    Filled like prose, two examples ran together into one line no shell could take.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        fill = super()._fill_text
        return "\n\n".join(
            paragraph if paragraph.startswith(("Example:", "Examples:")) else fill(paragraph, width, indent)
            for paragraph in text.split("\n\n")
        )


def described(summary: str, *examples: str, epilog: str = "") -> CommandText:
    """`add_parser` keywords that list a command by `summary`, open its own --help with it, as a sentence, and end
    that help with `epilog` and then `examples`, full command lines, each kept on its own line.

    Given `help` alone, `feedgate serve --help` (and every other command's) showed its options and never
    said what the command does; with no example, `feedgate keys revoke --help` left what to give it a guess.
    """
    text: CommandText = {"help": summary, "description": f"{summary[:1].upper()}{summary[1:]}."}
    heading = "Example:" if len(examples) == 1 else "Examples:"
    shown = "\n".join([heading, *(f"  {example}" for example in examples)]) if examples else ""
    ending = "\n\n".join(part for part in (epilog, shown) if part)
    if ending:
        text["epilog"] = ending
        text["formatter_class"] = HelpFormatter
    return text


def settings_runner(
    settings_of: Callable[[argparse.Namespace], Settings],
) -> Callable[[Callable[[argparse.Namespace, Settings], None]], Callable[[argparse.Namespace], None]]:
    """Turn a command taking (args, settings) into one taking args, its settings read by `settings_of`."""

    def runner(command: Callable[[argparse.Namespace, Settings], None]) -> Callable[[argparse.Namespace], None]:
        return lambda args: command(args, settings_of(args))

    return runner
