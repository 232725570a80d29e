"""portal.casework.risk_indicators writes its codes out (it imports nothing that can open a sealed value): they must
stay the codes the risk, MARAC and sharing services store, and every code must have a name on the page and in the
CSV."""
from __future__ import annotations

from portal.casework import marac, risk, sharing
from portal.casework import risk_indicators as ri
from portal.staff import indicator_labels as il
from portal.staff.forms_sharing import AGENCY_NAMES


def test_the_codes_are_the_services_codes():
    assert ri.TOOLS == risk.TOOLS and set(ri.LEVELS) == set(risk.GRADES)
    assert set(ri.CRITERIA) == set(marac.CRITERIA)
    assert ri.BASES == sharing.BASES and ri.AGENCIES == sharing.RECIPIENTS


def test_every_code_has_a_name():
    assert set(il.SOURCE_NAMES) == set(ri.SOURCES) and set(il.TOOL_NAMES) == set(ri.TOOLS)
    assert set(il.LEVEL_NAMES) == set(ri.LEVELS) and set(il.CRITERION_NAMES) == set(ri.CRITERIA)
    assert set(il.BASIS_NAMES) == set(ri.BASES) and set(il.CONCERN_NAMES) == set(ri.CONCERNS)
    assert set(AGENCY_NAMES) == set(ri.AGENCIES)
    assert set(il.RISK_LEVEL_LABELS) == {f"{t}_{level}" for t in ri.TOOLS for level in ri.LEVELS}
