"""Canary assignment: stable per user, close to the share over many users, by interaction without a user."""

from __future__ import annotations

from gateway.prompts.assignment import assignment_key, in_canary
from gateway.proxy.policy import PolicyRequest


def request(end_user=None, user=None, interaction_id="i-1") -> PolicyRequest:
    body = {"model": "m", "messages": []}
    if user is not None:
        body["user"] = user
    return PolicyRequest(interaction_id, "app", "chat.completions", body, end_user, None, [])


def test_the_key_is_the_end_user_then_the_user_field_then_the_interaction():
    assert assignment_key(request(end_user="alice", user="bob")) == "user:alice"
    assert assignment_key(request(user="bob")) == "user:bob"
    assert assignment_key(request(interaction_id="i-9")) == "interaction:i-9"


def test_a_user_stays_in_one_arm():
    arms = {in_canary("user:alice", "canary-1", 0.1) for _ in range(100)}

    assert len(arms) == 1


def test_the_canary_gets_close_to_its_share_of_many_users():
    users = [f"user:{n}" for n in range(20_000)]

    share = sum(in_canary(user, "canary-1", 0.1) for user in users) / len(users)

    assert abs(share - 0.1) < 0.01  # three standard errors are 0.0064


def test_each_canary_picks_its_own_users():
    users = [f"user:{n}" for n in range(5000)]
    first = {user for user in users if in_canary(user, "canary-1", 0.2)}
    second = {user for user in users if in_canary(user, "canary-2", 0.2)}

    assert 0.1 < len(first & second) / len(first) < 0.3  # independent draws overlap by about the share


def test_a_body_users_blank_ends_keep_the_arm_they_had():
    # The arm is drawn from the request's `user` as sent, never trimmed: trimming it now (as end_user_id trims stored
    # ids since) would move a " user-8 " mid-canary to the arm of "user-8", so they would see both versions.
    assert assignment_key(request(user=" user-8 ")) == "user: user-8 "
