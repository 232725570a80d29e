"""Helplines from one editable data file (PORTAL_HELPLINES_FILE), filtered for the organisation's nation."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LANGS = ("en", "cy")


@dataclass(frozen=True)
class Helpline:
    id: str
    name: dict[str, str]
    number: str
    text: dict[str, str]
    audience: str  # "everyone" or "own-behaviour"
    hours: dict[str, str] | None = None  # when it is open; None where the file does not say
    original_name: str | None = None  # the service's own name, shown beside a translated one
    original_lang: str = "en"

    @property
    def tel(self) -> str:
        return "tel:" + re.sub(r"[^0-9+]", "", self.number)


def _both(item: dict[str, Any], key: str) -> dict[str, str] | None:
    value = item.get(key)
    if value is None and key == "hours":
        return None
    for lang in LANGS:  # parity: a line missing either language is a broken file
        if not isinstance(value, dict) or not value.get(lang):
            raise ValueError(f"helpline {item['id']} lacks its {lang} {key}")
    return value


def load_helplines(path: Path, nation: str) -> list[Helpline]:
    document = json.loads(path.read_text(encoding="utf-8"))
    lines = []
    for item in document["helplines"]:
        if "nations" in item and nation not in item["nations"]:
            continue
        name, text, hours = _both(item, "name"), _both(item, "text"), _both(item, "hours")
        if item.get("original_lang", "en") not in LANGS:
            raise ValueError(f"helpline {item['id']}: original_lang must be one of {LANGS}")
        lines.append(Helpline(item["id"], name or {}, item["number"], text or {}, item.get("audience", "everyone"),
                              hours, item.get("original_name"), item.get("original_lang", "en")))
    return lines
