"""`feedgate import` and `feedgate cluster`, run as a user would run them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
from seed import PASSWORDS, REFUNDS

FEEDGATE = [sys.executable, "-m", "gateway.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FEEDGATE, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


def complaint_lines(complaints: list[tuple[str, str]]) -> list[bytes]:
    return [
        orjson.dumps(
            {
                "app": "support-bot",
                "request": {"model": "gpt-test", "messages": [{"role": "user", "content": question}]},
                "response": {"choices": [{"message": {"role": "assistant", "content": "Sorry."}}]},
                "feedback": [{"thumbs": "down", "comment": complaint}],
            }
        )
        for question, complaint in complaints
    ]


def test_import_then_cluster_prints_the_issues_found(tmp_path: Path, onnx_cache_dir: Path):
    # The default embedder (the bundled model in onnxruntime), from the session's exported graph.
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "FEEDGATE_MODEL_CACHE_DIR": str(onnx_cache_dir)}
    data = tmp_path / "feedback.jsonl"
    data.write_bytes(b"\n".join([*complaint_lines(REFUNDS + PASSWORDS), b"not json"]) + b"\n")

    imported = run(["import", str(data)], env)
    # Text logs, as on a terminal: the summary table on stdout.
    clustered = run(["cluster"], {**env, "FEEDGATE_LOG_FORMAT": "text"})

    assert imported.returncode == 0, imported.stderr
    assert "imported 8 interactions and 8 feedback events; skipped 1 bad line" in imported.stdout
    assert "line 9:" in imported.stderr
    assert clustered.returncode == 0, clustered.stderr
    assert "support-bot" in clustered.stdout
    assert "Clustering pass" in clustered.stdout


def test_cluster_with_json_logs_reports_the_issues_found_in_one_json_line(tmp_path: Path, onnx_cache_dir: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "FEEDGATE_MODEL_CACHE_DIR": str(onnx_cache_dir)}
    data = tmp_path / "feedback.jsonl"
    data.write_bytes(b"\n".join(complaint_lines(REFUNDS + PASSWORDS)) + b"\n")
    run(["import", str(data)], env)

    clustered = run(["cluster"], {**env, "FEEDGATE_LOG_FORMAT": "json"})

    assert clustered.returncode == 0, clustered.stderr
    assert clustered.stdout == ""
    entries = [orjson.loads(line) for line in clustered.stderr.splitlines()]
    [report] = [entry for entry in entries if entry["message"].startswith("clustering pass:")]
    [app] = report["apps"]
    assert app["app"] == "support-bot" and app["items"] == report["items"] == 8
    assert report["issues"] == app["issues"] and report["noise"] == app["noise"]
    assert app["kind"] == "full" and app["seconds"] > 0


def test_import_of_a_missing_file_fails_with_a_message(tmp_path: Path):
    result = run(["import", str(tmp_path / "nope.jsonl")], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"})

    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_import_with_redaction_on_stores_the_lines_redacted(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "FEEDGATE_REDACTION": "true"}
    data = tmp_path / "feedback.jsonl"
    data.write_bytes(b"\n".join(complaint_lines([("Refund to alice@example.com?", "still no refund")])) + b"\n")

    imported = run(["import", str(data)], env)

    assert imported.returncode == 0, imported.stderr
    with sqlite3.connect(tmp_path / "cli.db") as db:
        [(request, redactions)] = db.execute("SELECT request, redactions FROM interactions").fetchall()
    assert "alice@example.com" not in request
    assert "[redacted:email]" in request
    assert orjson.loads(redactions) == {"email": 1}


def test_cluster_refuses_an_app_with_no_complaints_and_no_issues_naming_those_that_have(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    data = tmp_path / "feedback.jsonl"
    data.write_bytes(b"\n".join(complaint_lines(REFUNDS)) + b"\n")
    run(["import", str(data)], env)

    refused = run(["cluster", "--app", "suport-bot"], env)

    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "feedgate: --app 'suport-bot' has no negative feedback and no issues; apps that have: support-bot"
    )


def test_cluster_quotes_a_long_unknown_app_by_its_start_and_its_length(tmp_path: Path):
    # A pasted value of 3,000 characters was echoed whole; the API quotes such a value so (gateway/domain/quoting.py).
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db"}
    data = tmp_path / "feedback.jsonl"
    data.write_bytes(b"\n".join(complaint_lines(REFUNDS)) + b"\n")
    run(["import", str(data)], env)

    refused = run(["cluster", "--app", "x" * 3000], env)

    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        f"feedgate: --app '{'x' * 60}…' (3,000 characters) has no negative feedback and no issues; "
        "apps that have: support-bot"
    )
