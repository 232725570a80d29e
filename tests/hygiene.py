"""Page hygiene, asserted on every HTML page any test renders (the Notify `client_request` habit)."""
from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

STAFF_AUTOCOMPLETE = {"username", "current-password", "new-password", "one-time-code"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.h1: list[str] = []
        self.title = ""
        self.html_lang: str | None = None
        self.forms: list[dict[str, str | None]] = []
        self.stack: list[str] = []
        self.problems: list[str] = []
        self._in: str | None = None
        self.inline_scripts = 0
        self.style_attrs = 0
        self.labels_for: set[str] = set()
        self.inputs: list[dict[str, str | None]] = []
        self.headings_before_h1: list[str] = []  # outside a role=alert/status box (an error summary, a notice)
        self._in_alert: list[str] = []  # the tags of open elements that are alert or status boxes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "id" in a and a["id"]:
            self.ids[a["id"]] += 1
        if "style" in a:
            self.style_attrs += 1
        if any(name.startswith("on") for name in a):
            self.problems.append(f"inline event handler on <{tag}>")
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "form":
            self.forms.append(a)
        if tag == "script" and not a.get("src"):
            self.inline_scripts += 1
        if tag == "label" and a.get("for"):
            self.labels_for.add(a["for"] or "")
        if tag in {"input", "textarea", "select"} and a.get("type") not in {"hidden", "submit"}:
            self.inputs.append(a)
        if a.get("role") in {"alert", "status"} and tag not in VOID:
            self._in_alert.append(tag)
        elif self._in_alert and tag == self._in_alert[-1]:
            self._in_alert.append(tag)  # the same tag nested inside: counted so its end tag matches
        if tag in {"h2", "h3", "h4", "h5", "h6"} and not self.h1 and not self._in_alert:
            self.headings_before_h1.append(tag)
        if tag in {"h1", "title"}:
            self._in = tag
            if tag == "h1":
                self.h1.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self._in_alert and tag == self._in_alert[-1]:
            self._in_alert.pop()
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}> (open: {self.stack[-3:]})")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "h1":
            self.h1[-1] += data
        elif self._in == "title":
            self.title += data


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def check_page(html: str, path: str, error_prefix: str | None = None) -> None:
    page = _Page()
    page.feed(html)
    page.close()
    assert not page.problems, f"{path}: {page.problems}"
    assert not page.stack, f"{path}: unclosed {page.stack}"
    assert len(page.h1) == 1, f"{path}: {len(page.h1)} <h1> elements"
    title, h1 = _squash(page.title), _squash(page.h1[0])
    if error_prefix and title.startswith(error_prefix):
        title = title[len(error_prefix):].strip()
    assert title.startswith(h1), f"{path}: title {title!r} does not start with h1 {h1!r}"
    if not path.startswith("/staff"):  # a public page's h1 is its first heading (not the 999 box)
        assert not page.headings_before_h1, f"{path}: {page.headings_before_h1} before the h1"
    duplicates = [i for i, n in page.ids.items() if n > 1]
    assert not duplicates, f"{path}: duplicate ids {duplicates}"
    for form in page.forms:
        assert form.get("action"), f"{path}: a form without an action"
        assert "novalidate" in form, f"{path}: a form without novalidate"
    for field in page.inputs:
        if field.get("type") in {"radio", "checkbox"} or field.get("id"):
            name = field.get("id") or field.get("name")
            assert field.get("id") in page.labels_for, f"{path}: field {name} has no <label for>"
        if field.get("type") not in {"radio", "checkbox"}:
            # Report fields never autocomplete; staff sign-in fields name their purpose (WCAG 1.3.5).
            allowed = {"off"} | (STAFF_AUTOCOMPLETE if path.startswith("/staff") else set())
            assert field.get("autocomplete") in allowed, f"{path}: {field.get('name')} may autocomplete"
    assert page.inline_scripts == 0, f"{path}: inline script"
    assert page.style_attrs == 0, f"{path}: style attribute (blocked by the CSP)"
    if path.startswith("/cy/"):
        assert page.html_lang == "cy", f"{path}: lang={page.html_lang}"
    elif path.startswith("/en/"):
        assert page.html_lang == "en", f"{path}: lang={page.html_lang}"
