"""`feedgate keys revoke` given what is not a key's id: a key pasted in its place, a long value.

A key pasted in place of its id was printed back ("no live key with id fgk-…"), into the terminal's
scrollback and any log of the session; and the operator, told only that no key had that id, could not
learn which of an app's keys it was, as `keys list` never shows a key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import one_line_error, run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db", "FEEDGATE_LOG_FORMAT": "text"}
    run(["db", "upgrade"], env)
    return env


def created_key(env: dict[str, str], app: str) -> tuple[str, str]:
    """A new key of `app`: its id and the key itself."""
    printed = run(["keys", "create", app], env).stdout
    return printed.split("key id:")[1].split()[0], printed.split("key:")[-1].split()[0]


def test_keys_revoke_given_the_key_itself_names_its_id_without_printing_the_key(env: dict[str, str]):
    key_id, key = created_key(env, "support-bot")

    result = run(["keys", "revoke", key], env)

    assert result.returncode == 2
    assert one_line_error(result) == (
        f"feedgate: that is a key itself, not a key's id (a key is never printed back): it is key {key_id} of app "
        f"support-bot; revoke it with `feedgate keys revoke {key_id}`"
    )


def test_keys_revoke_given_the_key_itself_leaves_the_key_live(env: dict[str, str]):
    key_id, key = created_key(env, "support-bot")

    run(["keys", "revoke", key], env)

    assert run(["keys", "list"], env).stdout.startswith(f"{key_id}  support-bot  created ")


def test_keys_revoke_given_a_key_that_is_not_live_says_so_without_printing_it(env: dict[str, str]):
    key_id, key = created_key(env, "support-bot")
    run(["keys", "revoke", key_id], env)

    result = run(["keys", "revoke", key], env)

    assert result.returncode == 2
    assert one_line_error(result) == (
        "feedgate: that is a key itself, not a key's id (a key is never printed back), and no live key is that "
        "one: it is revoked already, or was issued on another database; `feedgate keys list` shows the ids"
    )


def test_keys_revoke_quotes_a_long_unknown_id_by_its_start_and_its_length(env: dict[str, str]):
    result = run(["keys", "revoke", "x" * 3000], env)

    assert result.returncode == 2
    assert one_line_error(result) == f"feedgate: no live key with id '{'x' * 60}…' (3,000 characters)"
