"""The MARAC referral pack: the SafeLives referral form's fields as the officer reviewed and edited them, sealed on
the referral (`pack_sealed`, sealed again on each save), and exported for the meeting. A pack goes to a
multi-agency meeting, so it never holds the code word, the check question or the cover name: a save or an export
whose text holds any of them is refused (`SecretInPack`), whatever the page sent.

Building (prefilling from the case), saving and each export are audited with codes only.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from portal.casework.common import NotAllowed, audit, now, warn_unopened
from portal.crypto.sealing import Opener, Unopened, try_open
from portal.intake.reports import current_sealer
from portal.store.models import Report, StaffUser
from portal.store.risk_models import MARAC_PACK_PURPOSE, MaracReferral

# The SafeLives referral form's sections, in its order.
PACK_FIELDS = ("referrer", "person_name", "person_dob", "person_address", "person_phone", "safe_times",
               "leave_message", "language_needs", "perpetrators", "children", "criteria", "consent", "afraid_of",
               "safe_to_talk", "previous_maracs")
MAX_FIELD = 5_000
EXPORT_FORMATS = ("html", "odt")
# What a safe-contact profile (or the report) holds that must never reach a meeting's paper.
SECRET_ANSWERS = ("check_question", "cover_name")


class SecretInPack(NotAllowed):
    """The pack would hold the code word, check question or cover name."""

    def __init__(self, fields: list[str]):
        super().__init__("a secret in " + ",".join(fields))
        self.fields = fields


def secrets_of(answer_sets: Iterable[dict[str, Any]]) -> list[str]:
    """The code words, check questions and cover names in these answers (the report's, each current profile)."""
    found = {str(answers.get(name) or "").strip() for answers in answer_sets for name in SECRET_ANSWERS}
    return sorted(s for s in found if s)


def _holds(text: str, secret: str) -> bool:
    """Whether `text` holds `secret` as words (case and spacing aside): "Sue" is not found in "Susan"."""
    words = r"\s+".join(re.escape(w) for w in secret.split())
    return re.search(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE) is not None


def fields_holding(pack: dict[str, str], secrets: list[str]) -> list[str]:
    return [name for name in PACK_FIELDS if any(_holds(pack.get(name, ""), s) for s in secrets)]


def check_pack(pack: dict[str, str], secrets: list[str]) -> None:
    holding = fields_holding(pack, secrets)
    if holding:
        raise SecretInPack(holding)


def _clean(pack: dict[str, Any]) -> dict[str, str]:
    return {name: str(pack.get(name) or "").strip()[:MAX_FIELD] for name in PACK_FIELDS}


def pack_built(dbs: Session, report: Report, staff: StaffUser, referral: MaracReferral) -> None:
    """The pack was prefilled from the case for the officer to review."""
    audit(dbs, staff, "marac.pack_built", report, detail=f"referral:{referral.id}")
    dbs.commit()


def save_pack(dbs: Session, report: Report, staff: StaffUser, referral: MaracReferral, pack: dict[str, Any],
              secrets: list[str]) -> dict[str, str]:
    """Seal the pack as the officer edited it onto the referral (again on each save). Raises SecretInPack."""
    if referral.report_id != report.id:
        raise NotAllowed("not this case's referral")
    fields = _clean(pack)
    check_pack(fields, secrets)
    sealer = current_sealer()
    referral.pack_at = now()
    referral.pack_key_id = sealer.key_id
    referral.pack_sealed = sealer.seal_json({"fields": fields}, MARAC_PACK_PURPOSE, referral.id)
    audit(dbs, staff, "marac.pack_saved", report, detail=f"referral:{referral.id}")
    dbs.commit()
    return fields


def open_pack(keys: Opener, referral: MaracReferral) -> dict[str, str] | Unopened | None:
    """The saved pack (None: never saved). Call only after the case's audited opening."""
    if referral.pack_sealed is None:
        return None
    opened = try_open(keys, referral.pack_sealed, MARAC_PACK_PURPOSE, referral.id)
    warn_unopened("MARAC pack", opened)
    if isinstance(opened, Unopened):
        return opened
    return _clean(json.loads(opened.decode("utf-8")).get("fields", {}))


def pack_exported(dbs: Session, report: Report, staff: StaffUser, referral: MaracReferral, fmt: str,
                  pack: dict[str, str], secrets: list[str]) -> None:
    """An export of the saved pack, audited with its format. Checked again against the current profiles (the
    person may have given a new code word since the pack was saved)."""
    if fmt not in EXPORT_FORMATS:
        raise NotAllowed("not a format")
    check_pack(pack, secrets)
    audit(dbs, staff, "marac.pack_exported", report, detail=f"referral:{referral.id} format:{fmt}")
    dbs.commit()


__all__ = ["EXPORT_FORMATS", "PACK_FIELDS", "SecretInPack", "check_pack", "fields_holding", "open_pack",
           "pack_built", "pack_exported", "save_pack", "secrets_of"]
