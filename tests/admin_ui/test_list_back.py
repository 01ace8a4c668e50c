"""admin_ui.list_back: the way back to a list keeps that list's own filters, on its fixed path, and nothing else."""

from __future__ import annotations

import pytest

from admin_ui.list_back import MAX_BACK_CHARS, ListBack, back_field, with_back
from gateway.domain.errors import InvalidQuery

ISSUES = ListBack("/admin/issues", ("q", "app", "status", "sort", "page"))


def test_the_list_link_keeps_the_lists_filters_in_its_own_order():
    assert ISSUES.list_url("sort=growth&app=shop&q=refund+fee") == "/admin/issues?q=refund+fee&app=shop&sort=growth"


def test_names_the_list_does_not_take_are_dropped():
    assert ISSUES.list_url("app=shop&next=https://evil.example&cursor=x") == "/admin/issues?app=shop"


@pytest.mark.parametrize(
    "back",
    [
        "https://evil.example?app=x",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "%00%ff&&&==",
        "app=%00",
        "app=" + "x" * MAX_BACK_CHARS,
        "&".join(f"f{n}=1" for n in range(100)) + "&app=shop",
        "",
        None,
    ],
)
def test_a_back_that_is_no_query_of_the_list_leads_to_the_bare_list(back):
    assert ISSUES.list_url(back) == "/admin/issues"


def test_a_repeated_filter_keeps_its_first_value():
    assert ISSUES.list_url("app=shop&app=bank") == "/admin/issues?app=shop"


def test_an_item_link_carries_the_lists_query_url_encoded():
    assert ISSUES.item_query("/admin/issues?app=shop&status=new") == "?back=app%3Dshop%26status%3Dnew"
    assert ISSUES.item_query("/admin/issues") == ""


def test_a_redirect_to_the_item_keeps_the_back_after_its_own_query():
    assert with_back("/admin/issues/i1?done=renamed", "app=shop") == "/admin/issues/i1?done=renamed&back=app%3Dshop"
    assert with_back("/admin/issues/i1", "") == "/admin/issues/i1"


def test_the_hidden_field_is_escaped():
    assert str(back_field('q="><script>')) == '<input type="hidden" name="back" value="q=&#34;&gt;&lt;script&gt;">'
    assert str(back_field("")) == ""


def refuse_bad_sort(params) -> None:
    """A list's reader that knows two sorts."""
    if params.query_params.get("sort") not in (None, "size", "growth"):
        raise InvalidQuery("sort", "must be size or growth")


def test_a_value_the_lists_reader_refuses_leads_to_the_bare_list():
    checked = ListBack("/admin/issues", ("app", "sort"), refuse_bad_sort)

    assert checked.list_url("app=shop&sort=growth") == "/admin/issues?app=shop&sort=growth"
    assert checked.list_url("app=shop&sort=oldest") == "/admin/issues"
