"""What an end user does in the widget tests: press a control, then wait for the status to say it was taken."""

from __future__ import annotations

import itertools
import time
from typing import Any

# How long a step waits for its status (ms): a post to a real gateway on a loaded machine.
STATUS_WAIT_MS = 10_000
# How far the page's clock is run ahead at a time while a step waits on the page's timers (ms).
TIMER_STEP_MS = 250


def press(page: Any, name: str, then: str, *, exact: bool = False) -> None:
    """Click the button named `name`, then wait until the status line says `then`."""
    page.get_by_role("button", name=name, exact=exact).click()
    page.get_by_role("status").filter(has_text=then).wait_for(timeout=STATUS_WAIT_MS)


def wait_running_timers(page: Any, then: str) -> None:
    """Wait until the status line says `then`, running the page's timers ahead meanwhile (after page.clock.install()).

    A post sent again waits 1 s of the page's time first (Retry-After, or a lost post's second try): run ahead in
    steps, that wait passes at once instead of in real time. The page's clock also goes on by itself: a wait that
    began just after a step ends at the next one, or at worst as late as in real time, never not at all.
    """
    status = page.get_by_role("status").filter(has_text=then)
    deadline = time.monotonic() + STATUS_WAIT_MS / 1000
    while not status.count():
        if time.monotonic() > deadline:
            raise AssertionError(f"the status never said {then!r}: {page.get_by_role('status').text_content()!r}")
        page.clock.run_for(TIMER_STEP_MS)


def press_running_timers(page: Any, name: str, then: str) -> None:
    """Click the button named `name`, then wait until the status line says `then`, running the page's timers ahead."""
    page.get_by_role("button", name=name).click()
    wait_running_timers(page, then)


# Every post the open page starts from now on, and every one that has settled (answered, refused or lost): counted
# around window.fetch, which the widget looks up at each post (a page's own slow or lossy fetch stays inside the count).
COUNT_POSTS = """() => {
  const counts = window.feedgatePosts = {started: 0, settled: 0, times: []};
  const counted = window.fetch;
  window.fetch = (url, init) => {
    counts.started += 1;
    counts.times.push(Date.now());
    const post = counted(url, init);
    const settle = () => { counts.settled += 1; };
    post.then(settle, settle);
    return post;
  };
}"""


def count_posts(page: Any) -> None:
    """Count the posts the open page starts from now on (posts_started, wait_until_posts_settled)."""
    page.evaluate(COUNT_POSTS)


def posts_started(page: Any) -> int:
    """How many posts the page has started since count_posts."""
    started: int = page.evaluate("() => window.feedgatePosts.started")
    return started


def gaps_between_posts(page: Any) -> list[int]:
    """The page's time (ms, Date.now: page.clock's when installed) between each post it started since count_posts."""
    times: list[int] = page.evaluate("() => window.feedgatePosts.times")
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def wait_until_posts_settled(page: Any) -> None:
    """Wait until every post the page started has settled: nothing it sent is still on its way."""
    page.wait_for_function(
        "() => window.feedgatePosts.settled === window.feedgatePosts.started", timeout=STATUS_WAIT_MS
    )
