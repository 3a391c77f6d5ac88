"""Closed-loop analytics: reports built as Ibis queries (`reports`), run on an engine (`engines`).

    from revcycle.analytics.engines import connect
    from revcycle.analytics.reports import FunnelReport, run

    result = run(FunnelReport(grouping="source"), connect("duckdb", url="sqlite:///revcycle.db"))

Nothing is imported here, so `revcycle.analytics.attribution` (pure numpy) loads without Ibis or pandas.
"""
