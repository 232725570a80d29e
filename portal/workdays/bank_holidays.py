"""Bank holidays for Wales and England, from the `holidays` library, kept as a small data file.

The library loads every country's calendar when imported (about 17 MB in each web worker); the portal needs
two lists of dates. `python -m portal.workdays.bank_holidays` writes them to portal/data/bank_holidays.json, and a
test fails if that file and the library ever disagree (after a library upgrade, run the command again).
Years outside the file fall back to the library itself.
"""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "bank_holidays.json"
SUBDIVISION = {"wales": "WLS", "england": "ENG"}
YEARS = range(2020, 2041)


def from_library(nation: str, years: range = YEARS) -> list[str]:
    import holidays

    calendar = holidays.country_holidays("GB", subdiv=SUBDIVISION[nation], years=years)
    return sorted(day.isoformat() for day in calendar)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


@lru_cache(maxsize=64)
def holidays_in(nation: str, year: int) -> frozenset[date]:
    data = _data()
    if data["first_year"] <= year <= data["last_year"]:
        days = data[nation]
    else:
        days = from_library(nation, range(year, year + 1))
    return frozenset(date.fromisoformat(d) for d in days if d.startswith(f"{year}-"))


def generate() -> dict[str, object]:
    return {"source": "python-holidays, country GB", "first_year": YEARS[0], "last_year": YEARS[-1],
            **{nation: from_library(nation) for nation in SUBDIVISION}}


if __name__ == "__main__":
    DATA.write_text(json.dumps(generate(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {DATA}")
