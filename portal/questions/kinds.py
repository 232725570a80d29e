"""Which form each kind of reporter fills in, by the `reporter_kind` it stores."""
from __future__ import annotations

from portal.questions.report_forms import AgencyReportForm, ConcernedReportForm, ReportForm, SelfReportForm
from portal.questions.work_form import WorkReportForm

FORMS: dict[str, type[ReportForm]] = {"self": SelfReportForm, "concerned": ConcernedReportForm,
                                      "agency": AgencyReportForm, "staff": WorkReportForm}
