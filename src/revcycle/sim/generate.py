"""Running a simulation: the team and campaigns once, then the market chunk by chunk, streamed to CSV.

Memory stays flat: a chunk of people (with their accounts, journeys, stage moves and deals) is generated,
written and dropped before the next. Each chunk draws from its own seeded streams (one for the market,
one for the mode's behaviour), so both modes share the market and a run never depends on timing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from revcycle.pact.loader import example_pact_text, load_pact
from revcycle.pact.schema import Pact
from revcycle.sim import encode
from revcycle.sim.campaigns import Campaigns, plan_campaigns
from revcycle.sim.deals import build_deals
from revcycle.sim.files import CsvFiles
from revcycle.sim.followup import follow_up
from revcycle.sim.handoff import hand_off
from revcycle.sim.journeys import Touches, build_journeys, url_list
from revcycle.sim.market import build_market
from revcycle.sim.moves import Moves, SalesTouches
from revcycle.sim.nurture import Nurture
from revcycle.sim.params import SimParams, SimSummary, check_out_dir, check_params
from revcycle.sim.qualify import Qualifier
from revcycle.sim.rows import Numbering, Writer
from revcycle.sim.team import Team, build_team
from revcycle.sim.truth import BEHAVIOURS, truth_document
from revcycle.sim.vocab import Channel
from revcycle.sim.worktime import epoch_seconds

__all__ = ["CHUNK_PEOPLE", "Progress", "generate"]

CHUNK_PEOPLE = 20_000  # part of the output's definition: changing it changes the files for a seed
Progress = Callable[[str, int, int], None]
MARKET, BEHAVIOUR, TEAM, COSTS = 1, 2, 3, 4  # random streams


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


@dataclass(frozen=True)
class _Run:
    """What stays fixed for the whole run."""

    params: SimParams
    start: int
    end: int
    team: Team
    campaigns: Campaigns
    writer: Writer
    numbering: Numbering
    qualifier: Qualifier
    nurture: Nurture


def _prepare(params: SimParams, pact: Pact) -> _Run:
    last = params.last
    team = build_team(_rng(params.seed, TEAM), params.people, params.start, last)
    campaigns = plan_campaigns(params.start, params.months)
    numbering = Numbering(width=encode.digits_width(params.people * 1000))
    urls = url_list(campaigns)
    writer = Writer(team, campaigns, urls, numbering)
    qualifier = Qualifier(pact, campaigns, urls)
    behaviour = BEHAVIOURS[params.mode]
    nurture = Nurture(qualifier, campaigns, behaviour.return_after_days, epoch_seconds(last))
    return _Run(params, epoch_seconds(params.start), epoch_seconds(last), team, campaigns, writer, numbering,
                qualifier, nurture)


def _merge(marketing: Touches, sales: dict[str, np.ndarray]) -> Touches:
    """Marketing and sales touches in one table, sorted by person then time."""
    size = len(sales["at"])
    none = np.full(size, -1, dtype=np.int64)
    parts = {
        "person": sales["person"],
        "at": sales["at"],
        "type": sales["type"],
        "channel": np.full(size, int(Channel.SALES), dtype=np.int64),
        "campaign": none,
        "content": none,
        "url": none,
        "utm": none,
        "variant": none,
        "user": sales["user"],
    }
    merged = {name: np.concatenate([getattr(marketing, name), parts[name]]) for name in parts}
    order = np.lexsort((np.arange(len(merged["at"])), merged["at"], merged["person"]))
    return Touches(**{name: values[order] for name, values in merged.items()})


def _chunk(run: _Run, files: CsvFiles, index: int, people: int, campaign_touches: np.ndarray) -> None:
    params, writer, n = run.params, run.writer, run.numbering
    rng = _rng(params.seed, MARKET, index)
    market = build_market(rng, people, n.accounts, (run.end - run.start) / 86_400, run.team)
    journeys = build_journeys(rng, market, run.campaigns, run.start, run.end)
    acting = _rng(params.seed, BEHAVIOUR, index)
    behaviour = BEHAVIOURS[params.mode]
    moves, sales = Moves(), SalesTouches()
    owners = market.account_owner
    handoffs = hand_off(
        acting,
        market,
        journeys.touches,
        journeys.created_at,
        behaviour,
        moves,
        run.team.marketing_ops,
        owners,
        run.qualifier,
    )
    candidates, owner, marketing = follow_up(
        acting,
        market,
        journeys.source,
        handoffs,
        journeys.touches,
        behaviour,
        run.team,
        moves,
        sales,
        run.nurture,
    )
    deals = build_deals(
        acting,
        market,
        journeys.source,
        journeys.created_at,
        candidates,
        run.team,
        moves,
        sales,
        run.start,
        run.end,
    )
    owner[deals.person[deals.kind == 0]] = deals.owner[deals.kind == 0]
    touches = _merge(marketing, sales.arrays(run.end))
    campaign_touches += np.bincount(touches.campaign[touches.campaign >= 0], minlength=len(campaign_touches))
    stage_rows = moves.arrays(run.end)
    files.write("accounts", writer.account_columns(market, journeys.created_at, run.start))
    files.write("people", writer.people_columns(market, journeys.created_at, owner))
    files.write("touchpoints", writer.touch_columns(touches))
    files.write("stages", writer.stage_columns(stage_rows))
    files.write("opportunities", writer.opportunity_columns(deals, market))
    n.people += people
    n.accounts += len(market.account_name)
    n.touches += len(touches.at)
    n.stages += len(stage_rows["at"])
    n.opportunities += len(deals.person)


def generate(
    params: SimParams,
    out_dir: Path,
    *,
    force: bool = False,
    progress: Progress | None = None,
    pact: Pact | None = None,
) -> SimSummary:
    """Writes a simulated company's users, accounts, campaigns, people, stages, touchpoints and opportunities
    (CSV per docs/imports.md) and truth.json into `out_dir`; the same params and pact give the same bytes. The
    aligned company qualifies its MQLs by `pact` (default: the example pact, the one `revcycle demo` applies)."""
    check_params(params)
    out_dir = Path(out_dir)
    check_out_dir(out_dir, force=force)
    out_dir.mkdir(parents=True, exist_ok=True)
    run = _prepare(params, pact if pact is not None else load_pact(example_pact_text(), source="example pact"))
    chunks = -(-params.people // CHUNK_PEOPLE)
    with CsvFiles(out_dir) as files:
        files.write("users", run.writer.users_columns(run.team))
        campaign_touches = np.zeros(run.campaigns.count, dtype=np.int64)
        for index in range(chunks):
            people = min(CHUNK_PEOPLE, params.people - index * CHUNK_PEOPLE)
            _chunk(run, files, index, people, campaign_touches)
            if progress is not None:
                progress("people", run.numbering.people, params.people)
        costs = run.campaigns.costs(campaign_touches, _rng(params.seed, COSTS))
        files.write("campaigns", run.writer.campaign_columns(costs, run.end))
        files.commit()
    truth = out_dir / "truth.json"
    document = truth_document(params.mode, params.as_dict())
    truth.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return SimSummary(out_dir=out_dir, rows=dict(files.rows), truth=truth)
