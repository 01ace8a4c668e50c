"""A service's refusal on a form names the field as the form labels it ("Instructions"), where it said the API's name
('text'); the API keeps its field names. One rule (admin_ui.form_text.refusal_text) for every form showing them."""

from __future__ import annotations

from html_page import parse
from test_prompt_pages import post_form

from admin_ui.form_text import refusal_text
from gateway.accounts.records import Role
from gateway.domain.errors import InvalidQuery

LABELS = {"text": "Instructions", "since": "From (UTC)", "until": "Until (UTC)", "q": "Search", "tags": "Tags"}


def test_a_quoted_field_name_is_said_by_its_label():
    refused = InvalidQuery("text", "'text' must be the instructions: a non-empty string")

    assert refusal_text(refused, LABELS) == "“Instructions” must be the instructions: a non-empty string."


def test_every_field_of_the_form_the_message_names_is_said_by_its_label():
    refused = InvalidQuery("since", "'since' must be earlier than 'until'")

    assert refusal_text(refused, LABELS) == "“From (UTC)” must be earlier than “Until (UTC)”."


def test_a_field_named_bare_as_the_knowledge_base_names_it_is_said_by_its_label():
    refused = InvalidQuery("tags[2]", "tags[2] 'a!' must be 1-50 letters")

    assert refusal_text(refused, LABELS) == "“Tags” 'a!' must be 1-50 letters."


def test_a_message_naming_no_field_is_led_by_the_refused_fields_label():
    refused = InvalidQuery("q", "a search may be at most 200 characters")

    assert refusal_text(refused, LABELS) == "Search: a search may be at most 200 characters."


def test_a_field_the_form_does_not_label_is_left_as_the_service_said_it():
    refused = InvalidQuery("body", "nothing to change.")

    assert refusal_text(refused, LABELS) == "nothing to change."


async def test_the_publish_forms_refusal_names_the_instructions_as_the_form_labels_them(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)

    sent = await post_form(rita, "/admin/prompts/publish", app="bot", text="   ", message="m", rollout="inactive")

    assert sent.status_code == 400
    said = parse(sent.text).find(data_testid="error").text
    assert said.startswith("“Instructions” must be") and "'text'" not in said


async def test_the_api_keeps_its_field_name(client, admin_headers):
    response = await client.post("/api/prompts", json={"app": "bot", "text": "   "}, headers=admin_headers)

    assert response.status_code == 400 and response.json()["extra"][0]["message"].startswith("'text' must be")


def test_a_field_name_that_is_also_a_word_of_the_sentence_is_left_there():
    refused = InvalidQuery("issue", "no issue with id 'x'")

    assert refusal_text(refused, {"issue": "Issue"}) == "Issue: no issue with id 'x'."
