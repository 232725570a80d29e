"""What every CSV the portal writes does to a cell: nothing a spreadsheet would run as a formula."""
from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """The text, with a leading apostrophe if it starts like a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
