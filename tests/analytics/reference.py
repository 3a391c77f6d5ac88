"""Independent pandas computations of every report, straight from the store's rows (no Ibis involved)."""

from __future__ import annotations

import numpy as np
import pandas as pd

STAGES = ["known", "engaged", "mql", "sal", "sql", "opportunity", "customer"]
DAY = 86_400.0


def sources(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each person's lead source (first touch channel) and whether marketing sourced them."""
    touch = f["touchpoint"].sort_values(["person_id", "occurred_at", "id"])
    first = touch.groupby("person_id").head(1).set_index("person_id")
    people = f["person"].set_index("id")
    out = pd.DataFrame(index=people.index)
    out["source"] = first.channel.reindex(out.index).fillna("none")
    out["sourced"] = (first.user_id.isna() & (first.channel.fillna("") != "sales")).reindex(out.index).fillna(False)
    out["created_at"] = people.created_at
    return out


WON, MQL = STAGES.index("customer"), STAGES.index("mql")


def reach(f: dict[str, pd.DataFrame], renewal: bool = True) -> pd.DataFrame:
    """(person_id, step, at): when each person reached each step, by the rule written in the product's words,
    walked person by person over their moves in time order (no set logic shared with the product):
    a lead step is reached by a move into it or a later lead step before the first move into `customer`;
    `customer` by a first move into it that follows a move into mql..opportunity; renewed on its own."""
    change = f["stage_change"].sort_values(["person_id", "at", "id"])
    rows: list[tuple[int, int, pd.Timestamp]] = []
    for person, moves in change.groupby("person_id"):
        first: dict[int, pd.Timestamp] = {}
        was_lead, customer = False, False
        for stage, at in zip(moves.to_stage, pd.to_datetime(moves["at"]), strict=True):
            if stage not in STAGES:
                continue
            index = STAGES.index(stage)
            if index < WON and not customer:
                for step in range(index + 1):
                    first.setdefault(step, at)
                was_lead = was_lead or index >= MQL
            elif index >= WON:
                if not customer and not was_lead:
                    break  # an existing customer: nothing from here on counts as reach
                customer = True
                for step in range(WON, index + 1):
                    first.setdefault(step, at)
        rows.extend((int(person), step, at) for step, at in first.items())
    out = pd.DataFrame(rows, columns=["person_id", "step", "at"])
    if renewal:
        renewed = renewed_people(f)
        out = pd.concat([out, renewed.assign(step=len(STAGES))[["person_id", "step", "at"]]], ignore_index=True)
    return out.assign(at=pd.to_datetime(out["at"]), step=out["step"].astype("int64"))


def existing_customers(f: dict[str, pd.DataFrame]) -> set[int]:
    """People whose first move into customer came before any move into mql..opportunity."""
    change = f["stage_change"].sort_values(["person_id", "at", "id"])
    found = set()
    for person, moves in change.groupby("person_id"):
        for stage in moves.to_stage:
            if stage in STAGES[MQL:WON]:
                break
            if stage in STAGES[WON:]:
                found.add(int(person))
                break
    return found


def renewed_people(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(person_id, at): the first time each person was on a won renewal (primary or contact) when it closed."""
    opp, contact = f["opportunity"], f["opportunity_contact"]
    won = opp[(opp.kind == "renewal") & (opp.status == "won") & opp.closed_at.notna()]
    people = pd.concat(
        [
            won[["id", "person_id"]].dropna().rename(columns={"id": "opportunity_id"}),
            contact[contact.opportunity_id.isin(won.id)][["opportunity_id", "person_id"]],
        ]
    )
    people = people.merge(won[["id", "closed_at"]], left_on="opportunity_id", right_on="id")
    return people.groupby("person_id").closed_at.min().rename("at").reset_index()


def funnel_by_source(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(group, step) -> people, days_p50, days_p90."""
    src = sources(f)
    r = reach(f).merge(src, left_on="person_id", right_index=True)
    r["days"] = (r["at"] - r.created_at).dt.total_seconds() / DAY
    grouped = r.groupby(["source", "step"]).days
    return pd.DataFrame(
        {"people": grouped.size(), "days_p50": grouped.quantile(0.5), "days_p90": grouped.quantile(0.9)}
    )


def time_in_stage(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    change = f["stage_change"].sort_values(["person_id", "at", "id"])
    following = change.groupby("person_id")["at"].shift(-1)
    days = ((following - change["at"]).dt.total_seconds() / DAY).dropna()
    grouped = change.loc[days.index].assign(days=days).groupby("to_stage").days
    return pd.DataFrame(
        {
            "stays": grouped.size(),
            "days_p50": grouped.quantile(0.5),
            "days_p90": grouped.quantile(0.9),
            "days_mean": grouped.mean(),
        }
    )


def opportunity_people(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    opp, contact = f["opportunity"], f["opportunity_contact"]
    primary = opp[["id", "person_id"]].dropna().rename(columns={"id": "opportunity_id"})
    return pd.concat([primary, contact[["opportunity_id", "person_id"]]]).drop_duplicates()


def kpis(f: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The KPI report's numbers for all time, new business, no grouping."""
    src = sources(f)
    r = reach(f, renewal=False)
    reached = {stage: set(r[r.step == STAGES.index(stage)].person_id) for stage in ("mql", "sal", "opportunity")}
    opp = f["opportunity"][f["opportunity"].kind == "new_business"].copy()
    opp["sourced"] = opp.person_id.map(src.sourced).fillna(False).astype(bool)
    touch = f["touchpoint"]
    marketing = touch[touch.user_id.isna() & (touch.channel.fillna("") != "sales")]
    pairs = opportunity_people(f).merge(opp[["id", "created_at"]], left_on="opportunity_id", right_on="id")
    hits = pairs.merge(marketing[["person_id", "occurred_at"]], on="person_id")
    influenced = set(hits[hits.occurred_at < hits.created_at].opportunity_id)
    opp["influenced"] = opp.id.isin(influenced)
    won = opp[opp.status == "won"]
    cycle = (won.closed_at - won.created_at).dt.total_seconds() / DAY
    return {
        "leads": len(src),
        "mqls": len(reached["mql"]),
        "accepted": len(reached["sal"]),
        "reached_opportunity": len(reached["opportunity"]),
        "opportunities": len(opp),
        "pipeline": opp.amount.sum(),
        "sourced_pipeline": opp.amount[opp.sourced].sum(),
        "influenced_pipeline": opp.amount[opp.influenced].sum(),
        "won": len(won),
        "lost": int((opp.status == "lost").sum()),
        "revenue": won.amount.sum(),
        "influenced_revenue": won.amount[won.influenced].sum(),
        "cycle_days_p50": float(np.median(cycle)),
        "cycle_days_p90": float(np.percentile(cycle, 90)),
        **first_contact(f),
    }


def first_contact(f: dict[str, pd.DataFrame]) -> dict[str, float]:
    change = f["stage_change"]
    handoffs = change[change.to_stage == "mql"][["id", "person_id", "at"]]
    touch = f["touchpoint"]
    activity = touch[touch.user_id.notna() & touch.type.isin(["call", "email", "meeting"])]
    joined = handoffs.merge(activity[["person_id", "occurred_at"]], on="person_id")
    joined = joined[joined.occurred_at >= joined["at"]]
    first = joined.groupby("id").agg(at=("at", "first"), first=("occurred_at", "min"))
    hours = (first["first"] - first["at"]).dt.total_seconds() / 3600
    return {"handoffs": len(handoffs), "contacted": len(first), "contact_hours_p50": float(np.median(hours))}


def channels(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    src = sources(f)
    campaign = f["campaign"]
    spend = campaign.groupby(campaign.channel.fillna("none")).cost.sum()
    leads = src.groupby("source").size()
    opp = f["opportunity"]
    won = opp[(opp.status == "won") & opp.account_id.notna()]
    new = won[won.kind == "new_business"].sort_values(["account_id", "closed_at", "id"]).groupby("account_id").head(1)
    new = new.assign(channel=new.person_id.map(src.source)).dropna(subset=["channel"])
    lifetime = won.groupby("account_id").amount.sum()
    customers = new.groupby("channel").size()
    new_revenue = new.groupby("channel").amount.sum()
    ltv = new.assign(lifetime=new.account_id.map(lifetime)).groupby("channel").lifetime.sum() / customers
    return pd.DataFrame(
        {"spend": spend, "leads": leads, "customers": customers, "new_revenue": new_revenue, "ltv": ltv}
    ).fillna({"spend": 0.0, "leads": 0, "customers": 0, "new_revenue": 0.0})


def content(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    touch = f["touchpoint"].dropna(subset=["content"])
    opp = f["opportunity"][f["opportunity"].kind == "new_business"]
    pairs = opportunity_people(f).merge(opp[["id", "created_at", "amount"]], left_on="opportunity_id", right_on="id")
    hits = pairs.merge(touch[["person_id", "occurred_at", "content"]], on="person_id")
    hits = hits[hits.occurred_at < hits.created_at].drop_duplicates(["content", "opportunity_id"])
    grouped = hits.groupby("content")
    return pd.DataFrame(
        {
            "opportunities": grouped.size(),
            "pipeline": grouped.amount.sum(),
            "people": touch.groupby("content").person_id.nunique(),
        }
    ).fillna(0)


def opportunity_journeys(f: dict[str, pd.DataFrame], lookback_days: float) -> list[tuple[list[str], bool, float]]:
    """(collapsed channel path, won, value) per closed new-business opportunity, touches of all its people
    up to the close, marketing's only, inside the lookback window."""
    opp = f["opportunity"]
    opp = opp[(opp.kind == "new_business") & opp.status.isin(["won", "lost"])]
    touch = f["touchpoint"]
    marketing = touch[touch.user_id.isna() & (touch.channel.fillna("") != "sales")]
    people = opportunity_people(f)
    journeys = []
    for row in opp.itertuples():
        members = people[people.opportunity_id == row.id].person_id
        mine = marketing[marketing.person_id.isin(members)]
        age = (row.closed_at - mine.occurred_at).dt.total_seconds()
        mine = mine[(age >= 0) & (age <= lookback_days * DAY)].sort_values(["occurred_at", "id"])
        path = [c for c in mine.channel.fillna("none")]
        collapsed = [c for i, c in enumerate(path) if i == 0 or path[i - 1] != c]
        won = row.status == "won"
        if not collapsed:
            if not won:
                continue
            collapsed = ["direct"]
        journeys.append((collapsed, won, float(row.amount) if won else 0.0))
    return journeys


DETOURS = ["recycled", "disqualified", "lost"]


def entries_by_source(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(source, stage) -> moves into the stage and people who moved into it, for every stage and detour."""
    src = sources(f)
    change = f["stage_change"]
    moves = change[change.to_stage.isin(STAGES + DETOURS)].merge(src, left_on="person_id", right_index=True)
    grouped = moves.groupby(["source", "to_stage"])
    return pd.DataFrame({"entries": grouped.size(), "people": grouped.person_id.nunique()})
