"""The blind index, on the triage side only: each report's names, addresses, postcodes, phone numbers and e-mail
addresses as keyed digests (portal/crypto/blind_index.py), so that staff can search and see possible links
while the database holds none of those values in the clear.

A report is indexed when a case is first opened, and by `portal index` (a timer) for reports nobody has
opened yet; a new index key makes every digest useless until `portal index --all` has re-indexed.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from portal.casework.common import now, opened_json, opener
from portal.casework.contact import Profile, load_profiles
from portal.crypto import blind_index
from portal.crypto.blind_index import IndexKey, NoIndexKey
from portal.crypto.keys import KeyFileError
from portal.crypto.sealing import try_open
from portal.intake.reports import PURPOSE as REPORT_PURPOSE
from portal.store.models import AuditEvent, BlindIndex, Report

# The person at risk and their household (name, address, street, postcode, phone, email) are what possible
# links are made of. A reporter's own details (a neighbour's phone) are indexed apart, under reporter_* kinds,
# so they never look like the person's.
ADDRESS_KINDS = ("address", "street", "postcode")
_NORMALISE_AS = {"reporter_name": "name", "reporter_phone": "phone", "reporter_email": "email"}


_unwrapped: dict[str, IndexKey] = {}


def index_key() -> IndexKey:
    """The index key, unwrapped once per process for each key file's content (Argon2id is slow on purpose;
    a new key file is picked up without a restart). Raises NoIndexKey where there is none (the public host)."""
    config = current_app.config
    directory, passphrase = config.get("PRIVATE_KEY_DIR"), config.get("KEY_PASSPHRASE")
    try:
        content = (Path(directory) / blind_index.FILE).read_bytes() if directory and passphrase else b""
    except OSError:
        content = b""
    stamp = hashlib.sha256(content + b"\0" + str(passphrase).encode()).hexdigest()
    if content and stamp in _unwrapped:
        return _unwrapped[stamp]
    try:
        key = blind_index.load(Path(directory) if directory else None, passphrase)
    except KeyFileError as exc:
        raise NoIndexKey("the index key will not open here") from exc
    _unwrapped.clear()
    _unwrapped[stamp] = key
    return key


def _answer(answers: dict[str, Any], *names: str) -> list[str]:
    return [str(answers[name]) for name in names if isinstance(answers.get(name), str) and answers[name].strip()]


def plain_values(kind: str, answers: dict[str, Any], profiles: dict[str, Profile]) -> set[tuple[str, str]]:
    """Every (index kind, normalised value) of one report: its answers and its current safe-contact profiles."""
    person = profiles.get("person")
    reporter = profiles.get("reporter")
    person_ways = person.answers if person else {}
    texts: list[tuple[str, str]] = []
    texts += [("name", v) for v in _answer(answers, "your_name" if kind == "self" else "their_name")]
    texts += [("address", v) for v in _answer(answers, "address", "their_address")]
    texts += [("address", v) for v in _answer(person_ways, "postal_address")]
    texts += [("phone", v) for v in _answer(person_ways, "phone_call", "phone_text")]
    texts += [("email", v) for v in _answer(person_ways, "email")]
    if kind != "self":
        texts += [("reporter_name", v) for v in _answer(answers, "your_name")]
        ways = reporter.answers if reporter else {}
        texts += [("reporter_phone", v) for v in _answer(ways, "phone_call", "phone_text")]
        texts += [("reporter_email", v) for v in _answer(ways, "email")]
    found: set[tuple[str, str]] = set()
    for kind_of, text in texts:
        for index_kind in (ADDRESS_KINDS if kind_of == "address" else (kind_of,)):
            found.update((index_kind, value) for value in blind_index.values(_NORMALISE_AS.get(index_kind,
                                                                                                 index_kind), text))
    return found


def digests(key: IndexKey, values: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(kind, key.digest(kind, value)) for kind, value in values}


def refresh(dbs: Session, report: Report, answers: dict[str, Any], profiles: dict[str, Profile],
            key: IndexKey) -> bool:
    """Bring one report's digests up to date (after opening it). Writes only when something changed; True then."""
    wanted = digests(key, plain_values(report.reporter_kind, answers, profiles))
    stored = {(kind, digest) for kind, digest in dbs.execute(
        select(BlindIndex.kind, BlindIndex.digest).where(BlindIndex.report_id == report.id))}
    if stored == wanted and report.indexed_key == key.key_id:
        return False
    dbs.execute(delete(BlindIndex).where(BlindIndex.report_id == report.id))
    if wanted:
        dbs.execute(insert(BlindIndex), [{"report_id": report.id, "kind": k, "digest": d} for k, d in sorted(wanted)])
    report.indexed_key = key.key_id
    return True


def earlier_match(dbs: Session, report: Report) -> bool:
    """Whether an earlier report shares this one's whole address, phone number or e-mail address (what the
    indexer answers "reported before?" from; the case page also weighs street addresses and staff links)."""
    mine, theirs = aliased(BlindIndex), aliased(BlindIndex)
    query = (select(theirs.report_id).join(mine, mine.digest == theirs.digest)
             .join(Report, Report.id == theirs.report_id)
             .where(mine.report_id == report.id, mine.kind.in_(("address", "phone", "email")),
                    theirs.report_id != report.id, Report.received_at < report.received_at).limit(1))
    return dbs.scalar(query) is not None


@dataclass
class IndexRun:
    indexed: int = 0
    unopened: int = 0
    seen: int = 0  # reports looked at (indexed or not): fewer than the limit means there are no more
    last: tuple[datetime, str] | None = None  # where the next batch starts (received_at, id)


def index_reports(dbs: Session, *, everything: bool = False, limit: int = 1000,
                  after: tuple[datetime, str] | None = None) -> IndexRun:
    """Index one batch of reports nobody has indexed yet (or, with `everything`, of every report not indexed
    under the current key), oldest first, from `after` on (the last batch's `last`: a report that will not open
    here is passed over, not met again). Each opening is audited as `report.indexed` by the indexer, in the
    same commit as its digests; an earlier report at the same address answers "reported before?"."""
    key = index_key()
    keys = opener()
    wanted = or_(Report.indexed_key.is_(None), Report.indexed_key != key.key_id) if everything \
        else Report.indexed_key.is_(None)
    query = select(Report).where(wanted)
    if after is not None:
        query = query.where(tuple_(Report.received_at, Report.id) > tuple_(*after))
    run = IndexRun()
    for report in dbs.scalars(query.order_by(Report.received_at, Report.id).limit(limit)).all():
        run.seen += 1
        run.last = (report.received_at, report.id)
        opened = try_open(keys, report.sealed, REPORT_PURPOSE, report.id)
        content = opened_json(opened)
        if not isinstance(opened, bytes):
            run.unopened += 1
            continue
        dbs.add(AuditEvent(at=now(), actor="system:index", action="report.indexed",
                           report_id=report.id, detail=key.key_id))
        refresh(dbs, report, content.get("answers", {}), load_profiles(dbs, report, content, keys), key)
        dbs.flush()
        if not report.repeat_by_staff and report.repeat is not True and earlier_match(dbs, report):
            report.repeat = True
        run.indexed += 1
    dbs.commit()
    return run


__all__ = ["IndexRun", "NoIndexKey", "digests", "index_key", "index_reports",
           "plain_values", "refresh"]
