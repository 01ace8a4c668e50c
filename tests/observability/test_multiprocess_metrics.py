"""Several processes, one metrics folder: /metrics adds up every process's values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.observability.multiprocess import exposition, forget_process

from .recording_process import live_process, prepare_in_another_process, run_process
from .scrape import sample

CHAT = {"route": "chat.completions", "upstream": "default"}


def test_counters_and_histograms_of_two_processes_are_added_up(tmp_path: Path):
    with live_process(tmp_path, calls=3, depth=2), live_process(tmp_path, calls=4, depth=5):
        text, content_type = exposition(tmp_path)
    text_str = text.decode()

    assert content_type.startswith("text/plain")
    assert sample(text_str, "feedgate_requests_total", **CHAT, status="200") == 7
    assert sample(text_str, "feedgate_request_seconds_count", **CHAT) == 7
    assert sample(text_str, "feedgate_gateway_added_seconds_bucket", **CHAT, le="0.0005") == 7
    assert sample(text_str, "feedgate_writer_queue_depth") == 7


def test_a_process_that_exited_leaves_its_counts_but_not_its_live_gauges(tmp_path: Path):
    with live_process(tmp_path, calls=4, depth=5):
        first = run_process(tmp_path, calls=3, depth=2)
        forget_process(first, tmp_path)

        text = exposition(tmp_path)[0].decode()

    assert sample(text, "feedgate_requests_total", **CHAT, status="200") == 7
    assert sample(text, "feedgate_writer_queue_depth") == 5


def test_a_scrape_no_longer_counts_the_live_gauges_of_a_process_that_is_gone(tmp_path: Path):
    with live_process(tmp_path, calls=4, depth=5):
        run_process(tmp_path, calls=3, depth=2)  # exits; nothing calls forget_process for it

        text = exposition(tmp_path)[0].decode()

    assert sample(text, "feedgate_writer_queue_depth") == 5
    assert sample(text, "feedgate_requests_total", **CHAT, status="200") == 7


def test_preparing_the_folder_forgets_an_earlier_runs_values(tmp_path: Path):
    run_process(tmp_path, calls=3, depth=2)
    prepare_in_another_process(tmp_path)
    run_process(tmp_path, calls=1, depth=0)

    text = exposition(tmp_path)[0].decode()
    assert sample(text, "feedgate_requests_total", **CHAT, status="200") == 1


def test_preparing_the_folder_keeps_the_counts_of_a_process_still_running(tmp_path: Path):
    with live_process(tmp_path, calls=3, depth=2) as first:
        prepare_in_another_process(tmp_path)  # a second `feedgate serve` starts, sharing the folder
        run_process(tmp_path, calls=4, depth=0)
        first.record(calls=2, depth=2)

        text = exposition(tmp_path)[0].decode()

    assert sample(text, "feedgate_requests_total", **CHAT, status="200") == 9
    assert sample(text, "feedgate_writer_queue_depth") == 2


def files_of(directory: Path, pid: int) -> set[str]:
    """The names of the files in `directory` named after process `pid` (its values and its lock)."""
    return {path.name for path in directory.iterdir() if path.stem.rpartition("_")[2] == str(pid)}


def test_preparing_the_folder_removes_every_file_of_a_process_that_is_gone(tmp_path: Path):
    gone = run_process(tmp_path, calls=3, depth=2)
    with live_process(tmp_path, calls=1, depth=1) as running:
        prepare_in_another_process(tmp_path)

        assert files_of(tmp_path, gone) == set()
        assert {f"counter_{running.pid}.db", f"gauge_livesum_{running.pid}.db"} <= files_of(tmp_path, running.pid)


def test_files_left_under_a_pid_an_unrelated_process_now_has_are_removed(tmp_path: Path):
    gone = run_process(tmp_path, calls=3, depth=2)
    with (
        live_process(tmp_path, calls=1, depth=1),
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]) as unrelated,
    ):
        try:
            # As if the pid had been reused: the files of a process that is gone, named after a live one.
            for name in files_of(tmp_path, gone):
                (tmp_path / name).rename(tmp_path / name.replace(str(gone), str(unrelated.pid)))
            prepare_in_another_process(tmp_path)

            left = files_of(tmp_path, unrelated.pid)
            text = exposition(tmp_path)[0].decode()
        finally:
            unrelated.kill()

    assert left == set()
    assert sample(text, "feedgate_requests_total", **CHAT, status="200") == 1


def test_switching_to_files_after_metrics_exist_in_memory_is_refused(tmp_path: Path):
    program = (
        "import sys\nfrom pathlib import Path\n"
        "from gateway.observability.request_metrics import request_metrics\n"
        "from gateway.observability.multiprocess import MetricsModeError, use_multiprocess_metrics\n"
        "request_metrics()\n"
        "try:\n    use_multiprocess_metrics(Path(sys.argv[1]))\n"
        "except MetricsModeError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path)], capture_output=True, text=True, timeout=60, check=True
    )

    assert "set FEEDGATE_METRICS_DIR" in done.stdout
