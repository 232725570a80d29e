"""Words that fit the person: the agency confirmation speaks to the worker, nobody who asked for no contact is
told 'before we are in touch', the helplines are where the page says, and the organisation can be reached."""
from __future__ import annotations

import json

import pytest

from tests.conftest import make_app

AGENCY = {"org_name": "Example Support", "worker_name": "Jo", "work_phone": "01632 960 002",
          "contact_methods": ["call"], "phone_call": "07700 900982"}


def confirmation(client, reporter, answers, slug):
    assert reporter.send(answers, slug=slug).status_code == 303
    return client.get("/en/sent").get_data(as_text=True)


def test_the_agency_confirmation_speaks_to_the_worker_who_referred(client, reporter):
    html = confirmation(client, reporter, AGENCY, "agency")
    assert "Note the reference in your records of this referral" in html
    assert "aims to contact the person" in html and "safe for them" in html
    assert "Keep the reference only if it is safe" not in html
    assert "in the ways you told us are safe." not in html  # the victim's sentence
    assert "If a call, text or email from us would not be safe" not in html
    through = confirmation(client, reporter, {**AGENCY, "contact_methods": ["trusted"], "trusted_person": "Through Jo"},
                           "agency")
    assert "You told us not to contact the person directly." in through and "aims to contact the person" not in through
    offer = client.get("/en/receipt/new").get_data(as_text=True)
    assert "picked up your referral" in offer
    assert "If a phone call, text or email from us would not be safe" not in offer


def test_the_victims_confirmation_is_unchanged_where_it_fits(client, reporter):
    html = confirmation(client, reporter, {"contact_methods": ["email"], "email": "a@example.org"}, "you")
    assert "Keep the reference only if it is safe to." in html
    assert "in the ways you told us are safe." in html
    assert "before we are in touch" in html


@pytest.mark.parametrize("slug", ["you", "someone"])
def test_nobody_who_asked_for_no_contact_is_told_before_we_are_in_touch(client, reporter, slug):
    html = confirmation(client, reporter, {"contact_methods": ["none"]}, slug)
    assert "You asked us not to contact you." in html
    assert "before we are in touch" not in html
    assert "If you are in danger, call 999 or one of the free helplines on this page." in html
    offer = client.get("/en/receipt/new").get_data(as_text=True)
    assert "A receipt is the only way we can reply to you." in offer
    assert "We will still contact you" not in offer


def test_the_agency_form_asks_where_to_meet_them_and_the_neighbour_form_does_not_close_the_door(client):
    agency = client.get("/en/tell-us/agency").get_data(as_text=True)
    assert "Where can we meet them safely?" in agency and "Where can we meet you safely?" not in agency
    someone = client.get("/en/tell-us/someone").get_data(as_text=True)
    assert "If you do, we cannot ask you anything more." not in someone
    assert "If you also give us no way to contact you, we cannot ask you anything more." in someone


def test_no_page_sends_anyone_to_helplines_below_them(client):
    for path in ("/en/tell-us/you", "/en/replies", "/en/who", "/cy/replies"):
        html = client.get(path).get_data(as_text=True)
        assert "helplines below" not in html and "llinellau cymorth isod" not in html, path
        assert html.index('class="helplines"') < html.index("<main"), "the helplines are at the top"


def test_the_start_page_speaks_of_forms_only_where_there_is_one(client):
    html = client.get("/en/").get_data(as_text=True)
    assert "nothing you typed on this page" not in html
    assert "If you go back to a form after leaving it, it will be empty" in html


def test_the_accessibility_statement_says_how_to_contact_us(client, app):
    html = client.get("/en/accessibility").get_data(as_text=True)
    phone, email = app.config["ORG_PHONE"], app.config["ORG_EMAIL"]
    assert phone and f'<a href="tel:{phone.replace(" ", "")}">{phone}</a>' in html
    assert f'<a href="mailto:{email}">{email}</a>' in html
    assert app.config["ORG_HOURS"]["en"] in html
    welsh = client.get("/cy/accessibility").get_data(as_text=True)
    assert "Dros y ffôn:" in welsh and app.config["ORG_HOURS"]["cy"] in welsh


def test_our_own_number_shows_beside_the_helplines_on_every_page(client, app):
    for path in ("/", "/en/who", "/cy/tell-us/you", "/en/safety"):
        html = client.get(path).get_data(as_text=True)
        assert app.config["ORG_PHONE"] in html, path


def test_a_production_without_its_number_shows_none_rather_than_a_made_up_one(instance, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 40)
    app = make_app(keys=False)
    assert app.config["ORG_PHONE"] == "" and app.config["ORG_EMAIL"] == ""
    html = app.test_client().get("/en/accessibility", base_url="https://localhost").get_data(as_text=True)
    assert "01632" not in html and "By phone:" not in html


def test_a_helplines_file_must_give_hours_in_both_languages_if_it_gives_them(tmp_path):
    from portal.web.helplines import load_helplines
    line = {"id": "x", "name": {"en": "X", "cy": "X"}, "number": "0800 000 000", "text": {"en": "t", "cy": "t"}}
    path = tmp_path / "helplines.json"
    path.write_text(json.dumps({"helplines": [line]}))
    assert load_helplines(path, "wales")[0].hours is None  # a file without hours still loads
    path.write_text(json.dumps({"helplines": [{**line, "hours": {"en": "24 hours"}}]}))
    with pytest.raises(ValueError, match="cy hours"):
        load_helplines(path, "wales")


def test_the_shipped_helplines_all_say_when_they_are_open(app):
    lines = app.extensions["helplines"]
    assert lines and all(line.hours and line.hours["en"] and line.hours["cy"] for line in lines)
    assert any("24 hours" not in line.hours["en"] for line in lines), "not every line is open day and night"
