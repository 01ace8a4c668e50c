"""Exporting: labelled examples from the store, turned into lines of one format, as they are read."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from gateway.export.examples import example_from_row
from gateway.export.formats import LINE_WRITERS, ExportFormat
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore


@dataclass(slots=True)
class ExportTally:
    """What an export read and wrote, filled in as it runs."""

    rows: int = 0
    examples: int = 0
    lines: int = 0
    by_source: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """One line for the person who ran the export."""
        sources = ", ".join(f"{count} {source}" for source, count in sorted(self.by_source.items())) or "none"
        skipped = self.examples - self.lines
        note = f"; {skipped} not in this format" if skipped else ""
        return f"wrote {_count(self.lines, 'line')} from {_count(self.examples, 'labelled example')} ({sources}){note}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


class TrainingExport:
    """Streams the labelled examples matching a filter as lines of one format."""

    def __init__(self, store: TrainingExampleStore) -> None:
        self._store = store

    async def count(self, where: ExampleFilter) -> int:
        """About how many examples `lines` will read (an upper bound: a few rows may make none)."""
        return await self._store.count(where)

    async def lines(
        self,
        where: ExampleFilter,
        fmt: ExportFormat,
        tally: ExportTally,
        progress: Callable[[int], None] | None = None,
    ) -> AsyncIterator[str]:
        """Each example's line in `fmt`, in the store's order; `progress` gets the rows read so far."""
        write = LINE_WRITERS[fmt]
        async for row in self._store.stream(where):
            tally.rows += 1
            example = example_from_row(row)
            if example is not None:
                tally.examples += 1
                tally.by_source[example.source.value] += 1
                line = write(example)
                if line is not None:
                    tally.lines += 1
                    yield line
            if progress is not None:
                progress(tally.rows)
