"""Helplines from one editable data file (PORTAL_HELPLINES_FILE), filtered for the organisation's nation."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Helpline:
    id: str
    name: dict[str, str]
    number: str
    text: dict[str, str]
    audience: str  # "everyone" or "own-behaviour"

    @property
    def tel(self) -> str:
        return "tel:" + re.sub(r"[^0-9+]", "", self.number)


def load_helplines(path: Path, nation: str) -> list[Helpline]:
    document = json.loads(path.read_text(encoding="utf-8"))
    lines = []
    for item in document["helplines"]:
        if "nations" in item and nation not in item["nations"]:
            continue
        for lang in ("en", "cy"):  # parity: a line missing either language is a broken file
            if not item["name"].get(lang) or not item["text"].get(lang):
                raise ValueError(f"helpline {item['id']} lacks its {lang} text")
        lines.append(Helpline(item["id"], item["name"], item["number"], item["text"],
                              item.get("audience", "everyone")))
    return lines
