"""Settings a team lead changes in the staff screens, falling back to deployment configuration."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal.store.models import Setting


def get_setting(dbs: Session, name: str, default: str) -> str:
    row = dbs.get(Setting, name)
    return row.value if row is not None else default


def set_setting(dbs: Session, name: str, value: str) -> None:
    row = dbs.get(Setting, name)
    if row is None:
        dbs.add(Setting(name=name, value=value))
    else:
        row.value = value
