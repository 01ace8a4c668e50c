"""Exporting: labelled examples from the store, turned into lines of one format, as they are read."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from gateway.export.examples import FixFilter, example_from_row
from gateway.export.formats import LINE_WRITERS, ExportFormat
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore


@dataclass(slots=True)
class ExportTally:
    """What an export read and wrote, filled in as it runs."""

    rows: int = 0
    examples: int = 0
    lines: int = 0
    # Lines left out because the same line was already written (see TrainingExport.lines).
    duplicates: int = 0
    # Labels read that made no example: a request without messages, an approved answer whose text is blank or whose
    # calls are of no shape a fine-tuning file takes (gateway.export.examples.example_from_row).
    no_example: int = 0
    # Labels the store reads no row of (TrainingExampleStore.left_out counts them), so they are not among `rows`:
    # reviewers' approvals of answers that said and called nothing (gateway.domain.blank_text), their approvals of
    # answers cut short (a target that teaches stopping mid-sentence), corrections that said nothing (stored
    # blank before intake took that rule), corrections redaction took all of (nothing left but "[redacted:...]"), and
    # corrections of a choice their answer does not have (stored before intake checked it: no original to pair).
    said_nothing: int = 0
    cut_short: int = 0
    blank_corrections: int = 0
    redacted_corrections: int = 0
    unknown_choice_corrections: int = 0
    by_source: Counter[str] = field(default_factory=Counter)

    @property
    def left_out(self) -> int:
        """The labels the store read no row of, whatever the reason."""
        corrections = self.blank_corrections + self.redacted_corrections + self.unknown_choice_corrections
        return self.said_nothing + self.cut_short + corrections

    def summary(self) -> str:
        """One line for the person who ran the export."""
        sources = ", ".join(f"{count} {source}" for source, count in sorted(self.by_source.items())) or "none"
        skipped = self.examples - self.lines - self.duplicates
        note = f"; {skipped} not in this format" if skipped else ""
        if self.duplicates:
            note += f"; {_count(self.duplicates, 'duplicate')} left out"
        if self.no_example:
            note += f"; {_count(self.no_example, 'label')} made no example"
        if self.said_nothing:
            their = "its answer" if self.said_nothing == 1 else "their answers"
            note += f"; {_count(self.said_nothing, 'approval')} left out: {their} said nothing and called no tool"
        if self.cut_short:
            their = "its answer was" if self.cut_short == 1 else "their answers were"
            note += f"; {_count(self.cut_short, 'approval')} left out: {their} cut short"
        if self.blank_corrections:
            they = "it" if self.blank_corrections == 1 else "they"
            note += f"; {_count(self.blank_corrections, 'correction')} left out: {they} said nothing"
        if self.redacted_corrections:
            they = "it" if self.redacted_corrections == 1 else "they"
            note += f"; {_count(self.redacted_corrections, 'correction')} left out: redaction took all {they} said"
        if self.unknown_choice_corrections:
            one = self.unknown_choice_corrections == 1
            they = "it names a choice its answer does not" if one else "they name a choice their answers do not"
            note += f"; {_count(self.unknown_choice_corrections, 'correction')} left out: {they} have"
        return f"wrote {_count(self.lines, 'line')} from {_count(self.examples, 'labelled example')} ({sources}){note}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _digest(line: str) -> bytes:
    # 16 bytes: collisions are out of reach at any export's size; each kept digest costs about
    # 90 bytes of memory (measured), whatever the length of its line.
    return hashlib.blake2b(line.encode(), digest_size=16).digest()


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
        *,
        fixes: FixFilter | None = None,
    ) -> AsyncIterator[str]:
        """Each example's line in `fmt`, in the store's order, each distinct line once; `progress` gets the rows read.

        `fixes` keeps the examples answered without a gateway fix, or only those (None: both); the
        ones it leaves out are not counted as read, as an example of another app is not.

        The same line twice (two interactions asking the same thing, labelled with the same
        answer) would weigh that example double in training; only a digest of each line written
        is kept to tell, never the lines.
        """
        write = LINE_WRITERS[fmt]
        written: set[bytes] = set()
        # Counted as the rows are read: before the first line, so the labels counted are those read.
        upto = await self._store.labels_up_to()
        left_out = await self._store.left_out(where, upto)
        tally.said_nothing, tally.cut_short = left_out.said_nothing, left_out.cut_short
        tally.blank_corrections = left_out.blank_corrections
        tally.redacted_corrections = left_out.redacted_corrections
        tally.unknown_choice_corrections = left_out.unknown_choice_corrections
        async for row in self._store.stream(where, upto):
            tally.rows += 1
            example = example_from_row(row)
            if example is None:
                tally.no_example += 1
            elif fixes is not None and not fixes.keeps(example):
                example = None
            if example is not None:
                tally.examples += 1
                tally.by_source[example.source.value] += 1
                line = write(example)
                digest = None if line is None else _digest(line)
                if digest is not None and digest in written:
                    tally.duplicates += 1
                elif line is not None and digest is not None:
                    written.add(digest)
                    tally.lines += 1
                    yield line
            if progress is not None:
                progress(tally.rows)
