"""Several processes, one metrics folder: /metrics adds up every process's values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.observability.multiprocess import exposition, forget_process

from .recording_process import run_process
from .scrape import sample

CHAT = {"route": "chat.completions", "upstream": "default"}


def test_counters_and_histograms_of_two_processes_are_added_up(tmp_path: Path):
    run_process(tmp_path, calls=3, depth=2)
    run_process(tmp_path, calls=4, depth=5)

    text, content_type = exposition(tmp_path)
    text_str = text.decode()

    assert content_type.startswith("text/plain")
    assert sample(text_str, "feedgate_requests_total", **CHAT, status="200") == 7
    assert sample(text_str, "feedgate_request_seconds_count", **CHAT) == 7
    assert sample(text_str, "feedgate_gateway_added_seconds_bucket", **CHAT, le="0.0005") == 7
    assert sample(text_str, "feedgate_writer_queue_depth") == 7


def test_a_process_that_exited_leaves_its_counts_but_not_its_live_gauges(tmp_path: Path):
    first = run_process(tmp_path, calls=3, depth=2)
    run_process(tmp_path, calls=4, depth=5)

    forget_process(first, tmp_path)

    text = exposition(tmp_path)[0].decode()
    assert sample(text, "feedgate_requests_total", **CHAT, status="200") == 7
    assert sample(text, "feedgate_writer_queue_depth") == 5


def test_preparing_the_folder_forgets_an_earlier_runs_values(tmp_path: Path):
    run_process(tmp_path, calls=3, depth=2)
    program = (
        "import sys\nfrom pathlib import Path\n"
        "from gateway.observability.multiprocess import prepare_multiprocess_metrics\n"
        "prepare_multiprocess_metrics(Path(sys.argv[1]))\n"
    )
    subprocess.run([sys.executable, "-c", program, str(tmp_path)], timeout=60, check=True)
    run_process(tmp_path, calls=1, depth=0)

    text = exposition(tmp_path)[0].decode()
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
