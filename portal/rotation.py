"""Key rotation: a new key pair seals from now on; old records are re-sealed to it; then the old key retires.

    portal keys rotate        # triage host: a new pair; its public key becomes current.public.json
    (copy current.public.json to the public host; it is re-read without a restart)
    portal keys reseal        # triage host: every report and case entry under an older key, re-sealed
    portal keys retire KEY_ID # only when nothing is sealed to it any more: its key files are deleted

Re-sealing opens each record with the old private key and seals it again to the current public key with
the same purpose and record id, one batch per transaction. Each row is updated only if it is still under
the key it was read under, so a record changed meanwhile is simply picked up by the next pass.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from portal import spool
from portal.models import AuditEvent, CaseEntry, Report
from portal.reports import PURPOSE as REPORT_PURPOSE
from portal.sealing import Opener, Sealer


class CannotRetire(Exception):
    """The key still seals something, or is the current key."""


@dataclass
class ResealResult:
    reports: int = 0
    entries: int = 0


def usage(dbs: Session) -> Counter[str]:
    """How many records are sealed to each key id (reports and case entries together)."""
    counts: Counter[str] = Counter()
    for model in (Report, CaseEntry):
        for key_id, n in dbs.execute(select(model.key_id, func.count()).group_by(model.key_id)):
            counts[key_id] += n
    return counts


def _reseal_table(maker: sessionmaker[Session], model: type, purpose_of, opener: Opener, sealer: Sealer,
                  batch: int) -> int:
    done = 0
    while True:
        with maker() as dbs:
            rows = dbs.execute(select(model.id, model.key_id, model.sealed, *(
                [model.kind] if model is CaseEntry else []))
                .where(model.key_id != sealer.key_id).order_by(model.id).limit(batch)).all()
            if not rows:
                return done
            changed = 0
            for row in rows:
                purpose = purpose_of(row)
                plaintext = opener.open(row.sealed, purpose, row.id)
                resealed = sealer.seal(plaintext, purpose, row.id)
                result = dbs.execute(update(model).where(model.id == row.id, model.key_id == row.key_id)
                                     .values(sealed=resealed, key_id=sealer.key_id))
                changed += result.rowcount or 0
            dbs.commit()
            done += changed


def reseal(maker: sessionmaker[Session], opener: Opener, sealer: Sealer, actor: str,
           batch: int = 200) -> ResealResult:
    """Re-seal every report and case entry not yet under the current key. Raises CannotOpen (and stops,
    leaving what is done done) if a record's key is not among the private keys here."""
    result = ResealResult(
        reports=_reseal_table(maker, Report, lambda _row: REPORT_PURPOSE, opener, sealer, batch),
        entries=_reseal_table(maker, CaseEntry, lambda row: row.kind, opener, sealer, batch))
    with maker() as dbs:
        dbs.add(AuditEvent(at=datetime.now(timezone.utc), actor=actor, action="keys.resealed", report_id=None,
                           detail=f"key:{sealer.key_id} reports:{result.reports} entries:{result.entries}"))
        dbs.commit()
    return result


def retire(maker: sessionmaker[Session], key_dir: Path, key_id: str, current_key_id: str, spool_dir: Path,
           actor: str) -> list[Path]:
    """Delete an old key pair's files, once nothing (database or spool here) is sealed to it."""
    if key_id == current_key_id:
        raise CannotRetire("it is the current key: rotate first")
    with maker() as dbs:
        still = usage(dbs).get(key_id, 0)
    if still:
        raise CannotRetire(f"{still} record(s) are still sealed to it: run `portal keys reseal` first")
    waiting = [p for p in spool.waiting(spool_dir) if spool.read(p).key_id == key_id]
    if waiting:
        raise CannotRetire(f"{len(waiting)} spooled report(s) are sealed to it: run `portal spool replay` "
                           "and `portal keys reseal` first")
    files = [p for p in (key_dir / f"{key_id}.private.json", key_dir / f"{key_id}.public.json") if p.exists()]
    if not files:
        raise CannotRetire(f"no key files for {key_id} in {key_dir}")
    for path in files:
        path.unlink()
    with maker() as dbs:
        dbs.add(AuditEvent(at=datetime.now(timezone.utc), actor=actor, action="keys.retired", report_id=None,
                           detail=f"key:{key_id}"))
        dbs.commit()
    return files
