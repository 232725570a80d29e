"""Forms for search, links between cases, and who may see a restricted case."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.web.forms import MultiCheckboxField, TextForm

SEARCH_MESSAGE = _l("Enter a reference, name, address, postcode, phone number or email address")
RELATION_NAMES = {"household": _l("The same household"), "person": _l("The same person")}
LEVEL_NAMES = {"team": _l("Everyone on the team"), "leads": _l("Team leads only"),
               "named": _l("Only the people named below")}
MATCH_NAMES = {"reference": _l("reference"), "name": _l("name"), "address": _l("address"),
               "street": _l("address"), "postcode": _l("postcode"), "phone": _l("phone number"),
               "email": _l("email address"), "reporter_name": _l("the reporter's name"),
               "reporter_phone": _l("the reporter's phone number"),
               "reporter_email": _l("the reporter's email address")}


class SearchForm(TextForm):
    q = StringField(_l("Reference, name, address, postcode, phone number or email address"),
                    validators=[InputRequired(SEARCH_MESSAGE), Length(max=500, message=SEARCH_MESSAGE)],
                    description=_l("Names and addresses are found when they are written the same way (capitals, "
                                   "accents, spaces and punctuation do not matter; an address needs its house "
                                   "number). Nothing you type here is kept."))


class LinkForm(TextForm):
    other = StringField(_l("Reference of the other case"), validators=[InputRequired(
        _l("Enter the reference of the other case, like ABCD-EFGH")), Length(max=20)])
    relation = RadioField(_l("How are they linked?"), choices=list(RELATION_NAMES.items()),
                          validators=[InputRequired(_l("Select how the cases are linked"))])


class AccessForm(TextForm):
    level = RadioField(_l("Who may see this case?"), choices=list(LEVEL_NAMES.items()),
                       validators=[InputRequired(_l("Select who may see this case"))])
    named = MultiCheckboxField(_l("People who may see it"), choices=[], coerce=int,
                               description=_l("Only for \u201cOnly the people named below\u201d. Name yourself if "
                                              "you are to keep working it."))


class GlassForm(TextForm):
    reason = TextAreaField(_l("Why do you need to open this case?"), validators=[
        InputRequired(_l("Say why you need to open this restricted case")),
        Length(min=10, max=2000, message=_l("Say in a sentence or more why you need to open this restricted case"))],
        description=_l("The reason is kept on the case and the opening is in the audit log."))
