"""The route for the landlord's own staff, volunteers and contractors (/tell-us/work, kind "staff"), and the
question on every form about anyone at the organisation who must not see the report (sealed; the report then
arrives restricted to the leads, and the confirmation says nothing about it)."""
from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import open_all

WORKER = {"worker_name": "Dai Jones", "works_as": "contractor", "company": "Valleys Joinery",
          "worker_role": "Joiner", "work_phone": "01632 960 123",
          "story": "Fixing the back door I heard shouting, and she had a cut on her arm.",
          "their_address": "14 Heol Fawr, CF10 1AA", "their_name": "Ceri", "they_know": "no",
          "danger_now": "no", "children": "live", "contact_methods": ["trusted"],
          "trusted_person": "Me, Dai, on my work phone"}
# The smallest report each form takes, so that only the question under test differs.
MINIMAL = {"you": {"contact_methods": ["none"]}, "someone": {"contact_methods": ["none"]},
           "agency": {"org_name": "Example Support", "worker_name": "Jo", "work_phone": "01632 960 002",
                      "contact_methods": ["none"]},
           "work": {"worker_name": "Dai", "work_email": "dai@example.org", "contact_methods": ["none"]}}


def stored_one(app):
    (stored,) = open_all(app)
    return stored


def sent_page(client) -> str:
    html = client.get("/en/sent").get_data(as_text=True)
    return re.sub(r'class="reference">[A-Z0-9-]+<', 'class="reference">REF<', html)


def test_the_who_page_offers_the_route_with_the_organisations_name(app, client):
    en = client.get("/en/who").get_data(as_text=True)
    org = app.config["ORG_NAME"]
    assert f'href="/en/tell-us/work">I work for {org["en"]} or one of its contractors</a>' in en
    cy = unescape(client.get("/cy/who").get_data(as_text=True))
    assert f'href="/cy/tell-us/work">Rwy\'n aelod o staff {org["cy"]}, yn wirfoddolwr neu\'n gontractwr</a>' in cy


def test_the_form_asks_the_worker_about_themselves_and_about_the_person(client):
    html = unescape(client.get("/en/tell-us/work").get_data(as_text=True))
    for words in ("Tell us what you saw or heard", "How do you work with us?", "Which company do you work for?",
                  "What did you see or hear?", "The address or area where you saw or heard it",
                  "Does the person know you are telling us?", "How can we contact them safely?",
                  "Through me, or someone else they trust", "Do not contact them",
                  "Where can we meet them safely?"):
        assert words in html, words
    for words in ("Make a referral", "Has a DASH risk checklist been completed?", "Where can we meet you safely?",
                  "Do not contact me", "Has the person agreed to us sharing information"):
        assert words not in html, words


def test_the_welsh_form_is_in_welsh(client):
    html = unescape(client.get("/cy/tell-us/work").get_data(as_text=True))
    assert '<html lang="cy"' in html
    for words in ("Rhowch wybod i ni beth welsoch chi neu beth glywsoch chi", "Sut rydych chi'n gweithio gyda ni?",
                  "Beth welsoch chi neu beth glywsoch chi?", "Drwof i, neu rywun arall maen nhw'n ymddiried ynddo"):
        assert words in html, words
    assert "What did you see or hear?" not in html and "How do you work with us?" not in html


def test_a_contractors_report_is_stored_sealed_as_staff_and_goes_through_them(app, client, reporter):
    response = reporter.send(WORKER, slug="work")
    assert response.status_code == 303
    stored = stored_one(app)
    row = stored["row"]
    assert (row.reporter_kind, stored["kind"]) == ("staff", "staff")
    assert (row.approach, row.clock, row.no_contact, row.restricted) == ("via_referrer", "reach", False, "")
    assert row.children is True and row.danger_now is False
    answers = stored["answers"]
    for name in ("worker_name", "works_as", "company", "worker_role", "work_phone", "story", "their_address",
                 "their_name", "they_know", "trusted_person"):
        assert answers[name] == WORKER[name], name
    assert "must_not_see" not in answers
    page = sent_page(client)
    assert "Our community safety team will read what you told us and contact you first" in page
    assert "Note the reference somewhere only you will look" in page
    assert "referral" not in page  # a contractor made no referral
    assert "You asked us not to contact you" not in page and "Keep the reference only if it is safe" not in page


def test_do_not_contact_them_goes_through_the_worker_not_nowhere(app, client, reporter):
    assert reporter.send({**WORKER, "contact_methods": ["none"], "trusted_person": ""}, slug="work").status_code == 303
    row = stored_one(app)["row"]
    assert (row.approach, row.clock, row.no_contact) == ("via_referrer", "reach", False)
    page = sent_page(client)
    assert "contact you first, at the work phone number or email address you gave" in page
    assert "You asked us not to contact you" not in page


def test_a_safe_way_to_the_person_is_a_direct_approach_and_the_page_says_when(app, client, reporter):
    answers = {**WORKER, "contact_methods": ["call"], "phone_call": "07700 900 456", "trusted_person": ""}
    assert reporter.send(answers, slug="work").status_code == 303
    assert stored_one(app)["row"].approach == "direct"
    page = sent_page(client)
    assert "aims to contact the person" in page and "in the ways you told us are safe for them" in page
    assert "Please do not talk about this with the person causing harm" in page


def test_the_worker_must_give_a_name_and_a_way_to_reach_them_and_nothing_typed_is_lost(app, reporter):
    answers = {**WORKER, "worker_name": " ", "work_phone": "", "contact_methods": []}
    response = reporter.send(answers, slug="work")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<title>Error: Tell us what you saw or heard" in html
    for message, target in [("Enter your name", "worker_name"),
                            ("Enter a work phone number or email address", "work_phone"),
                            ("Select how we can contact them safely", "contact_methods-0")]:
        assert message in html and f'href="#{target}"' in html, message
    for value in ("Fixing the back door I heard shouting", "14 Heol Fawr, CF10 1AA", "Valleys Joinery", "Joiner",
                  "Ceri", "Me, Dai, on my work phone"):
        assert value in html, value
    for name, value in [("works_as", "contractor"), ("they_know", "no"), ("children", "live")]:
        assert re.search(rf'name="{name}" type="radio" value="{value}" checked', html), (name, value)
    assert open_all(app) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("work_email", "dai at example", "Enter an email address in the correct format"),
    ("work_phone", "call the office", "Enter a phone number, like"),
])
def test_work_contact_details_in_the_wrong_shape_are_refused(app, reporter, field, value, message):
    html = reporter.send({**WORKER, field: value}, slug="work").get_data(as_text=True)
    assert message in html and f'href="#{field}"' in html and value in html
    assert open_all(app) == []


def test_through_me_needs_to_say_who_like_the_agency_form(app, reporter):
    html = reporter.send({**WORKER, "trusted_person": ""}, slug="work").get_data(as_text=True)
    assert "Enter the name of the person and how to reach them" in html
    assert open_all(app) == []


def test_the_welsh_form_refuses_in_welsh_and_keeps_what_was_typed(app, reporter):
    response = reporter.send({**WORKER, "worker_name": "", "story": "Clywais weiddi drwy’r wal."}, slug="work",
                             lang="cy")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Rhowch eich enw" in html and "Enter your name" not in html
    assert "Clywais weiddi drwy’r wal." in html
    assert open_all(app) == []


def test_a_welsh_report_is_confirmed_in_welsh(app, client, reporter):
    assert reporter.send(WORKER, slug="work", lang="cy").status_code == 303
    assert stored_one(app)["row"].contact_language == "cy"
    page = client.get("/cy/sent").get_data(as_text=True)
    assert "yn cysylltu â chi yn gyntaf" in page and "contact you first" not in page


@pytest.mark.parametrize("slug", ["you", "someone", "agency", "work"])
def test_every_form_asks_who_must_not_see_it_in_neutral_words(client, slug):
    en = client.get(f"/en/tell-us/{slug}").get_data(as_text=True)
    assert ("Is there anyone who works for us, or for one of our contractors, who must not see this report?"
            in en)
    assert 'name="must_not_see"' in en
    cy = client.get(f"/cy/tell-us/{slug}").get_data(as_text=True)
    assert "na ddylai weld yr adroddiad hwn?" in cy


@pytest.mark.parametrize("slug", ["you", "someone", "agency", "work"])
def test_naming_someone_who_must_not_see_it_restricts_it_to_the_leads_and_is_sealed(app, client, reporter, instance,
                                                                                     slug):
    named_someone = {**MINIMAL[slug], "must_not_see": "Gareth Price, housing officer"}
    assert reporter.send(named_someone, slug=slug).status_code == 303
    named = sent_page(client)
    stored = stored_one(app)
    assert stored["row"].restricted == "leads"
    assert stored["answers"]["must_not_see"] == "Gareth Price, housing officer"
    raw = b"".join(p.read_bytes() for p in instance.glob("portal.db*"))
    assert b"Gareth Price" not in raw
    # The confirmation reads exactly as it does for a report that names nobody: nothing to alarm or give away.
    client.get("/exit")
    assert reporter.send(MINIMAL[slug], slug=slug).status_code == 303
    assert sent_page(client) == named


@pytest.mark.parametrize("answer", ["", "   ", "\n"])
def test_a_blank_answer_restricts_nothing(app, reporter, answer):
    assert reporter.send({**MINIMAL["work"], "must_not_see": answer}, slug="work").status_code == 303
    assert stored_one(app)["row"].restricted == ""
