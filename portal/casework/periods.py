"""The periods the indicators are counted over: a month, a quarter (calendar quarters, named by their months) or
chosen dates of up to three years, read from and written to the query string so that any view can be bookmarked."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

PERIOD_KINDS = ("month", "quarter", "custom")
QUARTER_STARTS = (1, 4, 7, 10)
MAX_CUSTOM_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """Whole local days, `first` to `last` inclusive."""

    kind: str
    first: date
    last: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = date(year, month, 1)
        return cls("month", first, _add_months(first, 1) - timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, start_month: int) -> Period:
        if start_month not in QUARTER_STARTS:
            raise ValueError("a quarter starts in January, April, July or October")
        first = date(year, start_month, 1)
        return cls("quarter", first, _add_months(first, 3) - timedelta(days=1))

    @classmethod
    def custom(cls, first: date, last: date) -> Period:
        if last < first:
            raise ValueError("the period ends before it starts")
        if (last - first).days >= MAX_CUSTOM_DAYS:
            raise ValueError("the period is longer than three years")
        return cls("custom", first, last)

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        if kind == "quarter":
            return cls.quarter(day.year, QUARTER_STARTS[(day.month - 1) // 3])
        return cls.month(day.year, day.month)

    def previous(self) -> Period:
        if self.kind == "month":
            return Period.containing("month", self.first - timedelta(days=1))
        if self.kind == "quarter":
            return Period.containing("quarter", self.first - timedelta(days=1))
        length = self.last - self.first
        return Period.custom(self.first - length - timedelta(days=1), self.first - timedelta(days=1))

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """The period as UTC instants: from the start of its first local day, up to (not including) the start
        of the day after its last."""
        zone = ZoneInfo(tz)
        start = datetime.combine(self.first, time(0), tzinfo=zone).astimezone(timezone.utc)
        end = datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc)
        return start, end

    def months(self) -> list[str]:
        """The YYYY-MM months wholly inside the period (purged tallies are kept by month)."""
        found, at = [], date(self.first.year, self.first.month, 1)
        while at <= self.last:
            end = _add_months(at, 1) - timedelta(days=1)
            if at >= self.first and end <= self.last:
                found.append(f"{at:%Y-%m}")
            at = _add_months(at, 1)
        return found

    def args(self) -> dict[str, str]:
        """The query string that asks for this period (bookmarkable)."""
        if self.kind == "custom":
            return {"period": "custom", "from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"period": self.kind, self.kind: f"{self.first:%Y-%m}"}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


FIRST_YEAR, LAST_YEAR = 2000, 2200


def period_from_args(args: Any, today: date) -> tuple[Period, str]:
    """The period asked for in the query string, and what was wrong with it if anything ("dates", "order",
    "too-long" or "start"; then the current month is shown, so the page always shows something)."""
    kind = args.get("period", "month")
    kind = kind if kind in PERIOD_KINDS else "month"
    if kind == "custom":
        try:
            first = date.fromisoformat(args.get("from", "").strip())
            last = date.fromisoformat(args.get("to", "").strip())
        except ValueError:
            return Period.containing("month", today), "dates"
        if not (FIRST_YEAR <= first.year <= LAST_YEAR and FIRST_YEAR <= last.year <= LAST_YEAR):
            return Period.containing("month", today), "years"  # year 1 or 9999 would overflow the arithmetic
        if last < first:
            return Period.containing("month", today), "order"
        if (last - first).days >= MAX_CUSTOM_DAYS:
            return Period.containing("month", today), "too-long"
        return Period.custom(first, last), ""
    start = args.get(kind, "")
    if not start:
        return Period.containing(kind, today), ""
    try:
        year, month = (int(part) for part in start.split("-"))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(start)
        return (Period.quarter(year, month) if kind == "quarter" else Period.month(year, month)), ""
    except ValueError:
        return Period.containing(kind, today), "start"


def recent_periods(kind: str, today: date, count: int) -> list[Period]:
    """The current month or quarter and the ones before it, newest first (for the period picker)."""
    found = [Period.containing(kind, today)]
    while len(found) < count:
        found.append(found[-1].previous())
    return found
