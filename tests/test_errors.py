"""The one error tree: every error revcycle raises for a user descends from RevcycleError, none is a ValueError,
and the dispatcher's two errors say which handler, which event and why."""

from __future__ import annotations

import pytest

import revcycle.errors as errors
from revcycle.analytics.attribution.errors import AttributionError
from revcycle.analytics.errors import AnalyticsError
from revcycle.errors import HandlerFailed, HandlerLoop, NotFound, RevcycleError
from revcycle.sim import SimError

TREE = [getattr(errors, name) for name in errors.__all__ if isinstance(getattr(errors, name), type)]


@pytest.mark.parametrize("error", [e for e in TREE if issubclass(e, Exception)], ids=lambda e: e.__name__)
def test_every_error_is_a_revcycle_error_and_none_a_value_error(error: type[Exception]) -> None:
    assert issubclass(error, RevcycleError) and not issubclass(error, ValueError)


def test_the_old_module_names_are_the_tree_classes() -> None:
    assert (AnalyticsError, AttributionError, SimError) == (
        errors.AnalyticsError,
        errors.AttributionError,
        errors.SimError,
    )
    assert issubclass(AttributionError, AnalyticsError)


def test_a_failed_handler_names_itself_the_event_and_the_cause() -> None:
    bug = HandlerFailed("scoring.rescore", "TouchesRecorded (120 people)", KeyError("fit"))
    assert str(bug) == "handler \"scoring.rescore\" failed on TouchesRecorded (120 people): KeyError: 'fit'"
    refusal = HandlerFailed("cycle.advance", "MovesRecorded (3 moves)", NotFound("no stage sal in the pact"))
    assert str(refusal) == 'handler "cycle.advance" failed on MovesRecorded (3 moves): no stage sal in the pact'
    multi = HandlerFailed("sla.start", "LeadAssigned (1 lead)", RuntimeError("lock lost\n[SQL: UPDATE sla_clock]"))
    assert str(multi) == 'handler "sla.start" failed on LeadAssigned (1 lead): RuntimeError: lock lost'
    assert (refusal.handler, refusal.event, type(refusal.cause)) == (
        "cycle.advance",
        "MovesRecorded (3 moves)",
        NotFound,
    )


def test_a_handler_loop_names_the_depth_and_the_last_event() -> None:
    loop = HandlerLoop(20, "MovesRecorded")
    assert str(loop) == "events kept raising events past depth 20 (last: MovesRecorded): a handler cycle"
    assert (loop.depth, loop.last) == (20, "MovesRecorded")
