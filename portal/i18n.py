"""Language: English and Cymraeg, at parity.

Locale selection is this one function, in a fixed order, against an allow-list:
1. the language in the URL (/en/…, /cy/…), set by the public blueprint;
2. a staff member's own choice (later: the staff side);
3. the browser's Accept-Language, best match of the allow-list;
4. English.
Nothing is read from a cookie or the query string, and no GET changes the language "state": the
language *is* the URL.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel

LANGUAGES = ("en", "cy")
ENDONYMS = {"en": "English", "cy": "Cymraeg"}


def select_locale() -> str:
    lang = g.get("lang_code") or request.path.split("/", 2)[1]  # also for a /cy/… page that does not exist
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(LANGUAGES) or "en"


def other_language(lang: str) -> str:
    return "cy" if lang == "en" else "en"


def browser_order() -> list[str]:
    """Both languages, the browser's preferred first (for the bilingual landing page)."""
    first = request.accept_languages.best_match(LANGUAGES) or "en"
    return [first, other_language(first)]


def init_babel(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(app.config["PROJECT_ROOT"] / "translations")
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    Babel(app, locale_selector=select_locale)
