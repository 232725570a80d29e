"""Team management guard rails, and which side a process serves."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from portal.store.models import StaffUser
from tests.staff_helpers import post_form, signed_in


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


def _person(app, account_id: int) -> StaffUser:  # type: ignore[no-untyped-def]
    with app.extensions["sessionmaker"]() as dbs:
        return dbs.scalar(select(StaffUser).where(StaffUser.id == account_id))


def test_a_lead_cannot_deactivate_or_demote_themselves(app):  # type: ignore[no-untyped-def]
    client, lead = signed_in(app, "lead")
    person = f"/staff/team/{lead.id}"
    response = post_form(client, f"{person}/deactivate", token_from=person)
    assert response.status_code == 303
    response = post_form(client, person, {"role": "officer"})
    assert response.status_code == 303
    me = _person(app, lead.id)
    assert me.active and me.role == "lead"
    assert client.get("/staff/team").status_code == 200  # still a signed-in lead


def test_a_lead_can_deactivate_someone_else_and_their_session_ends(app):  # type: ignore[no-untyped-def]
    client, _lead = signed_in(app, "lead")
    officer_client, officer = signed_in(app, "officer")
    assert officer_client.get("/staff/").status_code == 200
    person = f"/staff/team/{officer.id}"
    assert post_form(client, f"{person}/deactivate", token_from=person).status_code == 303
    assert not _person(app, officer.id).active
    assert officer_client.get("/staff/").status_code == 302  # back to sign-in


@pytest.mark.parametrize(("environment", "serve", "staff_status"), [
    ("production", None, 404), ("production", "staff", 200), ("test", None, 200), ("test", "public", 404)])
def test_production_serves_no_staff_pages_unless_told(instance: Path, monkeypatch: pytest.MonkeyPatch,
                                                      environment: str, serve: str | None, staff_status: int):
    from portal import create_app
    from portal.store.db import upgrade

    monkeypatch.setenv("PORTAL_ENV", environment)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "x" * 48)
    if serve:
        monkeypatch.setenv("PORTAL_SERVE", serve)
    else:
        monkeypatch.delenv("PORTAL_SERVE", raising=False)
    app = create_app({"TESTING": True})
    upgrade(app.config["DATABASE_URL"])
    assert app.test_client().get("/staff/sign-in").status_code == staff_status
