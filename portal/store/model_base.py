"""What every table shares: the declarative base, and how a binary column says what it holds (sealed to the
team, sealed to a reporter's receipt, or not sealed, with the reason)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.orm import DeclarativeBase, mapped_column


class Base(DeclarativeBase):
    pass


# Every binary column says what it holds, so that key rotation (portal/rotation.py) can find every value sealed
# to the team's keys from the models alone, and a test can fail on a binary column that says nothing:
# - sealed to the team (the organisation's key pair, opened only on the triage side): `purpose` is the
#   envelope's purpose, or `purpose_column` names the column that holds it; `key_column` holds the key id;
#   the record id bound into the seal is the row's `id`;
# - sealed to one reporter's receipt key, which the team never holds and rotation cannot touch;
# - not sealed at all (a public key, say), with the reason.
SEALED_TO_TEAM = "team"
SEALED_TO_RECEIPT = "receipt"
REPORT_PURPOSE = "report"
MESSAGE_PURPOSE = "message"
PROFILE_PURPOSE = "profile"
REPORTER_PROFILE_PURPOSE = "profile-reporter"
CONTACT_PURPOSE = "contact"


def team_sealed(*, purpose: str = "", purpose_column: str = "", key_column: str = "key_id",
                nullable: bool = False) -> Any:
    """A column sealed to the team's current public key (see above)."""
    assert bool(purpose) != bool(purpose_column), "give a fixed purpose or the column that holds it"
    return mapped_column(LargeBinary, nullable=nullable, info={"sealed": {
        "to": SEALED_TO_TEAM, "purpose": purpose, "purpose_column": purpose_column, "key_column": key_column}})


def receipt_sealed() -> Any:
    """A column sealed to a reporter's receipt key: only the receipt opens it."""
    return mapped_column(LargeBinary, nullable=True, info={"sealed": {"to": SEALED_TO_RECEIPT}})


def not_sealed(reason: str, nullable: bool = False) -> Any:
    return mapped_column(LargeBinary, nullable=nullable, info={"not_sealed": reason})
