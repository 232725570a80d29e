"""The small-number rule every indicator goes out through: counts from 1 to threshold-1 are suppressed, a second
cell where a group's total would give a hidden one away, and percentages only as bounds near the edges."""
from __future__ import annotations

import math
from dataclasses import dataclass

# --- small numbers ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """A count as it may be shown: `value` is None when it is suppressed. `secondary`: it was not small, but is
    hidden so that a small one in its group cannot be worked out from the total (so it must not say "fewer than")."""

    value: int | None
    threshold: int
    secondary: bool = False

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def csv(self) -> str:
        if self.secondary:
            return "suppressed"
        return f"<{self.threshold}" if self.value is None else str(self.value)


@dataclass(frozen=True)
class Disclosure:
    """The suppression rule: counts from 1 to threshold-1 are not shown (0 is: "none" identifies nobody).
    A threshold of 1 shows everything."""

    threshold: int

    def one(self, n: int) -> Figure:
        return Figure(None if 0 < n < self.threshold else n, self.threshold)

    def group(self, counts: dict[str, int], total_shown: bool = True) -> dict[str, Figure]:
        """A group of counts that add up to a total shown elsewhere: if exactly one is suppressed, the next
        smallest non-zero count is suppressed too, so the hidden one cannot be worked out by subtraction."""
        shown = {key: self.one(n) for key, n in counts.items()}
        hidden = [key for key, f in shown.items() if f.suppressed]
        if total_shown and len(hidden) == 1:
            candidates = sorted((n, key) for key, n in counts.items() if key not in hidden and n > 0)
            if candidates:  # (none only when the total is itself small, and so suppressed too)
                shown[candidates[0][1]] = Figure(None, self.threshold, secondary=True)
        return shown

    def percent(self, part: int, whole: int) -> Percent:
        """part/whole as a percentage. When the part, or what is left of the whole, is a small count, the
        exact figure would give it away: then only a bound is shown ("at least 96%", "at most 3%"). Nothing
        when the whole is itself small."""
        if whole == 0 or self.one(whole).suppressed:
            return Percent(None)
        small = self.threshold - 1
        if self.one(whole - part).suppressed:
            return Percent(math.floor(1000 * (whole - small) / whole) / 10, "at-least")
        if self.one(part).suppressed:
            return Percent(math.ceil(1000 * small / whole) / 10, "at-most")
        return Percent(round(100 * part / whole, 1))


@dataclass(frozen=True)
class Percent:
    value: float | None
    bound: str = ""  # "" exact | "at-least" | "at-most"

    def csv(self) -> str:
        if self.value is None:
            return "suppressed"
        return {"at-least": ">=", "at-most": "<="}.get(self.bound, "") + f"{self.value:g}"
