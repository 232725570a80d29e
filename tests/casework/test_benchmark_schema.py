"""docs/benchmark-schema.md is the contract for the indicators' codes: every code the CSV can write is defined
there, and every code defined there is one the portal writes (the `unknown` rows only when there are purged or
unexplained cases, so they are made here)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from portal.casework.indicators import compute
from portal.casework.periods import Period
from portal.casework.review_round_indicators import POINTS
from portal.store.models import PurgedTally
from tests.staff_helpers import dbs

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "benchmark-schema.md"
CODE = re.compile(r"`([a-z_0-9]+\.[a-z_0-9]+)`")


def documented() -> set[str]:
    text = SCHEMA.read_text(encoding="utf-8").split("## The codes", 1)[1]
    return {code for code in CODE.findall(text) if not code.endswith(".md")}


def test_every_code_written_is_defined_and_every_code_defined_is_written(staff_app_factory):
    app = staff_app_factory()
    with dbs(app) as s:  # a purged report, so that the `unknown` rows appear
        s.add(PurgedTally(month="2026-08", reporter_kind="self", close_reason="unknown", count=1))
        s.commit()
        figures = compute(s, Period.quarter(2026, 7), now=datetime(2026, 10, 1, tzinfo=timezone.utc), threshold=5,
                          nation="wales", tz="Europe/London")
    written = {f"{section}.{key}" for section, key, _value in figures.rows()}
    # A checklist point is written only for a period in which it was answered: the built-in ones, as documented.
    written |= {f"{section}.{point}" for section in ("review_points_met", "review_points_applied",
                                                      "review_points_met_percent") for point in POINTS}
    assert len({(section, key) for section, key, _value in figures.rows()}) == len(figures.rows())  # none twice
    assert written - documented() == set(), "written but not in docs/benchmark-schema.md"
    assert documented() - written == set(), "documented but never written"
