"""The review task an unsent form was written on, named on the page that gives the form back."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from admin_ui.unsent_forms import UnsentForm
from gateway.services import Services

logger = logging.getLogger("feedgate.admin")


@dataclass(frozen=True, slots=True)
class UnsentTask:
    """A task as the unsent form's page names it: its id, and its reason when the task could be read."""

    id: str
    reason: str | None


async def unsent_task(services: Services, unsent: UnsentForm) -> UnsentTask | None:
    """The task `unsent` was written on (its reason read now); None for a form that is not a task's."""
    task_id = unsent.task_id
    if task_id is None:
        return None
    try:
        detail = await services.reviews.get(task_id)
    except Exception:  # naming the task is a courtesy: the text comes back even when it cannot be read
        logger.warning("could not read review task %s to name it on an unsent form", task_id, exc_info=True)
        return UnsentTask(task_id, None)
    return UnsentTask(task_id, detail.task.reason)
