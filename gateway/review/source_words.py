"""What opened a review task, in people's words: the pages say these, the API and the forms keep the values.

One mapping for every page that names a source (the queue's column and filter, a task's page and events, an
issue's task list), as `resolution.py` words what became of a task.
"""

from __future__ import annotations

from gateway.review.records import Source

SOURCE_WORDS: dict[Source, str] = {
    Source.ISSUE: "an issue of similar complaints",
    Source.SIMILAR_NEGATIVE: "similar answers got thumbs-down",
    Source.CONFIDENCE: "the model was unsure",
    Source.ANOMALOUS: "an unusual question",
    Source.FLAGGED: "the app asked for a review",
    Source.MANUAL: "a person asked for it",
}


# The same, said after "Opened because" or "Taken over because" (a task's Events table).
SOURCE_BECAUSE: dict[Source, str] = {
    Source.ISSUE: "similar complaints formed an issue",
    Source.SIMILAR_NEGATIVE: "similar recent answers got thumbs-down",
    Source.CONFIDENCE: "the model was unsure of its answer",
    Source.ANOMALOUS: "the question was unusual",
    Source.FLAGGED: "the app asked for a review",
    Source.MANUAL: "a person asked for it",
}


def source_words(value: object) -> str:
    """A task's source (a Source or its value) in people's words; a value no source has, as it is."""
    try:
        return SOURCE_WORDS[Source(str(value))]
    except ValueError:
        return str(value)


def source_because(value: object) -> str:
    """Why a source opened (or took over) a task, said after "because"; a value no source has, as it is."""
    try:
        return SOURCE_BECAUSE[Source(str(value))]
    except ValueError:
        return str(value)
