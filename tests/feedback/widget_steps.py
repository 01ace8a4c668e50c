"""What an end user does in the widget tests: press a control, then wait for the status to say it was taken."""

from __future__ import annotations

from typing import Any

# How long a step waits for its status (ms): a post to a real gateway on a loaded machine.
STATUS_WAIT_MS = 10_000


def press(page: Any, name: str, then: str, *, exact: bool = False) -> None:
    """Click the button named `name`, then wait until the status line says `then`."""
    page.get_by_role("button", name=name, exact=exact).click()
    page.get_by_role("status").filter(has_text=then).wait_for(timeout=STATUS_WAIT_MS)


# Every post the open page starts from now on, and every one that has settled (answered, refused or lost): counted
# around window.fetch, which the widget looks up at each post (a page's own slow or lossy fetch stays inside the count).
COUNT_POSTS = """() => {
  const counts = window.feedgatePosts = {started: 0, settled: 0};
  const counted = window.fetch;
  window.fetch = (url, init) => {
    counts.started += 1;
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


def wait_until_posts_settled(page: Any) -> None:
    """Wait until every post the page started has settled: nothing it sent is still on its way."""
    page.wait_for_function(
        "() => window.feedgatePosts.settled === window.feedgatePosts.started", timeout=STATUS_WAIT_MS
    )
