"""The banking77 data the clustering benchmarks read: real customer queries with intent labels."""

from __future__ import annotations

import csv
from pathlib import Path

# Beside the project root, as on every machine that runs the benchmarks (see SOURCE.md there).
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "banking77"


def read_banking(path: Path) -> tuple[list[str], list[str]]:
    """The texts and intent labels of a banking77 CSV, in file order."""
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return [row["text"] for row in rows], [row["category"] for row in rows]
