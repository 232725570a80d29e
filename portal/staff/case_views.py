"""A case: decrypted for one request, audited; the safe-contact profile first."""
from __future__ import annotations

from flask import abort

from portal.staff import bp
from portal.staff.access import CASEWORK, allow


@bp.get("/cases/<reference>")
@allow(*CASEWORK)
def case(reference: str) -> str:
    """One case."""
    abort(404)
