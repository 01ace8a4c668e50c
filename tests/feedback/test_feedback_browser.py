"""The browser widget, /static/feedgate.js, in headless Chromium on a page from another origin."""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from feedback_helpers import APP_KEY
from playwright.sync_api import expect
from widget_routes import answer_posts
from widget_steps import count_posts, gaps_between_posts, press_running_timers, wait_until_posts_settled

pytestmark = pytest.mark.browser


class PageServer:
    """Serves one HTML page from its own origin, as an app's front end would."""

    def __init__(self) -> None:
        self.page = b""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's naming
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(server.page)))
                self.end_headers()
                self.wfile.write(server.page)

            def do_POST(self) -> None:  # a reverse proxy's error page, as one in front of a gateway may send
                page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                self.send_response(502)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.stop()


def widget_page(
    gateway, page_server, *, user: str | None = None, claimed_user: str | None = None, attributes: str = ""
) -> str:
    """An answer from the gateway, and the page that shows the widget for it; the interaction id.

    `user` is the end user the app names on the call; `claimed_user`, the page's data-feedgate-user; `attributes`,
    more of the element's (say, 'data-feedgate-controls="rating"').
    """
    headers = {"authorization": f"Bearer {APP_KEY}", **({"x-feedgate-user": user} if user else {})}
    answered = httpx.post(
        f"{gateway.url}/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "How do I reset my password?"}]},
        headers=headers,
    )
    interaction_id = answered.headers["x-feedgate-interaction-id"]
    token = answered.headers["x-feedgate-feedback-token"]
    claim = f' data-feedgate-user="{html.escape(claimed_user)}"' if claimed_user is not None else ""
    page_server.page = f"""<!doctype html>
<html><body>
<p>{html.escape(answered.json()["choices"][0]["message"]["content"])}</p>
<div id="feedback" data-feedgate-interaction="{interaction_id}" data-feedgate-token="{html.escape(token)}"{claim} {attributes}></div>
<script src="{gateway.origin}/static/feedgate.js"></script>
</body></html>""".encode()
    return interaction_id


def opened_widget(
    settings,
    start_gateway,
    page_server,
    browser,
    *,
    user: str | None = None,
    claimed_user: str | None = None,
    attributes: str = "",
):
    """A gateway allowing the page's origin, an answer's widget on that page, open in a browser tab."""
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    interaction_id = widget_page(gateway, page_server, user=user, claimed_user=claimed_user, attributes=attributes)
    page = browser.new_page()
    page.goto(page_server.origin)
    return gateway, interaction_id, page


def test_a_click_on_a_thumb_alone_is_posted_cross_origin_and_stored(settings, start_gateway, page_server, browser):
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    interaction_id = widget_page(gateway, page_server)
    page = browser.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    page.goto(page_server.origin)
    page.get_by_role("button", name="Bad answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)

    assert console_errors == []
    [stored] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert stored["thumbs"] == "down"
    assert stored["comment"] is None
    assert stored["negative"] is True
    assert stored["submitted_via"] == "token"


def test_a_comment_after_the_vote_is_stored_with_it_and_becomes_current(settings, start_gateway, page_server, browser):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)

    page.get_by_role("button", name="Bad answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    page.get_by_label("What could be better?").fill("It told me to call support; there is a reset link.")
    page.get_by_role("button", name="Send comment").click()
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)

    feedback = gateway.interaction(interaction_id)["feedback"]
    assert [(event["thumbs"], event["comment"]) for event in feedback["events"]] == [
        ("down", None),
        ("down", "It told me to call support; there is a reset link."),
    ]
    [current] = feedback["current"]
    assert current["comment"] == "It told me to call support; there is a reset link."


def test_the_user_the_page_names_is_stored_when_it_is_the_tokens(settings, start_gateway, page_server, browser):
    gateway, interaction_id, page = opened_widget(
        settings, start_gateway, page_server, browser, user="ann", claimed_user="ann"
    )

    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)

    [stored] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert stored["user_id"] == "ann"


def test_a_second_click_on_the_same_thumb_is_not_posted_again(settings, start_gateway, page_server, browser):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)

    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("button", name="Send comment").click()  # nothing written: no comment to add
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)

    assert len(gateway.interaction(interaction_id)["feedback"]["events"]) == 1


def test_an_end_user_can_change_their_vote_after_sending_one(settings, start_gateway, page_server, browser):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser, user="user-42")
    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    first_id = page.locator(".feedgate").get_attribute("data-feedgate-feedback-id")

    page.get_by_role("button", name="Bad answer").click()
    page.wait_for_function(
        "first => document.querySelector('.feedgate').getAttribute('data-feedgate-feedback-id') !== first",
        arg=first_id,
        timeout=10_000,
    )
    page.get_by_label("What could be better?").fill("The fee is 1%, not free.")
    page.get_by_role("button", name="Send comment").click(timeout=5_000)
    page.get_by_role("status").filter(has_text="Thanks for your feedback!").wait_for(timeout=10_000)

    feedback = gateway.interaction(interaction_id)["feedback"]
    assert [event["thumbs"] for event in feedback["events"]] == ["up", "down", "down"]
    [current] = feedback["current"]
    assert current["thumbs"] == "down"
    assert current["comment"] == "The fee is 1%, not free."


def test_an_error_page_instead_of_json_is_told_by_its_status(settings, start_gateway, page_server, browser):
    gateway = start_gateway(settings)
    page_server.page = f"""<!doctype html>
<html><body>
<div id="feedback"></div>
<script src="{gateway.origin}/static/feedgate.js"></script>
<script>Feedgate.mount(document.getElementById("feedback"),
  {{interactionId: "i", token: "t", endpoint: "{page_server.origin}/v1/feedback"}});</script>
</body></html>""".encode()
    page = browser.new_page()
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)

    page.goto(page_server.origin)
    page.get_by_role("button", name="Good answer").click()

    # Not the JSON parser's "Unexpected token '<'": the end user is told in plain words, the developer the status.
    page.get_by_role("status").filter(has_text="the server had a problem").wait_for(timeout=10_000)
    assert "Feedgate: the feedback endpoint answered HTTP 502" in warnings


# The "down" post leaves 1.5 s late, as on a slow mobile link: the click after it comes first.
SLOW_THUMBS_DOWN = """
const realFetch = window.fetch;
window.fetch = (url, init) => init && init.body && init.body.includes('"thumbs":"down"')
  ? new Promise(resolve => setTimeout(resolve, 1500)).then(() => realFetch(url, init))
  : realFetch(url, init);
"""


def test_the_last_thumb_clicked_is_the_vote_stored_last_on_a_slow_link(settings, start_gateway, page_server, browser):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser, user="user-42")
    page.add_init_script(SLOW_THUMBS_DOWN)
    page.reload()
    count_posts(page)
    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)

    page.get_by_role("button", name="Bad answer").click()
    # The "down" post is on its way (its thumb busy until stored) when the end user goes back.
    expect(page.get_by_role("button", name="Bad answer")).to_have_attribute("aria-busy", "true")
    page.get_by_role("button", name="Good answer").click()
    page.wait_for_function(
        "() => document.querySelector('.feedgate-status').textContent.includes('Your vote is in')",
        timeout=10_000,
    )
    wait_until_posts_settled(page)

    feedback = gateway.interaction(interaction_id)["feedback"]
    assert [event["thumbs"] for event in feedback["events"]] == ["up", "down", "up"]
    assert [event["thumbs"] for event in feedback["current"]] == ["up"]
    assert page.get_by_role("button", name="Good answer").get_attribute("aria-pressed") == "true"


def test_a_vote_given_while_the_answer_streams_is_sent_again_when_the_gateway_says_so(
    settings, start_gateway, page_server, browser
):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()  # the page's timers, run ahead while it waits: its second of Retry-After passes at once
    count_posts(page)
    # The first post finds the answer still streaming, as the gateway tells it.
    posts = answer_posts(
        page, page_server.origin, 409, code="interaction_in_progress", headers={"retry-after": "1"}, times=1
    )
    press_running_timers(page, "Bad answer", then="Your vote is in")

    assert len(posts) == 2
    [gap] = gaps_between_posts(page)
    assert gap >= 1_000  # sent again once the page's clock had gone past the Retry-After
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["down"]


def test_a_vote_given_while_a_long_answer_streams_is_sent_again_until_it_is_stored(
    settings, start_gateway, page_server, browser
):
    # The gateway answers 409 (Retry-After: 5) for ten minutes after the call began; the widget gave up after 20 tries,
    # some 3 minutes in, and a vote on a longer answer (a reasoning model's) was lost as "it could not be accepted".
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.clock.install()  # the page's timers, run ahead while it waits: each Retry-After passes at once
    posts = answer_posts(
        page, page_server.origin, 409, code="interaction_in_progress", headers={"retry-after": "5"}, times=30
    )
    press_running_timers(page, "Bad answer", then="Your vote is in")

    assert len(posts) == 31
    assert [event["thumbs"] for event in gateway.interaction(interaction_id)["feedback"]["events"]] == ["down"]


def test_an_answer_without_a_token_does_not_keep_the_others_from_their_thumbs(
    settings, start_gateway, page_server, browser
):
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    widget_page(gateway, page_server)
    one = '<div data-feedgate-interaction="{0}" data-feedgate-token="{1}"></div>'
    page_server.page = page_server.page.replace(
        b'<div id="feedback"',
        (one.format("cached-answer", "") + one.format("another", "v2.forged")).encode() + b'<div id="feedback"',
    )
    page = browser.new_page()
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)

    page.goto(page_server.origin)

    assert page.locator(".feedgate").count() == 2
    assert page.locator("#feedback .feedgate").count() == 1
    assert any("Feedgate: not mounted" in warning for warning in warnings)


# What a page's tracing (OpenTelemetry's, Sentry's, Datadog's fetch instrumentation) does to every fetch.
TRACED_FETCH = """
const untracedFetch = window.fetch;
window.fetch = (url, init) => untracedFetch(url, {...init, headers: {...init.headers,
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", baggage: "release=1.2.3"}});
"""


def test_a_vote_is_stored_from_a_page_whose_tracing_adds_headers_to_its_fetches(
    settings, start_gateway, page_server, browser
):
    gateway, interaction_id, page = opened_widget(settings, start_gateway, page_server, browser)
    page.add_init_script(TRACED_FETCH)
    page.reload()

    page.get_by_role("button", name="Bad answer").click()

    # Not "Failed to fetch": the preflight allows the headers the page asked for.
    page.get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    [stored] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert stored["thumbs"] == "down"


def test_a_post_the_browser_blocks_tells_the_developer_what_to_check_in_the_console(
    settings, start_gateway, page_server, browser
):
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    widget_page(gateway, page_server)
    # The base URL given as the endpoint, a slip the browser reports only as "Failed to fetch".
    page_server.page = page_server.page.replace(
        b"<div id=", f'<div data-feedgate-endpoint="{gateway.url}" id='.encode()
    )
    page = browser.new_page()
    warnings: list[str] = []
    page.on("console", lambda message: warnings.append(message.text) if message.type == "warning" else None)
    page.goto(page_server.origin)

    page.get_by_role("button", name="Good answer").click()
    page.get_by_role("status").filter(has_text="Your vote was not saved").wait_for(timeout=10_000)

    [warning] = [text for text in warnings if text.startswith("Feedgate:")]
    assert f"the post to {gateway.url} got no answer the page may read" in warning
    assert "/v1/feedback" in warning and "FEEDGATE_CORS_ORIGINS" in warning and page_server.origin in warning


def test_a_numeric_user_id_given_to_mount_is_sent_as_the_string_the_app_named(
    settings, start_gateway, page_server, browser
):
    gateway = start_gateway(settings.model_copy(update={"cors_origins": [page_server.origin]}))
    interaction_id = widget_page(gateway, page_server, user="42")
    page = browser.new_page()
    page.goto(page_server.origin)
    # An app's user ids are often numbers in its own code; the header it sent them in made them text.
    page.evaluate(
        """([id, token]) => Feedgate.mount(document.body, {interactionId: id, token: token, userId: 42})""",
        [interaction_id, page.get_attribute("#feedback", "data-feedgate-token")],
    )

    page.locator("body > .feedgate").get_by_role("button", name="Bad answer").click()

    page.locator("body > .feedgate").get_by_role("status").filter(has_text="Your vote is in").wait_for(timeout=10_000)
    [stored] = gateway.interaction(interaction_id)["feedback"]["events"]
    assert stored["user_id"] == "42"
