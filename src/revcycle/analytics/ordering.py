"""The order groups are shown in: company-size segments by size (1-49 before 200-999 before 1000-4999), not as
text. Every report grouped by segment is put in this order by `in_display_order` as it is printed; the numbers
are not touched."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from revcycle.analytics.facts import BANDS

__all__ = ["SEGMENTS", "in_display_order", "segment_key"]

SEGMENTS = (*(label for _, label in BANDS), "unknown")


def segment_key(label: object) -> tuple[int, str]:
    """Where a segment label sorts: by the size band it names; anything else after them, as text."""
    text = str(label)
    return (SEGMENTS.index(text), "") if text in SEGMENTS else (len(SEGMENTS), text)


_KEYS: dict[str, Callable[[object], tuple[int, str]]] = {"segment": segment_key}


def in_display_order(frame: pd.DataFrame, grouping: str | None) -> pd.DataFrame:
    """The report's rows with its groups in display order; rows of one group keep their order (a funnel's
    stages stay in cycle order). A grouping with no order of its own is returned as it is."""
    key = _KEYS.get(grouping or "")
    if key is None or "group" not in frame.columns or frame.empty:
        return frame
    ranks = [key(label) for label in frame["group"]]
    order = sorted(range(len(frame)), key=ranks.__getitem__)  # sorted() is stable: a group keeps its row order
    return frame.iloc[order].reset_index(drop=True)
