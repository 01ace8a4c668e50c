"""`feedgate demo --keep` ends by telling the user how to browse its database: with the command as they ran it."""

from __future__ import annotations

from gateway.cli import invoked_as


def test_a_venv_path_is_kept():
    # The README runs `.venv/bin/feedgate demo`; a bare `feedgate user add` in the closing lines is not on their PATH.
    assert invoked_as(".venv/bin/feedgate") == ".venv/bin/feedgate"


def test_feedgate_on_the_path_stays_bare():
    assert invoked_as("feedgate") == "feedgate"


def test_a_module_run_is_told_the_bare_name():
    # `python -m gateway.cli demo`: argv[0] is the module's file, not a command to give the user.
    assert invoked_as("/work/gateway/cli.py") == "feedgate"
