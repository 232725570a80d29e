"""Language: English and Cymraeg, at parity.

Locale selection is this one function, in a fixed order, against an allow-list:
1. the language in the URL (/en/…, /cy/…), set by the public blueprint;
2. on the staff side: the signed-in staff member's saved choice; before sign-in, `?lang=` if it is on the
   allow-list (it changes nothing stored);
3. the browser's Accept-Language, best match of the allow-list;
4. English.
Nothing is read from a cookie, and no GET changes stored language state: on the public side the language
*is* the URL; on the staff side it is saved with the account by a POST.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import Babel

LANGUAGES = ("en", "cy")
ENDONYMS = {"en": "English", "cy": "Cymraeg"}


def select_locale() -> str:
    first = request.path.split("/", 2)[1]
    if first == "staff":
        staff = g.get("staff")
        lang = staff.language if staff is not None else request.args.get("lang")
    else:
        lang = g.get("lang_code") or first  # also for a /cy/… page that does not exist
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
