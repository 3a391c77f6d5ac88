"""The one composition root: settings, the engine, the pact in force (parsed once per stored version), every
service and every event handler. The CLI, the API and the worker are thin edges over an `App`; a capability
added later is a folder plus a few lines here.

Handlers run in the order registered, inside the transaction of the change that raised their events:
1. `cycle.lifecycle_rules`: the pact's lifecycle rules on new people, touches and opportunities (cycle/handlers.py);
2. `scoring.rescore`: rescore the people a change touched, once per change (scoring/handlers.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import import_module
from threading import Lock
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from revcycle.config import Settings
from revcycle.cycle.events import AccountsChanged, OpportunitiesRecorded, PersonChanged, TouchesRecorded
from revcycle.errors import NotFound
from revcycle.pact.loader import load_pact
from revcycle.pact.schema import Pact
from revcycle.pact.service import ActivePact, PactService
from revcycle.pact.tables import PactVersion
from revcycle.store.events import Handlers
from revcycle.store.session import UnitOfWork, check_revision, make_engine

if TYPE_CHECKING:
    from revcycle.cycle.service import CycleService
    from revcycle.ingest.service import ImportService
    from revcycle.money.service import RatesService
    from revcycle.scoring.review import ReviewService
    from revcycle.scoring.service import ScoringService

__all__ = ["App", "Pacts", "bootstrap", "register_handlers"]

Extra = Callable[[Handlers], None]


class Pacts:
    """The pact in force, parsed once per stored version: a request reads it, it is not re-validated each time.
    Looking up which version is in force is one indexed query; a new `pact apply` is seen at once."""

    def __init__(self) -> None:
        self._parsed: dict[int, ActivePact] = {}
        self._lock = Lock()

    def active(self, uow: UnitOfWork) -> ActivePact:
        """The pact in force, or NotFound saying how to apply one."""
        with uow.begin() as session:
            found = session.execute(
                select(PactVersion.id).order_by(PactVersion.number.desc()).limit(1)
            ).scalar_one_or_none()
        if found is None:
            raise NotFound(
                "no pact has been applied yet: run `revcycle pact apply FILE` (or `revcycle pact apply --example`)"
            )
        if found not in self._parsed:
            active = PactService(uow).active()
            with self._lock:
                self._parsed[active.version_id] = active
        return self._parsed[found]

    def of(self, session: Session, version_id: int | None) -> Pact:
        """The pact of a stored version (the one an event was raised under), parsed once."""
        if version_id is None:
            raise NotFound("an event was raised under no pact version")
        if version_id not in self._parsed:
            version = session.get(PactVersion, version_id)
            if version is None:
                raise NotFound(f"there is no stored pact version #{version_id}")
            active = ActivePact(load_pact(version.text, source=f"v{version.number}"), version.number, version.id,
                                version.author, version.applied_at, version.text)
            with self._lock:
                self._parsed[version_id] = active
        return self._parsed[version_id].pact


def register_handlers(handlers: Handlers, pacts: Pacts) -> Handlers:
    """Every reaction to events, in the order they run."""
    handlers.gather(PersonChanged, TouchesRecorded, OpportunitiesRecorded, name="cycle.lifecycle_rules")(
        _lazy("revcycle.cycle.handlers", "apply_lifecycle_rules", pacts)
    )
    handlers.gather(TouchesRecorded, PersonChanged, AccountsChanged, name="scoring.rescore")(
        _lazy("revcycle.scoring.handlers", "rescore_touched", pacts)
    )
    return handlers


def _lazy(module: str, factory: str, pacts: Pacts) -> Callable[[list[Any], Session], None]:
    """A handler built on its first event: a command that raises none (`pact show`) never imports scoring's
    numerical libraries."""
    built: list[Callable[[list[Any], Session], None]] = []

    def handle(events: list[Any], session: Session) -> None:
        if not built:
            built.append(getattr(import_module(module), factory)(pacts.of))
        built[0](events, session)

    return handle


@dataclass
class App:
    """revcycle composed: one per process (the CLI makes one per command, the API one per worker)."""

    settings: Settings
    extra_handlers: list[Extra] = field(default_factory=list)
    _engine: Engine | None = field(default=None, repr=False)
    _checked: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        self.pacts = Pacts()
        self.handlers = register_handlers(Handlers(), self.pacts)
        for extra in self.extra_handlers:
            extra(self.handlers)

    @classmethod
    def for_engine(cls, engine: Engine, *, actor: str = "cli", extra_handlers: list[Extra] | None = None) -> App:
        """An app over an engine that exists already (tests, the demo)."""
        app = cls(Settings(database_url=engine.url.render_as_string(hide_password=False), actor=actor),
                  extra_handlers or [])
        app._engine = engine
        return app

    @property
    def engine(self) -> Engine:
        """The store's engine, made on first use (a command that needs no store never connects)."""
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    def close(self) -> None:
        """Close the engine's pooled connections (the app can be used again: a new engine is made)."""
        if self._engine is not None:
            self._engine.dispose()

    def uow(self, *, check: bool = True) -> UnitOfWork:
        """A unit of work with every handler; the schema is checked once per app."""
        if check and not self._checked:
            check_revision(self.engine)
            self._checked = True
        return UnitOfWork(self.engine, self.handlers)

    def pact(self) -> ActivePact:
        """The pact in force (parsed once per version)."""
        return self.pacts.active(self.uow())

    @property
    def imports(self) -> ImportService:
        from revcycle.ingest.service import ImportService

        return ImportService(self.uow(), pacts=self.pact)

    @property
    def cycle(self) -> CycleService:
        from revcycle.cycle.service import CycleService

        return CycleService(self.uow(), pacts=self.pact)

    @property
    def scoring(self) -> ScoringService:
        from revcycle.scoring.service import ScoringService

        return ScoringService(self.uow(), pacts=self.pact)

    @property
    def review(self) -> ReviewService:
        from revcycle.scoring.review import ReviewService

        return ReviewService(self.uow(), pacts=self.pact)

    @property
    def rates(self) -> RatesService:
        from revcycle.money.service import RatesService

        return RatesService(self.uow(), pact=self._pact_or_none)

    def _pact_or_none(self) -> Pact | None:
        try:
            return self.pact().pact
        except NotFound:
            return None

    @property
    def pact_service(self) -> PactService:
        return PactService(self.uow())

    @staticmethod
    def now() -> datetime:
        """The edges read the clock; services get `now` as a parameter."""
        return datetime.now(UTC)


def bootstrap(settings: Settings | None = None, *, extra_handlers: list[Extra] | None = None) -> App:
    """The app for these settings (from the environment when not given)."""
    return App(settings or Settings.from_env(), extra_handlers or [])
