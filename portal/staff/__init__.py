"""The staff side: the community safety team's triage queue, under /staff/. Its own room, its own guard."""
from portal.staff import (  # noqa: F401  (routes)
    audit_views,
    auth_views,
    case_views,
    closing_views,
    complaint_views,
    contact_views,
    enforcement_views,
    erasure_views,
    indicator_views,
    intake_views,
    links_views,
    marac_views,
    monitoring_views,
    perpetrator_views,
    queue_views,
    restriction_views,
    review_round_views,
    review_views,
    risk_views,
    routing_views,
    safeguarding_views,
    sharing_views,
    task_views,
    team_views,
)
from portal.staff.blueprint import bp

__all__ = ["bp"]
