"""The stage names reports read, taken from the pact in force: main stages, detours and the hand-off stages."""

from __future__ import annotations

from dataclasses import dataclass

from revcycle.analytics.errors import AnalyticsError
from revcycle.pact.schema import HANDOFF_ROLES, Pact

__all__ = ["StageNames"]


@dataclass(frozen=True)
class StageNames:
    """A pact's main stages in cycle order, its detours, and which main stage plays each hand-off role."""

    stages: tuple[str, ...]
    detours: tuple[str, ...]
    mql: str
    sal: str
    sql: str
    opportunity: str
    won: str

    def __post_init__(self) -> None:
        for role in HANDOFF_ROLES:
            if getattr(self, role) not in self.stages:
                raise AnalyticsError(
                    f"the {role} stage {getattr(self, role)!r} is not a main stage ({', '.join(self.stages)})"
                )

    @classmethod
    def of(cls, pact: Pact) -> StageNames:
        """The names of this pact (its `handoffs`, or the ones derived from its teams)."""
        handoffs = pact.handoffs_resolved()
        return cls(
            stages=tuple(pact.stage_names()),
            detours=tuple(detour.name for detour in pact.detours),
            **handoffs.model_dump(),
        )

    def index(self, stage: str) -> int:
        """The stage's position on the main path."""
        return self.stages.index(stage)

    def role(self, role: str) -> str:
        """The main stage that plays a hand-off role (mql, sal, sql, opportunity, won)."""
        if role not in HANDOFF_ROLES:
            raise AnalyticsError(f"unknown hand-off {role!r}; choose one of {', '.join(HANDOFF_ROLES)}")
        return str(getattr(self, role))
