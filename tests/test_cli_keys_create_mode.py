"""`feedgate keys create` under pass-through key mode (the default) says the key is not taken until gateway mode.

In pass-through mode the gateway forwards whatever key an app sends to the upstream: an app given the new key had it
sent to the upstream provider, which answered 401, and nothing had said the key needs FEEDGATE_KEY_MODE=gateway.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_run import run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db", "FEEDGATE_LOG_FORMAT": "text"}
    run(["db", "upgrade"], env)
    return env


def test_a_key_created_in_pass_through_mode_comes_with_a_warning_naming_the_setting(env: dict[str, str]):
    result = run(["keys", "create", "support-bot"], env)

    assert result.returncode == 0
    assert "key:     fgk-" in result.stdout
    assert (
        "FEEDGATE_KEY_MODE is passthrough: gateway keys are taken only with FEEDGATE_KEY_MODE=gateway" in result.stderr
    )


def test_a_key_created_in_gateway_mode_comes_without_the_warning(env: dict[str, str]):
    result = run(["keys", "create", "support-bot"], {**env, "FEEDGATE_KEY_MODE": "gateway"})

    assert result.returncode == 0
    assert "FEEDGATE_KEY_MODE" not in result.stderr
