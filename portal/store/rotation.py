"""Key rotation: a new key pair seals from now on; old records are re-sealed to it; then the old key retires.

    portal keys rotate        # triage host: a new pair; its public key becomes current.public.json
    (copy current.public.json to the public host; it is re-read without a restart)
    portal keys reseal        # triage host: every value sealed to the team under an older key, re-sealed
    portal keys retire KEY_ID # only when nothing is sealed to it any more: its key files are deleted

What is sealed to the team is read from the models (`team_sealed` columns in portal/models.py), never listed
here by hand: reports, case entries, the team's copies of conversation messages, and whatever is added
later. Re-sealing opens each value with the old private key and seals it again to the current public key
with the same purpose and record id, one batch per transaction. Each row is updated only if it is still
under the key it was read under, so a record changed meanwhile is simply picked up by the next pass.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from portal.crypto.sealing import Opener, Sealer
from portal.store import spool
from portal.store.db import changed
from portal.store.models import SEALED_TO_TEAM, AuditEvent, Base


class CannotRetire(Exception):
    """The key still seals something, or is the current key."""


@dataclass(frozen=True)
class SealedTable:
    """One table's values sealed to the team, all under one key-id column."""

    model: Any
    key_column: str
    columns: tuple[tuple[str, str, str], ...]  # (column, fixed purpose, or the column holding the purpose)

    @property
    def name(self) -> str:
        return str(self.model.__tablename__)


def sealed_tables() -> list[SealedTable]:
    """Every table with values sealed to the team, from the models' column declarations."""
    found: dict[tuple[Any, str], list[tuple[str, str, str]]] = {}
    for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__tablename__):
        for column in mapper.columns:
            info = column.info.get("sealed")
            if info and info["to"] == SEALED_TO_TEAM:
                found.setdefault((mapper.class_, info["key_column"]), []).append(
                    (column.key, info["purpose"], info["purpose_column"]))
    return [SealedTable(model, key_column, tuple(columns)) for (model, key_column), columns in found.items()]


@dataclass
class ResealResult:
    by_table: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_table.values())


def usage(dbs: Session) -> Counter[str]:
    """How many records are sealed to each key id, over every table that holds sealed values."""
    counts: Counter[str] = Counter()
    for table in sealed_tables():
        key = getattr(table.model, table.key_column)
        for key_id, n in dbs.execute(select(key, func.count()).where(key.is_not(None)).group_by(key)):
            counts[key_id] += n
    return counts


def usage_by_table(dbs: Session) -> dict[str, Counter[str]]:
    """The same counts, table by table (for `portal keys list`), a table's key columns added together."""
    result: dict[str, Counter[str]] = {}
    for table in sealed_tables():
        key = getattr(table.model, table.key_column)
        result.setdefault(table.name, Counter()).update(dict(dbs.execute(
            select(key, func.count()).where(key.is_not(None)).group_by(key)).all()))
    return result


def _purpose(row: Any, fixed: str, from_column: str) -> str:
    return fixed or getattr(row, from_column)


def _reseal_table(maker: sessionmaker[Session], table: SealedTable, opener: Opener, sealer: Sealer,
                  batch: int) -> int:
    model = table.model
    key = getattr(model, table.key_column)
    extra = sorted({c for _name, _fixed, c in table.columns if c})
    wanted = [model.id, key.label("old_key"), *(getattr(model, c) for c, _p, _f in table.columns),
              *(getattr(model, c) for c in extra)]
    done = 0
    while True:
        with maker() as dbs:
            rows = dbs.execute(select(*wanted).where(key != sealer.key_id).order_by(model.id).limit(batch)).all()
            if not rows:
                return done
            for row in rows:
                values: dict[str, Any] = {table.key_column: sealer.key_id}
                for column, fixed, from_column in table.columns:
                    old = getattr(row, column)
                    if old is None:
                        continue
                    purpose, record_id = _purpose(row, fixed, from_column), str(row.id)
                    values[column] = sealer.seal(opener.open(old, purpose, record_id), purpose, record_id)
                result = dbs.execute(update(model).where(model.id == row.id, key == row.old_key).values(**values))
                done += changed(result)
            dbs.commit()


def reseal(maker: sessionmaker[Session], opener: Opener, sealer: Sealer, actor: str,
           batch: int = 200) -> ResealResult:
    """Re-seal every value sealed to the team not yet under the current key. Raises CannotOpen (and stops,
    leaving what is done done) if a record's key is not among the private keys here."""
    result = ResealResult()
    for table in sealed_tables():  # a table with more than one key column is counted once, all its columns added
        result.by_table[table.name] = result.by_table.get(table.name, 0) + _reseal_table(maker, table, opener, sealer,
                                                                                         batch)
    counts = " ".join(f"{name}:{n}" for name, n in result.by_table.items())
    with maker() as dbs:
        dbs.add(AuditEvent(at=datetime.now(timezone.utc), actor=actor, action="keys.resealed", report_id=None,
                           detail=f"key:{sealer.key_id} {counts}"))
        dbs.commit()
    return result


def retire(maker: sessionmaker[Session], key_dir: Path, key_id: str, current_key_id: str, spool_dir: Path,
           actor: str) -> list[Path]:
    """Delete an old key pair's files, once nothing (database or spool here) is sealed to it."""
    if key_id == current_key_id:
        raise CannotRetire("it is the current key: rotate first")
    with maker() as dbs:
        still = {name: counts[key_id] for name, counts in usage_by_table(dbs).items() if counts.get(key_id)}
    if still:
        where = ", ".join(f"{n} in {name}" for name, n in still.items())
        raise CannotRetire(f"{sum(still.values())} record(s) are still sealed to it ({where}): run "
                           "`portal keys reseal` first")
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
