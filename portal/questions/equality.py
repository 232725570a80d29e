"""The optional equality monitoring questions on the forms of a person reporting for themselves and of a referring
agency (MHA 13.3 and whg 3.2: show the service reaches everyone). Coarse answers only, each with a way not to say.

The answers are sealed with the report but kept apart from its answers (the case page never shows them); the
triage side counts them into monthly totals and then removes them from the report (portal/casework/equality.py),
so no case says them for long and no total holds a case."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.store.plain_models import EQUALITY_ANSWERS
from portal.web.forms import OptionalRadioField

QUESTIONS = tuple(EQUALITY_ANSWERS)  # the stable codes (docs/benchmark-schema.md)
ANSWERS = EQUALITY_ANSWERS
FIELDS = {f"eq_{code}": code for code in QUESTIONS}  # the form's field for each question

AGE_BANDS = [("under_18", _l("Under 18")), ("18_24", _l("18 to 24")), ("25_34", _l("25 to 34")),
             ("35_44", _l("35 to 44")), ("45_54", _l("45 to 54")), ("55_64", _l("55 to 64")),
             ("65_74", _l("65 to 74")), ("75_over", _l("75 or over"))]
SEXES = [("female", _l("Female")), ("male", _l("Male"))]
# Welsh answers with the question's own verb ("Ydw", "Nac ydw"; of a person referred: "Ydy", "Nac ydy").
DISABILITY_SELF = [("yes", lazy_pgettext("answer: are you disabled", "Yes")),
                   ("no", lazy_pgettext("answer: are you disabled", "No"))]
DISABILITY_THEM = [("yes", lazy_pgettext("answer: does the person consider themselves disabled", "Yes")),
                   ("no", lazy_pgettext("answer: does the person consider themselves disabled", "No"))]
# The five high-level groups of the 2021 census in Wales.
ETHNIC_GROUPS = [("asian", _l("Asian, Asian Welsh or Asian British")),
                 ("black", _l("Black, Black Welsh, Black British, Caribbean or African")),
                 ("mixed", _l("Mixed or multiple ethnic groups")), ("white", _l("White")),
                 ("other", _l("Another ethnic group"))]
PREFER_NOT = ("prefer_not", _l("Prefer not to say"))
THEY_PREFER_NOT = ("prefer_not", _l("The person prefers not to say"))  # an agency answering for them
NOT_KNOWN = ("not_known", _l("Not known"))


def _radios(label: Any, choices: list[tuple[str, Any]]) -> OptionalRadioField:
    return OptionalRadioField(label, choices=choices, validate_choice=True)


class EqualityMixin:
    """The questions a person reporting for themselves is asked about themselves."""

    eq_age = _radios(_l("What is your age?"), [*AGE_BANDS, PREFER_NOT])
    eq_sex = _radios(_l("What is your sex?"), [*SEXES, PREFER_NOT])
    eq_disability = _radios(_l("Do you consider yourself disabled, or to have a long-term health condition?"),
                            [*DISABILITY_SELF, PREFER_NOT])
    eq_ethnic = _radios(_l("What is your ethnic group?"), [*ETHNIC_GROUPS, PREFER_NOT])

    def equality(self) -> dict[str, str]:
        """The answers given, as codes by question (empty when none was answered: the questions were still
        offered, which the count records as not answered)."""
        given = {code: getattr(getattr(self, name, None), "data", None) for name, code in FIELDS.items()}
        return {code: value for code, value in given.items() if value in ANSWERS[code]}


class AgencyEqualityMixin(EqualityMixin):
    """The same questions, asked of a referring agency about the person at risk, as far as the agency knows."""

    eq_age = _radios(_l("What is the person's age?"), [*AGE_BANDS, NOT_KNOWN, THEY_PREFER_NOT])
    eq_sex = _radios(_l("What is the person's sex?"), [*SEXES, NOT_KNOWN, THEY_PREFER_NOT])
    eq_disability = _radios(_l("Does the person consider themselves disabled, or to have a long-term health "
                               "condition?"), [*DISABILITY_THEM, NOT_KNOWN, THEY_PREFER_NOT])
    eq_ethnic = _radios(_l("What is the person's ethnic group?"), [*ETHNIC_GROUPS, NOT_KNOWN, THEY_PREFER_NOT])


def offered(form: Any) -> dict[str, str] | None:
    """The equality answers of a form that asks the questions, or None for a form that does not."""
    return form.equality() if isinstance(form, EqualityMixin) else None


for _mixin in (EqualityMixin, AgencyEqualityMixin):  # the choices and the stored codes agree
    for _name, _code in FIELDS.items():
        assert {c for c, _label in getattr(_mixin, _name).kwargs["choices"]} <= set(ANSWERS[_code])
