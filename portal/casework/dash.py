"""The DASH risk identification checklist: questions from a data file, thresholds from configuration.

The file (PORTAL_DASH_FILE, default portal/data/dash.json) ships our own short paraphrases of the 24 items;
an organisation replaces it with its licensed SafeLives wording. Scoring is local policy and lives with
the assessments (portal/casework/risk.py): 14 or more "yes" (PORTAL_DASH_MARAC_THRESHOLD) is high risk.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ANSWERS = ("yes", "no", "not_known")


@dataclass(frozen=True)
class Question:
    id: str
    text: dict[str, str]
    escalation: bool


@dataclass(frozen=True)
class Checklist:
    version: str
    title: dict[str, str]
    notice: dict[str, str]
    answers: dict[str, dict[str, str]]
    questions: tuple[Question, ...]


class ChecklistFileError(Exception):
    pass


@lru_cache(maxsize=4)
def load_checklist(path: str) -> Checklist:
    try:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        questions = tuple(Question(q["id"], {"en": q["en"], "cy": q["cy"]}, bool(q.get("escalation")))
                          for q in data["questions"])
        checklist = Checklist(str(data.get("version", "")), data["title"], data["notice"], data["answers"], questions)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ChecklistFileError(f"{path}: {exc}") from exc
    if len({q.id for q in questions}) != len(questions) or not questions:
        raise ChecklistFileError(f"{path}: question ids must be unique and present")
    if any(not (q.text["en"].strip() and q.text["cy"].strip()) for q in questions):
        raise ChecklistFileError(f"{path}: every question needs English and Welsh text")
    if set(checklist.answers) != set(ANSWERS):
        raise ChecklistFileError(f"{path}: answers must be {', '.join(ANSWERS)}")
    return checklist
