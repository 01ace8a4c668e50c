"""Per-app calibration of the confidence measures on the app's own labelled answers (GET /api/reviews/calibration).

Reads the app's recent chat answers that carry token log-probabilities (recorded as returned,
streams reassembled), labels each bad when it later got negative current feedback or the reviewers'
decision that stands rejected or corrected it (gateway.review.verdicts), and runs gateway.review.calibration over them. Of an answer of `n` > 1
choices, the first is measured (`SCORED_CHOICE`, as the gate decides), and only feedback and
decisions judging that choice label it (gateway.store.confidence_samples). Decoding the recorded
JSON and computing the features is CPU work: it runs in a thread, a batch at a time, so the
event loop keeps serving the proxy while a report over 50,000 answers is built.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.domain.blank_text import refuse_blank
from gateway.domain.errors import InvalidQuery
from gateway.domain.time_range import range_up_to
from gateway.review.calibration import MIN_PER_CLASS, CalibrationReport, calibrate
from gateway.review.confidence import SCORED_CHOICE, ConfidenceFeatures, confidence_features
from gateway.review.gate_rules import gate_rules
from gateway.store.confidence_samples import ConfidenceSampleStore, LabelledAnswer, SampleWindow

DEFAULT_RANGE = timedelta(days=30)
# The newest answers read at most: enough for a stable AUC, bounded in time and memory.
MAX_ANSWERS = 50_000
# Without a review rate asked for, what reviewing a tenth of the traffic would catch.
DEFAULT_REVIEW_RATE = 0.1
CHOSEN_MEASURE = "confidence"  # what the gate compares with its threshold

Sample = tuple[ConfidenceFeatures | None, bool]


@dataclass(frozen=True, slots=True)
class AppCalibration:
    """One app's calibration report over a window, with what was read and the gate's current threshold."""

    app: str
    since: datetime
    until: datetime
    chat_answers: int  # successful chat completions in the window, with or without log-probabilities
    with_logprobs: int  # of those, the ones whose record carries token log-probabilities
    capped: bool  # more answers had log-probabilities than were read (the newest MAX_ANSWERS were)
    current_threshold: float | None  # the app's gate threshold; None when the app is not gated
    report: CalibrationReport

    @property
    def without_logprobs(self) -> int:
        """Successful chat answers in the window that carry no token log-probabilities (nothing to measure)."""
        return self.chat_answers - self.with_logprobs

    @property
    def note(self) -> str | None:
        """Why the chosen measure has no figures, when it has none."""
        if self.with_logprobs == 0 and self.chat_answers > 0:
            return (
                f"none of the {self.chat_answers} chat answers in the window carried token log-probabilities: "
                "gate the app (the gate asks for them) or have the app ask with logprobs: true"
            )
        return self.report.chosen.note

    @property
    def enough_data(self) -> bool:
        """Whether the chosen measure has figures (enough bad and good answers)."""
        return self.report.chosen.auc is not None


def samples_of(answers: list[LabelledAnswer]) -> list[Sample]:
    """Each recorded answer's confidence features (None when unreadable) and label; CPU work, for a thread."""
    samples: list[Sample] = []
    for answer in answers:
        try:
            parsed = orjson.loads(answer.response_json)
        except orjson.JSONDecodeError:
            parsed = None
        features = confidence_features(parsed) if isinstance(parsed, dict) else None
        samples.append((features, answer.bad))
    return samples


class CalibrationReports:
    """Builds an app's calibration report from its stored answers and their labels."""

    def __init__(
        self,
        store: ConfidenceSampleStore,
        thresholds: dict[str, float],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_answers: int = MAX_ANSWERS,
        min_per_class: int = MIN_PER_CLASS,
    ) -> None:
        self._store = store
        self._thresholds = thresholds
        self._clock = clock
        self._max_answers = max_answers
        self._min_per_class = min_per_class

    async def report(
        self,
        app: str,
        since: datetime | None = None,
        until: datetime | None = None,
        review_rate: float = DEFAULT_REVIEW_RATE,
    ) -> AppCalibration:
        """How well each measure separates `app`'s bad answers in [since, until) (default the last 30 days)."""
        refuse_blank("app", app, "name the app whose answers to calibrate on")
        if not 0.0 < review_rate < 1.0:
            raise InvalidQuery("review_rate", "'review_rate' must be a share between 0 and 1, e.g. 0.1")
        start, end = range_up_to(since, until, now=self._clock(), length=DEFAULT_RANGE)
        # One more than the cap, to tell "exactly the cap" from "more than the cap".
        window = SampleWindow(app=app, since=start, until=end, limit=self._max_answers + 1, choice=SCORED_CHOICE)
        samples: list[Sample] = []
        async for batch in self._store.labelled_answers(window):
            samples.extend(await asyncio.to_thread(samples_of, batch))
        capped = len(samples) > self._max_answers
        del samples[self._max_answers :]
        report = await asyncio.to_thread(
            calibrate, samples, review_rate=review_rate, chosen=CHOSEN_MEASURE, min_per_class=self._min_per_class
        )
        chat_answers, with_logprobs = await self._store.chat_answers(window)
        return AppCalibration(
            app=app,
            since=start,
            until=end,
            chat_answers=chat_answers,
            with_logprobs=with_logprobs,
            capped=capped,
            current_threshold=self._thresholds.get(app),
            report=report,
        )


def calibration_reports(engine: AsyncEngine, settings: Settings) -> CalibrationReports:
    """Calibration reports over `engine`, showing each gated app's threshold from `settings`."""
    thresholds = {app: rule.threshold for app, rule in gate_rules(settings).items()}
    return CalibrationReports(ConfidenceSampleStore(engine), thresholds)
