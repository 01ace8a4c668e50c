"""Which listed choice of an answer a choice number names: the one rule every reader of a choice follows.

A choice number (feedback's and a decision's `choice`, the choice the confidence gate measures, the choice the
export pairs, the "choice 1" a page shows) is the choice's `index` when the listed choices' indexes are exactly
0 to n-1 in some order (every choice an object whose `index` is a whole number, 0 and 0.0 alike, none twice):
an upstream may list them out of order. Otherwise (an index missing, repeated, not a number, or past n-1) it is
the choice's position in `choices`. Either way an answer of n choices has choices 0 to n-1.

`choice_position` is the rule. SQL reads it from what the writer records of each answer, `recorded_positions`
(column `interactions.choice_positions`): gateway.store.choice_sql, held to the rule by
tests/domain/test_choice_numbers_sql.py on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _whole_index(choice: Any) -> int | None:
    # A JSON number of whole value (0 and 0.0 alike, as SQL compares them); never a bool, which is no index. Exact
    # types, not isinstance: this runs on the gate's path, and a bool is an int subclass.
    index = choice.get("index") if isinstance(choice, dict) else None
    if type(index) is int:
        return index
    if type(index) is float and index.is_integer():  # not 1.5, nor inf
        return int(index)
    return None


def numbered_by_index(choices: Sequence[Any]) -> bool:
    """Whether the listed choices' indexes are exactly 0 to n-1 (in any order): then a choice number is an index."""
    indexes = {_whole_index(choice) for choice in choices}
    return len(indexes) == len(choices) and indexes == set(range(len(choices)))


def in_number_order(choices: Any) -> list[Any]:
    """The listed choices of `choices` (a stored answer's `choices`) ordered by choice number: item k is choice k;
    [] when `choices` is no list."""
    if not isinstance(choices, list):
        return []
    if numbered_by_index(choices):
        return sorted(choices, key=_whole_index)  # type: ignore[arg-type]  # every index is an int here
    return list(choices)


def recorded_positions(choices: Any) -> list[int] | None:
    """Where each choice of `choices` (a stored answer's `choices`) is listed, by number (item k: choice k's
    position), when some choice is not listed at its number; None for the usual listing (choice k listed k-th,
    however many), and when `choices` is no list. What interactions.choice_positions records of an answer."""
    if not isinstance(choices, list) or len(choices) < 2 or not numbered_by_index(choices):
        return None
    positions = [0] * len(choices)
    for position, choice in enumerate(choices):
        positions[_whole_index(choice)] = position  # type: ignore[index]  # every index is an int here
    return None if positions == list(range(len(choices))) else positions


def choice_position(choices: Any, number: int) -> int | None:
    """Where in `choices` (a stored answer's `choices`) choice `number` is listed; None when the answer has no such
    choice or `choices` is no list."""
    if not isinstance(choices, list) or not 0 <= number < len(choices):
        return None
    # The usual listing, in order: under either reading the element listed at `number` is then that choice (its
    # index, told apart from every other, or its position), so nothing else is looked at.
    if _whole_index(choices[number]) == number or not numbered_by_index(choices):
        return number
    return next(position for position, choice in enumerate(choices) if _whole_index(choice) == number)


def numbered_choice(choices: Any, number: int) -> Any:
    """The listed element of `choices` that is choice `number` (a dict, or whatever else the upstream listed there);
    None when the answer has no such choice or `choices` is no list."""
    position = choice_position(choices, number)
    return None if position is None else choices[position]
