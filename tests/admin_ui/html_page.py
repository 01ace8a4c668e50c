"""A small HTML reader for the page tests: elements with their attributes and text, found by tag and attribute."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    """One element: its tag, attributes and all the text inside it (entities decoded)."""

    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        return " ".join("".join(self.parts).split())

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Descendants with this tag (any when None) whose attributes include `attrs` (class_ for class)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and all(_has(child, k, v) for k, v in wanted.items()):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Element:
        """The first such descendant; fails when there is none."""
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag or '*'}> with {attrs}"
        return found[0]


def _has(element: Element, name: str, value: str) -> bool:
    if name == "class":
        return value in element.attrs.get("class", "").split()
    return element.attrs.get(name) == value


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.open: list[Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, 0, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.parts.append(data)


def parse(html: str) -> Element:
    """The document as a tree of Elements."""
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def csrf_token_of(html: str) -> str:
    """The CSRF token in the page's first form."""
    return parse(html).find("input", name="csrf_token").attrs["value"]


def refused_fields(page: Element, form: Element) -> dict[str, str]:
    """The form's fields marked aria-invalid, each with the text of what describes it (which must be on the page)."""
    found = {}
    for box in [*form.find_all("input"), *form.find_all("textarea"), *form.find_all("select")]:
        if box.attrs.get("aria-invalid") == "true":
            described = box.attrs.get("aria-describedby", "")
            assert described, f"{box.attrs.get('name')} is marked invalid but nothing describes it"
            found[box.attrs["name"]] = " ".join(page.find(id=ref).text for ref in described.split())
    return found


def hidden_fields(page: Element, form_id: str) -> dict[str, str]:
    """The hidden inputs of the form with id `form_id`, by name (an idempotency key, a task's version…)."""
    form = page.find("form", id=form_id)
    return {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input", type="hidden")}
