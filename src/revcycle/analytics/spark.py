"""The one local Spark session a process uses (starting one costs seconds, so it is shared)."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["spark_session", "stop_spark"]

_SESSION: list[Any] = []


def spark_session() -> Any:
    """A local-mode SparkSession in UTC, built on first use; an error says how to install PySpark."""
    if _SESSION:
        return _SESSION[0]
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        from revcycle.analytics.errors import AnalyticsError

        raise AnalyticsError("the spark engine needs PySpark: pip install 'pyspark>=3.5,<4.1' (and Java 17)") from exc
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("revcycle")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    _SESSION.append(session)
    return session


def stop_spark() -> None:
    """Stop the shared session, if one was started."""
    while _SESSION:
        _SESSION.pop().stop()
