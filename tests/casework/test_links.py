"""Search and links without plaintext: the blind index is written on the triage side, holds no value in the
clear, finds real matches, shows possible links on the case page, fills "reported before?" and re-indexes
under a new key. The public process can neither compute nor read an index value."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from portal.crypto import blind_index
from portal.store.models import BlindIndex, CaseLink
from tests.staff_helpers import (
    audit_events,
    dbs,
    html_of,
    new_client,
    post_form,
    report_row,
    send_report,
    signed_in,
)

ANN = {"your_name": "Ann Jones", "address": "14 Heol Fawr, CF10 1AA", "contact_methods": ["text"],
       "phone_text": "07700 900982", "story": "He took my phone."}
ANN_AGAIN = {"your_name": "ann  jones", "address": "14 heol fawr cf101aa", "contact_methods": ["call"],
             "phone_call": "+44 7700 900982", "story": "It happened again."}
SOMEONE_ELSE = {"your_name": "Bob Price", "address": "2 Stryd y Castell, SA1 1AA", "contact_methods": ["text"],
                "phone_text": "07700 900111", "story": "Another home."}


@pytest.fixture
def app(staff_app_factory):  # type: ignore[no-untyped-def]
    return staff_app_factory()


@pytest.fixture
def officer(app):  # type: ignore[no-untyped-def]
    return signed_in(app, "officer")


def search(client, query: str) -> str:  # type: ignore[no-untyped-def]
    response = post_form(client, "/staff/search", {"q": query})
    assert response.status_code == 200, response.status_code
    return html_of(response)


def found(html: str) -> list[str]:
    return re.findall(r'href="/staff/cases/([A-Z0-9-]+)"', html.split('id="results"', 1)[-1])


def open_case(client, reference: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/staff/cases/{reference}")
    assert response.status_code == 200
    return html_of(response)


def test_opening_a_case_indexes_it_with_digests_only(app, officer):
    client, _ = officer
    reference = send_report(new_client(app), ANN)
    assert report_row(app, reference).indexed_key is None  # the public side cannot index
    open_case(client, reference)
    report = report_row(app, reference)
    key = blind_index.load(Path(app.config["PRIVATE_KEY_DIR"]), app.config["KEY_PASSPHRASE"])
    assert report.indexed_key == key.key_id
    with dbs(app) as s:
        rows = list(s.scalars(select(BlindIndex).where(BlindIndex.report_id == report.id)))
        every_column = " ".join(str(v) for row in s.execute(text("SELECT * FROM blind_index")) for v in row)
    assert {row.kind for row in rows} == {"name", "address", "street", "postcode", "phone"}
    for plain in ("ann", "jones", "heol", "cf10", "CF101AA", "07700", "900982"):
        assert plain.lower() not in every_column.lower()


def test_search_finds_a_case_by_each_kind_of_value_however_it_is_written(app, officer):
    client, _ = officer
    first = send_report(new_client(app), ANN)
    other = send_report(new_client(app), SOMEONE_ELSE)
    open_case(client, first)
    open_case(client, other)
    for query in ("ANN JONES", "14 heol fawr, cf10 1aa", "CF101AA", "07700900982", "+44 7700 900982",
                  first.lower()):
        assert found(search(client, query)) == [first], query
    assert found(search(client, "Jones")) == []  # exact, never partial
    assert found(search(client, "SA1 1AA")) == [other]
    events = audit_events(app, "search.run")
    assert events and all("Ann" not in e.detail and "07700" not in e.detail for e in events)


def test_search_is_a_post_and_keeps_nothing_in_the_url_or_the_log(app, officer, caplog):
    client, _ = officer
    send_report(new_client(app), ANN)
    assert client.get("/staff/search?q=Ann+Jones").status_code == 200  # the form only: a GET searches nothing
    html = search(client, "Ann Jones")
    assert 'method="post"' in html and "Ann Jones" in html  # kept in the box on the page, nowhere else
    assert "Ann Jones" not in caplog.text


def test_the_case_page_shows_possible_links_and_fills_reported_before(app, officer):
    client, _ = officer
    first = send_report(new_client(app), ANN)
    second = send_report(new_client(app), ANN_AGAIN)
    open_case(client, first)
    page = open_case(client, second)
    assert "1 other case at this address" in page and "1 other case with this phone number" in page
    assert "1 other case with this name" in page and f"/staff/cases/{first}" in page
    assert report_row(app, second).repeat is True  # an earlier case shares the address: a repeat
    assert report_row(app, first).repeat is None  # the first case had nothing before it
    assert "Reported to us before: yes" in page


def test_staff_can_link_two_cases_and_the_link_is_audited_on_both(app, officer):
    client, _ = officer
    first = send_report(new_client(app), ANN)
    other = send_report(new_client(app), SOMEONE_ELSE)
    response = post_form(client, f"/staff/cases/{other}/link", {"other": first.lower(), "relation": "household"})
    assert response.status_code == 303
    page = open_case(client, first)
    assert "Linked by staff" in page and other in page and "The same household" in page
    linked = [e.report_id for e in audit_events(app, "case.linked")]
    assert sorted(linked) == sorted([report_row(app, first).id, report_row(app, other).id])
    assert report_row(app, other).repeat is True  # linked to an earlier case
    wrong = post_form(client, f"/staff/cases/{other}/link", {"other": "ZZZZ-ZZZZ", "relation": "person"})
    assert wrong.status_code == 400 and "There is no case with that reference" in html_of(wrong)
    bad = post_form(client, f"/staff/cases/{other}/link", {"other": first, "relation": "cousins"})
    assert bad.status_code == 400
    removed = post_form(client, f"/staff/cases/{first}/unlink", {"other": other}, token_from=f"/staff/cases/{first}")
    assert removed.status_code == 303
    with dbs(app) as s:
        assert s.scalar(select(CaseLink)) is None
    assert audit_events(app, "case.unlinked")


def test_staff_answer_to_reported_before_stands_over_the_links(app, officer):
    client, _ = officer
    first = send_report(new_client(app), ANN)
    second = send_report(new_client(app), ANN_AGAIN)
    assert post_form(client, f"/staff/cases/{second}/repeat", {"repeat": "no"}).status_code == 303
    open_case(client, first)
    open_case(client, second)
    assert report_row(app, second).repeat is False and report_row(app, second).repeat_by_staff
    assert any("overriding" not in e.detail for e in audit_events(app, "case.repeat_marked"))


def test_the_indexer_indexes_unopened_reports_and_a_new_key_reindexes_everything(app, officer):
    client, _ = officer
    first = send_report(new_client(app), ANN)
    runner = CliRunner()
    from portal.cli import main

    result = runner.invoke(main, ["index", "run"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    old_key = report_row(app, first).indexed_key
    assert old_key and "Indexed 1 report" in result.output
    second = send_report(new_client(app), ANN_AGAIN)
    result = runner.invoke(main, ["index", "run", "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0 and result.output == ""
    assert report_row(app, second).repeat is True and report_row(app, first).repeat is None  # nobody opened them
    assert found(search(client, "07700 900982")) == [second, first]  # newest first
    assert audit_events(app, "report.indexed")[0].actor == "system:index"
    with app.app_context():
        blind_index.generate(Path(app.config["PRIVATE_KEY_DIR"]), app.config["KEY_PASSPHRASE"])
    assert found(search(client, "07700 900982")) == []  # the old digests mean nothing under the new key
    result = runner.invoke(main, ["index", "run", "--all"], catch_exceptions=False)
    assert result.exit_code == 0 and "Indexed 2 report" in result.output, result.output
    assert report_row(app, first).indexed_key not in (None, old_key)
    assert found(search(client, "07700 900982")) == [second, first]


def test_the_public_process_cannot_compute_an_index_value(staff_app_factory, instance):
    from portal.casework.indexing import NoIndexKey, index_key

    public = staff_app_factory({"SERVE": "public"})
    with public.app_context(), pytest.raises(NoIndexKey):
        index_key()
    assert public.config["PRIVATE_KEY_DIR"] is None and public.config["KEY_PASSPHRASE"] is None


def test_the_indexer_passes_over_a_report_that_will_not_open_and_indexes_the_rest(app, officer):
    from click.testing import CliRunner

    from portal.cli import main
    from tests.staff_helpers import set_report

    broken = [send_report(new_client(app), SOMEONE_ELSE) for _ in range(3)]
    for reference in broken:
        set_report(app, reference, sealed=b"not a sealed report")
    later = send_report(new_client(app), ANN)
    result = CliRunner().invoke(main, ["index", "run", "--batch", "2"], catch_exceptions=False)
    assert result.exit_code == 0 and "Indexed 1 report(s); 3 would not open here" in result.output, result.output
    assert report_row(app, later).indexed_key is not None
    assert all(report_row(app, reference).indexed_key is None for reference in broken)


def test_a_town_is_searched_as_a_name_or_street_and_never_makes_a_household(app, officer):
    client, _ = officer
    town = {"your_name": "Mair Evans", "address": "Caerdydd", "contact_methods": ["text"],
            "phone_text": "07700 900500", "story": "Only the town."}
    first = send_report(new_client(app), town)
    second = send_report(new_client(app), {**town, "your_name": "Eira Hughes", "phone_text": "07700 900501"})
    open_case(client, first)
    page = open_case(client, second)
    assert "at this address" not in page and report_row(app, second).repeat is None
