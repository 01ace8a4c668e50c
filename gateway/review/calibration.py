"""How well each confidence measure picks out the answers people later found bad (pure functions).

Input: per answer, its `ConfidenceFeatures` (None without log-probabilities) and whether it was
bad: it later got negative current feedback or a reviewer rejected or corrected it. Output, per
measure: the AUC, the share of bad answers caught when reviewing the app's review rate of its
traffic (the least confident answers by that measure), and the threshold that reviews that share.

Every measure has a direction (`review_when`): confidence-like measures flag answers *below* the
threshold, cost-like ones (``nll``, ``tokens``) answers *above* it. AUC is then the probability
that a random bad answer looks riskier than a random good one (ties count half): 1.0 separates
perfectly, 0.5 is chance, below 0.5 the measure points the wrong way for this app. The catch
rate compares with ``review_rate`` itself, what reviewing a random sample would catch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np

from gateway.review.confidence import ConfidenceFeatures

MIN_PER_CLASS = 10  # fewer bad (or good) answers than this and the figures are noise


@dataclass(frozen=True, slots=True)
class Measure:
    """One way to read risk from the features."""

    name: str
    read: Callable[[ConfidenceFeatures], float | None]
    review_when: Literal["below", "above"]
    meaning: str


# mean_logprob and nll_per_token rank answers exactly as confidence does (monotone transforms),
# so their AUC and catch rate are confidence's; they are not listed twice.
MEASURES: tuple[Measure, ...] = (
    Measure("confidence", lambda f: f.confidence, "below", "geometric-mean token probability, exp(mean logprob)"),
    Measure("min_logprob", lambda f: f.min_logprob, "below", "the least likely token's log-probability"),
    Measure("nll", lambda f: f.nll, "above", "the answer's negative log-likelihood (sum over tokens)"),
    Measure("first_token_margin", lambda f: f.first_token_margin, "below", "top-1 minus top-2 logprob, first token"),
    Measure("tokens", lambda f: float(f.tokens), "above", "length in tokens"),
)


@dataclass(frozen=True, slots=True)
class MeasureReport:
    """How one measure did on an app's answers; the figures are None when there is not enough data."""

    measure: str
    review_when: Literal["below", "above"]
    answers: int
    bad: int
    auc: float | None
    threshold: float | None  # review answers whose measure is below (or above) this
    reviewed_share: float | None  # the share that threshold reviews (at most review_rate; ties go unreviewed)
    caught_share: float | None  # the share of bad answers among them
    note: str | None  # why there are no figures


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    """Every measure's report for one app, the chosen one and the one that separated best."""

    review_rate: float
    answers: int  # answers with log-probabilities
    bad: int
    without_logprobs: int
    chosen: MeasureReport
    best: str | None  # the measure with the highest AUC, when any has one
    measures: tuple[MeasureReport, ...]


def calibrate(
    samples: Iterable[tuple[ConfidenceFeatures | None, bool]],
    *,
    review_rate: float = 0.1,
    chosen: str = "confidence",
    min_per_class: int = MIN_PER_CLASS,
) -> CalibrationReport:
    """Report each measure's AUC, catch rate and threshold at ``review_rate`` over (features, was_bad) pairs."""
    if not 0.0 <= review_rate <= 1.0:
        raise ValueError(f"review_rate must be within 0 and 1, not {review_rate}")
    names = [measure.name for measure in MEASURES]
    if chosen not in names:
        raise ValueError(f"unknown measure {chosen!r}; one of {', '.join(names)}")
    pairs = list(samples)
    known = [(features, bad) for features, bad in pairs if features is not None]
    reports = tuple(_report(measure, known, review_rate, min_per_class) for measure in MEASURES)
    scored = [report for report in reports if report.auc is not None]
    best = max(scored, key=lambda report: report.auc or 0.0).measure if scored else None
    return CalibrationReport(
        review_rate=review_rate,
        answers=len(known),
        bad=sum(1 for _, bad in known if bad),
        without_logprobs=len(pairs) - len(known),
        chosen=reports[names.index(chosen)],
        best=best,
        measures=reports,
    )


def _report(
    measure: Measure, known: list[tuple[ConfidenceFeatures, bool]], review_rate: float, min_per_class: int
) -> MeasureReport:
    read = [(measure.read(features), bad) for features, bad in known]
    values = [value for value, _ in read if value is not None]
    flags = [bad for value, bad in read if value is not None]
    bad, good = sum(flags), len(flags) - sum(flags)
    report = partial(MeasureReport, measure=measure.name, review_when=measure.review_when, answers=len(values), bad=bad)
    if bad < min_per_class or good < min_per_class:
        note = f"not enough data: {bad} bad and {good} good answers, need {min_per_class} of each"
        return report(auc=None, threshold=None, reviewed_share=None, caught_share=None, note=note)
    # Work on "higher = surer" scores, so every measure is reviewed from the bottom.
    sign = 1.0 if measure.review_when == "below" else -1.0
    scores = [sign * value for value in values]
    threshold = threshold_for_review_rate(scores, review_rate)
    return report(
        auc=auc(scores, flags),
        threshold=sign * threshold,
        reviewed_share=sum(1 for score in scores if score < threshold) / len(scores),
        caught_share=catch_rate(scores, flags, threshold),
        note=None,
    )


def auc(scores: Sequence[float], bad: Sequence[bool]) -> float:
    """The probability that a random bad answer scores lower than a random good one, ties counting half.

    The rank-based (Mann-Whitney) AUC with average ranks for ties; low score = suspicious.
    """
    values = np.asarray(scores, dtype=float)
    is_bad = np.asarray(bad, dtype=bool)
    n_bad, n_good = int(is_bad.sum()), int((~is_bad).sum())
    if len(values) != len(is_bad) or n_bad == 0 or n_good == 0:
        raise ValueError("auc needs as many flags as scores, and at least one bad and one good answer")
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    # Each group of equal values shares the average of the 1-based ranks it spans.
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0
    ranks = average_rank[inverse]
    good_rank_sum = float(ranks[~is_bad].sum())
    return (good_rank_sum - n_good * (n_good + 1) / 2.0) / (n_good * n_bad)


def threshold_for_review_rate(scores: Sequence[float], review_rate: float) -> float:
    """The score below which at most ``review_rate`` of these answers fall, midway between neighbours.

    Answers tied at the cut are all left unreviewed, so the reviewed share never exceeds the rate
    (the gate's hold cap depends on that).
    """
    ordered = sorted(scores)
    if not ordered:
        raise ValueError("threshold_for_review_rate needs at least one score")
    count = math.floor(review_rate * len(ordered) + 1e-9)
    if count <= 0:
        return ordered[0]
    if count >= len(ordered):
        return math.nextafter(ordered[-1], math.inf)
    below, above = ordered[count - 1], ordered[count]
    return (below + above) / 2.0 if below < above else above


def catch_rate(scores: Sequence[float], bad: Sequence[bool], threshold: float) -> float:
    """The share of bad answers scoring below ``threshold``, i.e. caught by reviewing those answers."""
    flagged = [score < threshold for score, is_bad in zip(scores, bad, strict=True) if is_bad]
    if not flagged:
        raise ValueError("catch_rate needs at least one bad answer")
    return sum(flagged) / len(flagged)
