"""What a user name and a role must be; the same rules for the pages and the command line."""

from __future__ import annotations

import unicodedata

from gateway.accounts.errors import AccountError
from gateway.accounts.records import ROLE_ORDER, Role
from gateway.domain.blank_text import blank_message, says_nothing, without_blank_ends
from gateway.domain.quoting import quoted

MAX_NAME_LENGTH = 100
# What a blank name's refusal asks for instead.
WANTED_NAME = "name the user, as they will sign in"


def check_name(name: str) -> str:
    """`name` without its blank ends (the one rule: zero-width spaces too); refuses a blank or overlong name and
    control characters.

    Any other character is allowed (the pages escape names), so people keep the names they use.
    """
    if says_nothing(name):
        raise AccountError(blank_message("name", WANTED_NAME), "name")
    name = without_blank_ends(name)
    if len(name) > MAX_NAME_LENGTH:
        raise AccountError(f"a user name may have at most {MAX_NAME_LENGTH} characters", "name")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise AccountError("a user name may not contain control characters", "name")
    return name


def parse_role(value: str) -> Role:
    """The role called `value`; refuses anything else, naming the roles there are."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(role.value for role in ROLE_ORDER)
        raise AccountError(f"unknown role {quoted(value)}: choose one of {names}", "role") from None
