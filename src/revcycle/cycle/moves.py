"""The one writer of stage moves: every move (an entry, a CRM's stage row, a move by hand, by scoring, by a
lifecycle rule) is recorded here, and each batch of moves is published as one `MovesRecorded` event.

Lifecycle rules are applied here too, by the rule in `cycle.lifecycle`: against the stage a person was in at
each happening's own time, and derived again when older stated history arrives."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from revcycle.cycle.events import MovesRecorded
from revcycle.cycle.lifecycle import Happening, Reactions, derive
from revcycle.cycle.model import Cycle, StageMoved
from revcycle.cycle.repository import CycleRepository
from revcycle.pact.conditions import Facts
from revcycle.pact.schema import CycleEvent
from revcycle.store.events import publish

__all__ = ["HISTORY_HORIZON", "MoveWriter"]

# A move older than this when it is recorded is history (an import bringing a CRM's past): recorded like any
# other, published with `history=True`, so routing and notifications leave it alone.
HISTORY_HORIZON = timedelta(days=1)

Move = tuple[int, StageMoved, dict[str, Any]]
RuleMove = tuple[int, str | None, str, datetime, str]  # a recorded rule move: id, from, to, at, actor


class MoveWriter:
    """Records moves in one transaction under one pact version, and publishes them."""

    def __init__(self, session: Session, cycle: Cycle, *, pact_version_id: int | None, now: datetime) -> None:
        self.session, self.cycle, self.now = session, cycle, now
        self.pact_version_id = pact_version_id
        self.repo = CycleRepository(session)
        self.rules = Reactions(cycle)

    def record(self, moves: Sequence[Move]) -> None:
        """Store moves (person id, move, extra columns: note, source_system, external_id) and publish them."""
        if not moves:
            return
        self.repo.record(moves, pact_version_id=self.pact_version_id)
        self._publish([(pid, move) for pid, move, _ in moves])

    def stated_states(self, person_ids: Iterable[int]) -> dict[int, tuple[str, datetime]]:
        """Where each person stands by their stated history (lifecycle rules' provisional moves left out): what
        a stated move (a CRM's stage row, a stage in a people file) is checked against."""
        return self.repo.stated_states(person_ids)

    def record_stated(self, moves: Sequence[Move]) -> None:
        """Store stated moves, then derive the lifecycle rules' moves of these people again after them."""
        if not moves:
            return
        people = sorted({pid for pid, _, _ in moves})
        stale = self.repo.rule_moves(people)
        self.repo.record(moves, pact_version_id=self.pact_version_id)
        self._publish([(pid, move) for pid, move, _ in moves])
        self._rederive(people, stale)

    def react(self, happenings: dict[int, list[Happening]]) -> None:
        """Apply the lifecycle rules to what happened to these people, each at its own time."""
        kinds = {h.event for hs in happenings.values() for h in hs}
        if not kinds or not any(rule.on in kinds for rule in self.cycle.pact.lifecycle):
            return
        entries = self.repo.entries(happenings)
        reacting = self.cycle.stages_reacting_to(kinds)
        forward: dict[int, list[Happening]] = {}
        late: list[int] = []
        for pid, found in happenings.items():
            if pid not in entries:
                continue
            stage, entered, created = entries[pid]
            shifted = [h if h.at >= created else Happening(created, h.event) for h in found]
            if all(h.at >= entered for h in shifted):
                if reacting is None or stage in reacting or len(kinds) > 1:
                    forward[pid] = shifted
            else:
                late.append(pid)
        redo = self.repo.entered_by_rule(late) if late else set()
        for pid in late:  # older than the last stated move: already accounted for by the record, unless the
            if pid not in redo:  # person stands where a rule put them: then the rules are derived again
                forward[pid] = [h for h in happenings[pid] if h.at >= entries[pid][1]]
        self._forward({pid: (entries[pid][0], entries[pid][1], hs) for pid, hs in forward.items() if hs})
        if redo:
            people = sorted(redo)
            self._rederive(people, self.repo.rule_moves(people))

    def _forward(self, people: dict[int, tuple[str, datetime, list[Happening]]]) -> None:
        moves: list[Move] = []
        for pid, (stage, since, found) in people.items():
            moves += [(pid, move, {}) for move in derive(self.rules, stage, since, found, facts=self._facts(pid))]
        self.record(moves)

    def _rederive(self, people: Collection[int], stale: dict[int, list[RuleMove]]) -> None:
        """Derive the rule moves of these people from their last stated move, over everything recorded about
        them since; a person whose derived moves are the ones recorded is left alone, the others' recorded rule
        moves are replaced (and everybody's current stage is set to their last move)."""
        stated = self.repo.stated_states(people)
        since = min((at for _, at in stated.values()), default=None)
        if since is None:
            return
        entries = self.repo.entries(stated)
        happenings = self._recorded_happenings(stated, since, {pid: e[2] for pid, e in entries.items()})
        moves: list[Move] = []
        dropped: list[int] = []
        current: dict[int, tuple[str, datetime]] = {}
        for pid, (stage, at) in stated.items():
            made = derive(self.rules, stage, at, happenings.get(pid, []), facts=self._facts(pid))
            old = stale.get(pid, [])
            current[pid] = (made[-1].to_stage, made[-1].at) if made else (stage, at)
            if [(m.from_stage, m.to_stage, m.at, m.actor) for m in made] == [o[1:] for o in old]:
                continue
            dropped += [o[0] for o in old]
            moves += [(pid, move, {}) for move in made]
        self.repo.delete_moves(dropped)
        self._record_new(moves, stale)
        self.repo.set_stages({pid: now for pid, now in current.items() if entries[pid][:2] != now})

    def _record_new(self, moves: list[Move], stale: dict[int, list[RuleMove]]) -> None:
        """Record derived moves; publish only those that were not recorded before (a move derived again is
        not news to anybody)."""
        if not moves:
            return
        self.repo.record(moves, pact_version_id=self.pact_version_id)
        before = {(pid, stage, at) for pid, found in stale.items() for _, _, stage, at, _ in found}
        self._publish([(pid, move) for pid, move, _ in moves if (pid, move.to_stage, move.at) not in before])

    def _recorded_happenings(
        self, people: Collection[int], since: datetime, created: dict[int, datetime]
    ) -> dict[int, list[Happening]]:
        """Everything stored that a lifecycle rule reacts to, per person, from `since` on."""
        kinds = {rule.on for rule in self.cycle.pact.lifecycle}
        found: dict[int, list[Happening]] = {}
        if CycleEvent.PERSON_CREATED in kinds:
            for pid in people:
                found.setdefault(pid, []).append(Happening(created[pid], CycleEvent.PERSON_CREATED))
        if CycleEvent.TOUCHPOINT_RECORDED in kinds:
            for pid, times in self.repo.touch_times(people, since=min([since, *created.values()])).items():
                found.setdefault(pid, []).extend(
                    Happening(max(at, created[pid]), CycleEvent.TOUCHPOINT_RECORDED) for at in times
                )
        if kinds - {CycleEvent.TOUCHPOINT_RECORDED, CycleEvent.PERSON_CREATED}:
            for pid, deals in self.repo.opportunity_times(people).items():
                found.setdefault(pid, []).extend(
                    Happening(max(at, created.get(pid, at)), event)
                    for opened, closed, status in deals
                    for event, at in opportunity_happenings(opened, closed, status, self.now)
                )
        return found

    def _facts(self, person_id: int) -> Callable[[], Facts] | None:
        """What a rule's `when:` reads about the person (only asked for when a rule has a condition)."""
        if not self.rules.conditional:
            return None
        from revcycle.scoring.repository import ScoringRepository  # the person's record, as conditions read it

        return lambda: ScoringRepository(self.session).facts(person_id)

    def _publish(self, moves: list[tuple[int, StageMoved]]) -> None:
        horizon = self.now - HISTORY_HORIZON
        for history in (True, False):
            chosen = tuple((pid, move) for pid, move in moves if (move.at < horizon) is history)
            if chosen:
                publish(self.session, MovesRecorded(
                    moves=chosen, pact_version_id=self.pact_version_id, now=self.now, history=history
                ))


def opportunity_happenings(
    opened: datetime | None, closed: datetime | None, status: str, now: datetime
) -> list[tuple[CycleEvent, datetime]]:
    """What an opportunity did, for the lifecycle rules: opened (at its creation, else its close, else now),
    then won or lost at its close."""
    happened = [(CycleEvent.OPPORTUNITY_CREATED, opened or closed or now)]
    if status in ("won", "lost") and closed is not None:
        happened.append((CycleEvent.OPPORTUNITY_WON if status == "won" else CycleEvent.OPPORTUNITY_LOST, closed))
    return happened
