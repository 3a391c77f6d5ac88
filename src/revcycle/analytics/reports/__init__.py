"""The closed-loop reports, one declarative class each; `run(report, engine)` executes one."""

from revcycle.analytics.reports.attribution import AttributionReport
from revcycle.analytics.reports.base import Report, ReportResult, fetch, run
from revcycle.analytics.reports.channels import ChannelReport
from revcycle.analytics.reports.content import ContentReport
from revcycle.analytics.reports.funnel import FunnelReport
from revcycle.analytics.reports.kpis import KpiReport
from revcycle.analytics.reports.time_in_stage import TimeInStageReport

REPORTS: dict[str, type[Report]] = {
    cls.slug: cls
    for cls in (FunnelReport, TimeInStageReport, KpiReport, ChannelReport, ContentReport, AttributionReport)
}

__all__ = [
    "REPORTS",
    "AttributionReport",
    "ChannelReport",
    "ContentReport",
    "FunnelReport",
    "KpiReport",
    "Report",
    "ReportResult",
    "TimeInStageReport",
    "fetch",
    "run",
]
