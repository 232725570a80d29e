"""Language: English and Cymraeg, at parity.

Locale selection is this one function, in a fixed order, against an allow-list:
1. the language in the URL (/en/…, /cy/…), set by the public blueprint;
2. on the staff side: the signed-in staff member's saved choice; otherwise (signing in, signed out, a page
   that has expired) `?lang=` for that page alone, then the staff language cookie: the language last in use
   in this browser, the account's or the one chosen on the sign-in pages;
3. the browser's Accept-Language, best match of the allow-list;
4. English.
On the public side nothing is read from a cookie: the language *is* the URL. On the staff side the language
cookie holds only "en" or "cy" (never who), for /staff/ only; it is set with a response, after a POST (the
switch) or from the account's language, never by a GET's query. The account's language is saved by a POST.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, request
from flask_babel import Babel
from werkzeug.wrappers import Response

LANGUAGES = ("en", "cy")
ENDONYMS = {"en": "English", "cy": "Cymraeg"}
STAFF_COOKIE = "lang"  # neutral, like the session cookies; path /staff/
STAFF_COOKIE_LIFETIME = timedelta(days=365)  # so the first sign-in page of the day is in the right language


def select_locale() -> str:
    first = request.path.split("/", 2)[1]
    if first == "staff":
        staff = g.get("staff")
        lang = staff.language if staff is not None else (request.args.get("lang") if request.args.get("lang")
                                                         in LANGUAGES else remembered_staff_language())
    else:
        lang = g.get("lang_code") or first  # also for a /cy/… page that does not exist
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(LANGUAGES) or "en"


def remembered_staff_language() -> str | None:
    """The language last in use on the staff side in this browser (the cookie), if it is one of ours."""
    lang = request.cookies.get(STAFF_COOKIE)
    return lang if lang in LANGUAGES else None


def remember_staff_language(response: Response, lang: str | None) -> None:
    """Keep `lang` in the staff language cookie, if it is one of ours and not already there."""
    if lang not in LANGUAGES or request.cookies.get(STAFF_COOKIE) == lang:
        return
    config = current_app.config
    response.set_cookie(STAFF_COOKIE, lang, max_age=int(STAFF_COOKIE_LIFETIME.total_seconds()), path="/staff/",
                        secure=config["SESSION_COOKIE_SECURE"], httponly=True,
                        samesite=config["SESSION_COOKIE_SAMESITE"])


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
