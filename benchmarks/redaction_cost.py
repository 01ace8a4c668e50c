"""What redaction costs the writer: microseconds per stored interaction, and the time of hostile texts.

With `FEEDGATE_REDACTION=true` the writer runs every built-in rule (gateway.privacy.redaction) over
each interaction's request, answer and metadata before storing it. This times `Redactor.row` on
2,000 interaction rows built from banking77's test queries (a chat request with a system prompt,
the query, an answer; one row in five quotes an e-mail address, a phone number or a card number),
the best of --repeats passes, and the rules on texts built to make a regular expression backtrack
(a long run of "%a" before an "@", of digits and spaces, of "sk-" characters), at two sizes each:
time that grows with the size, not its square, is what keeps one call from stalling the writer.

Run from a checkout's folder, to compare revisions (one's worktree, then the other's, alternately):

    .venv/bin/python benchmarks/redaction_cost.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

PROJECT_ROOT = Path.cwd()
sys.path.insert(0, str(PROJECT_ROOT))

from gateway.privacy.redaction import BUILT_IN_RULES, INTERACTION_FIELDS, Redactor  # noqa: E402

BANKING77 = PROJECT_ROOT.parent / "shared" / "data" / "banking77" / "test.csv"
ROWS = 2_000
# Personal data one row in five quotes, in turn.
QUOTED = ("write to ana.lopez@example.com", "call +44 7911 123456", "my card 4111 1111 1111 1111 was charged")
HOSTILE = {
    "'%a' run before '@'": lambda size: "%a" * size + "@",
    "digits and spaces": lambda size: "1 " * size + "x",
    "'sk-' key characters": lambda size: "sk-" + "a" * size + " ",
}
SIZES = (10_000, 40_000)


def rows() -> list[dict[str, object]]:
    """ROWS interaction rows as the writer holds them, from banking77's test queries."""
    with BANKING77.open(newline="") as file:
        queries = [line["text"] for line in csv.DictReader(file)]
    built = []
    for index in range(ROWS):
        query = queries[index % len(queries)]
        if index % 5 == 0:
            query = f"{query} ({QUOTED[index // 5 % len(QUOTED)]})"
        answer = f"Thanks for asking. About '{query[:60]}': please open the app and follow the steps shown."
        messages = [
            {"role": "system", "content": "You are a bank's support assistant."},
            {"role": "user", "content": query},
        ]
        built.append(
            {
                "request": {"model": "gpt-4o-mini", "messages": messages},
                "response": {"choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]},
                "response_text": answer,
                "tool_calls": None,
                "metadata": {"ticket": f"T-{index}"},
                "error": None,
            }
        )
    return built


def best_of(repeats: int, work) -> float:
    """The least of `repeats` runs' seconds (a busy host lengthens a run, never shortens one)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def redacting(redactor: Redactor, text: str):
    """A call that redacts `text` once."""
    return lambda: redactor.text(text, Counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    redactor = Redactor(BUILT_IN_RULES)
    built = rows()
    seconds = best_of(args.repeats, lambda: [redactor.row(row, INTERACTION_FIELDS) for row in built])
    print(f"interaction rows: {seconds / ROWS * 1e6:.1f} µs a row ({ROWS} rows, best of {args.repeats})")
    for name, make in HOSTILE.items():
        timings = [best_of(args.repeats, redacting(redactor, make(size))) for size in SIZES]
        said = ", ".join(f"{size:,} units {took * 1000:.1f} ms" for size, took in zip(SIZES, timings, strict=True))
        print(f"{name}: {said} (x{timings[1] / timings[0]:.1f} for x{SIZES[1] // SIZES[0]} the text)")


if __name__ == "__main__":
    main()
