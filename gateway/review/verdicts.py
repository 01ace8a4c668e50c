"""What reviewers' decisions say of the answers they judged: one rule for every reader of the decisions.

The training-data export (gateway.export.examples), the confidence gate's calibration
(gateway.review.calibration_report) and the suggested actions (gateway.review.suggestion, whose end users' corrections
of an answer a standing decision approved are offered as none) all read it:

- The decision that stands is the last one of the current round of a resolved task: of two reviewers who disagree the
  second one's stands, reopening a task sets its earlier rounds aside, and a first opinion awaiting the second reviewer
  says nothing yet (gateway.review.lifecycle). The others are kept (the agreement figures and the automation rate count
  what reviewers did), but they judge no answer.
- Its verdict: `approve` holds the answer right; `reject` holds it wrong; `correct` holds it wrong and gives the right
  answer when its correction says something (more than blank characters, gateway.domain.blank_text, and more than
  redaction's replacements, gateway.privacy.redaction). A correction that says nothing gives no right answer: its
  decision judges as a rejection does.
- A task about several answers (an issue's, similar negatives', one ever given several) judges them as a pattern: its
  verdict holds for each, every choice of it alike (it names no choice; calibration counts a rejection against each),
  but its correction is the right answer to none of them (the export makes no example of it).
- The decision that stands outranks end users: where it holds an answer right (an approval of the choice they judged,
  one the export makes an example of or not, of one answer or of several as a pattern), their negative feedback and
  corrections of that answer say nothing (calibration counts it good, the suggested actions offer no entry of one).
  The export keeps one label per answer instead: only a decision that labels the answer itself outranks its end users'
  corrections there (gateway.store.label_decisions.reviewed); an approval that gives no example (of a choice cut
  short, or empty) or a pattern's decision outranks no one, and their corrections of any of its choices stand.
  Where it holds the answer wrong, the answer is bad whatever end users said; an end user's correction still gives the
  right answer the export pairs with it when the decision gives none (a rejection). Only where no decision stands does
  end users' feedback alone say whether an answer was bad.

The stores' SQL follows it: gateway.store.standing_decisions (the decision that stands, and what it holds of an
answer) and gateway.store.label_filters.says_something (a correction that says something).
"""

from __future__ import annotations

from enum import StrEnum

from gateway.domain.blank_text import says_nothing
from gateway.privacy.redaction import redaction_took_all
from gateway.review.records import Outcome


class Verdict(StrEnum):
    """What a decision holds of the answer it judged."""

    RIGHT = "right"
    WRONG = "wrong"
    # Wrong, and the decision gives the right answer.
    CORRECTED = "corrected"


# The outcomes whose decisions hold the answer wrong, whatever their correction says (a calibration's bad answers).
JUDGED_WRONG: tuple[str, ...] = (Outcome.REJECT.value, Outcome.CORRECT.value)
# The outcomes whose decisions hold the answer right: end users' negative feedback and corrections of it say nothing.
JUDGED_RIGHT: tuple[str, ...] = (Outcome.APPROVE.value,)


def correction_says_something(correction: str | None) -> bool:
    """Whether a correction gives an answer: more than blank characters, and more than redaction's replacements."""
    return not says_nothing(correction) and not redaction_took_all(correction)


def end_users_correction_gives_answer(correction: str | None, held_right: bool) -> bool:
    """Whether an end user's correction gives the right answer: it says something, and no decision that stands holds
    the answer it corrects right (`held_right`, gateway.store.standing_decisions.held_by_standing with JUDGED_RIGHT)."""
    return not held_right and correction_says_something(correction)


def verdict_of(outcome: str, correction: str | None) -> Verdict:
    """What a decision of `outcome` carrying `correction` holds of its answer."""
    if outcome == Outcome.APPROVE.value:
        return Verdict.RIGHT
    if outcome == Outcome.CORRECT.value and correction_says_something(correction):
        return Verdict.CORRECTED
    return Verdict.WRONG
