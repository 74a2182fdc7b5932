"""The figures of docs/rules.md, one function each, shared by `tracker check` and reports.

Every function takes a DuckDB connection, a `Period` (inclusive dates), an
optional unit (None: every unit) and the `Rules`, and returns a polars frame
with one row per volunteer / team / unit / quarter / demand / pairing. The
roster and teams are those in force at the period's end (`roster_as_of`,
`teams_as_of`), so a past period uses that period's membership. Computation is
polars group_by/join over the frames the shared queries return; the one
all-history sum (cumulative hours) is aggregated inside DuckDB.

Counting choices, all from the rules file:
- service = activities whose kind is in `service_kinds` (+ pairing visits when
  `pairing_hours_count`); training and meeting hours are listed apart;
- an activity counts for the team that organized it; its hours go to each
  participant, whatever their own team;
- targets are pro rata to the days owed in the period (registration, team
  founding, withdrawal), over the days of the year.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from tracker.notice import TEN_HAVES
from tracker.periods import Period, owed_days, pro_rata, quarters_of
from tracker.rules import DEFAULTS, Rules
from tracker.store import queries, workcopy
from tracker.store.queries import unit_names

EPS = 1e-9  # hours are sums of decimals: 11.9 + 0.1 must meet 12
CLOSED_STATUSES = ("已办结", "无法办理")
ENDED_PAIR = "已结束"
_BEGINNING = dt.date(1900, 1, 1)

Unit = queries.Units  # one unit, several, or every unit (None)


def is_service(rules: Rules) -> pl.Expr:
    """The activities that count as service (rules: `service_kinds`)."""
    return pl.col("kind").is_in(list(rules.service_kinds))


def _service_totals(
    con: duckdb.DuckDBPyConnection, upto: dt.date, unit: Unit, rules: Rules
) -> pl.DataFrame:
    """vid, recorded_hours, last_service: all service recorded up to `upto`."""
    kinds = list(rules.service_kinds)
    marks = ", ".join("?" for _ in kinds)
    unit_sql, unit_params = queries.unit_clause(unit, "a.")
    src = workcopy.tables(con, unit, upto)  # a chunk's years so far, from the run's copy
    parts = [
        f"""SELECT p.vid, p.hours, a.date FROM {src.joined}
            WHERE a.date <= ?::DATE AND a.kind IN ({marks}){unit_sql}{src.only("a", "p")}"""
    ]
    params: list = [upto, *kinds, *unit_params]
    if rules.pairing_hours_count:
        parts.append(
            "SELECT vid, coalesce(hours, 0), date FROM pairing_visits WHERE date <= ?::DATE"
            + queries.unit_clause(unit)[0]
        )
        params += [upto, *unit_params]
    sql = f"""
        SELECT vid, sum(hours)::DOUBLE AS recorded_hours, max(date) AS last_service
        FROM ({" UNION ALL ".join(parts)}) s(vid, hours, date) GROUP BY vid
    """
    return queries.frame(con, sql, params)


def participations(con: duckdb.DuckDBPyConnection, period: Period, unit: Unit, rules: Rules) -> pl.DataFrame:
    """Participations in the period with `service` / `training` / `meeting` flags."""
    return queries.participations(con, period.start, period.end, unit).with_columns(
        service=is_service(rules),
        training=pl.col("kind") == rules.training_kind,
        meeting=pl.col("kind") == rules.meeting_kind,
    )


def volunteer_figures(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    unit: Unit = None,
    rules: Rules = DEFAULTS,
    *,
    roster: pl.DataFrame | None = None,
    parts: pl.DataFrame | None = None,
    visits: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per volunteer on the roster at the period's end who owed service in it.

    Withdrawn volunteers are kept (assessed up to their withdrawal) unless they
    left before the period began. Columns:
    unit, team, vid, number, name, leadership, registered, status, left, active,
    prior_hours; in the period: service_hours (= activity_hours + pairing_hours
    when they count), activity_hours, activities (service activities joined),
    pairing_hours, pairing_visits, training_hours, trainings, meeting_hours,
    meetings; last_service (latest service up to the period's end, any year);
    cumulative_hours (prior_hours + all service up to the period's end), stars;
    owed_days, target_hours (pro-rata `volunteer_hours`), met (达标). `roster`
    (`roster_as_of` the period's end), `parts` (`participations`) and `visits`
    (`queries.pairing_visits`) of the same period and unit may be passed if at hand.
    """
    if roster is None:
        roster = queries.roster_as_of(con, period.end, unit)
    if parts is None:
        parts = participations(con, period, unit, rules)
    if visits is None:
        visits = queries.pairing_visits(con, period.start, period.end, unit)
    roster = roster.filter(
        (pl.col("registered") <= period.end)
        & (pl.col("left").is_null() | (pl.col("left") > period.start))
        & ~((pl.col("status") == "退出") & pl.col("left").is_null())
    ).select(
        "unit", "team", "vid", "number", "name", "leadership", "registered", "status", "left",
        "active", pl.col("prior_hours").fill_null(0.0),
    )
    acts = parts.group_by("vid").agg(
        activity_hours=pl.col("hours").filter("service").sum(),
        activities=pl.col("aid").filter("service").n_unique(),
        training_hours=pl.col("hours").filter("training").sum(),
        trainings=pl.col("aid").filter("training").n_unique(),
        meeting_hours=pl.col("hours").filter("meeting").sum(),
        meetings=pl.col("aid").filter("meeting").n_unique(),
    )
    per_visitor = visits.group_by("vid").agg(
        pairing_hours=pl.col("hours").fill_null(0.0).sum(), pairing_visits=pl.len()
    )
    totals = _service_totals(con, period.end, unit, rules)
    counts = ["activities", "trainings", "meetings", "pairing_visits"]
    hours = ["activity_hours", "training_hours", "meeting_hours", "pairing_hours"]
    df = (
        roster.join(acts, on="vid", how="left")
        .join(per_visitor, on="vid", how="left")
        .join(totals, on="vid", how="left")
        .with_columns(
            [pl.col(c).fill_null(0).cast(pl.Int64) for c in counts]
            + [pl.col(c).fill_null(0.0).cast(pl.Float64) for c in [*hours, "recorded_hours"]]
        )
    )
    pairing = pl.col("pairing_hours") if rules.pairing_hours_count else pl.lit(0.0)
    cumulative = pl.col("prior_hours") + pl.col("recorded_hours")
    return (
        df.with_columns(
            service_hours=pl.col("activity_hours") + pairing,
            cumulative_hours=cumulative,
            stars=rules.star_level(cumulative),
            owed_days=owed_days(period, "registered", "left"),
            target_hours=pro_rata(rules.volunteer_hours, period, "registered", "left"),
        )
        .with_columns(met=pl.col("service_hours") + EPS >= pl.col("target_hours"))
        .drop("recorded_hours")
        .sort("unit", "team", "vid", nulls_last=True)
    )


def team_figures(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    unit: Unit = None,
    rules: Rules = DEFAULTS,
    *,
    volunteers: pl.DataFrame | None = None,
    activities: pl.DataFrame | None = None,
    parts: pl.DataFrame | None = None,
    teams: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per team registered at the period's end.

    Columns: unit, team, short_name, leader, founded, the ten 十有 flags,
    ten_score (x/10), ten_missing (names marked 无), ten_unknown (not filled);
    activities (service activities organized in the period), participants
    (distinct volunteers, any team), hours (their service hours in those
    activities), themes (distinct themes), themes_missing (main themes of the
    rules not covered), members (active at the period's end), members_met
    (members meeting their pro-rata hours target), target_activities (pro rata
    from founding), activities_met. Pass `volunteers` (`volunteer_figures`)
    and `activities` (`queries.activities`), `parts` (`participations`) and
    `teams` (`teams_as_of` the end) of the same period and unit to avoid
    computing them again.
    """
    if teams is None:
        teams = queries.teams_as_of(con, period.end, unit)
    if parts is None:
        parts = participations(con, period, unit, rules)
    p = parts.filter("service")
    per_team = p.group_by("unit", "team").agg(
        participants=pl.col("vid").n_unique(), hours=pl.col("hours").sum()
    )
    if activities is None:
        activities = queries.activities(con, period.start, period.end, unit)
    acts = activities.filter(is_service(rules))
    cover = [
        pl.col("theme").str.contains(t, literal=True).fill_null(False).any().alias(f"_theme{i}")
        for i, t in enumerate(rules.themes)
    ]
    themes = acts.group_by("unit", "team").agg(
        pl.len().alias("activities"),
        pl.col("theme").drop_nulls().unique().sort().alias("themes"),
        *cover,
    )
    if volunteers is None:
        volunteers = volunteer_figures(con, period, unit, rules)
    members = (
        volunteers.filter("active")
        .group_by("unit", "team")
        .agg(members=pl.len(), members_met=pl.col("met").sum())
    )
    df = (
        teams.join(per_team, on=["unit", "team"], how="left")
        .join(themes, on=["unit", "team"], how="left")
        .join(members, on=["unit", "team"], how="left")
    )
    covered = [pl.col(f"_theme{i}").fill_null(False) for i in range(len(rules.themes))]
    flag_names = lambda test: pl.concat_list(  # noqa: E731
        [pl.when(test(pl.col(k))).then(pl.lit(h)) for k, h in TEN_HAVES]
    ).list.drop_nulls()
    return (
        df.with_columns(
            [pl.col(c).fill_null(0).cast(pl.Int64) for c in ("activities", "participants", "members", "members_met")]
            + [
                pl.col("hours").fill_null(0.0),
                pl.col("themes").fill_null(pl.lit([], dtype=pl.List(pl.String))),
                pl.concat_list(
                    [pl.when(~c).then(pl.lit(t)) for c, t in zip(covered, rules.themes, strict=True)]
                ).list.drop_nulls().alias("themes_missing"),
                flag_names(lambda c: c.not_()).alias("ten_missing"),
                flag_names(lambda c: c.is_null()).alias("ten_unknown"),
                pro_rata(rules.team_activities, period, "founded").alias("target_activities"),
            ]
        )
        .with_columns(activities_met=pl.col("activities") + EPS >= pl.col("target_activities"))
        .drop([f"_theme{i}" for i in range(len(rules.themes))])
        .sort("unit", "team")
    )


def quarterly_meetings(
    con: duckdb.DuckDBPyConnection,
    year: int,
    unit: Unit = None,
    rules: Rules = DEFAULTS,
    upto: dt.date | None = None,
    *,
    activities: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """unit, quarter (1-4), start, end, label, meetings (activities of the meeting kind).

    With `upto`, only meetings held by that date count (a check as of a date).
    `activities` may be passed if already fetched for 1 January to `upto`.
    """
    qs = pl.DataFrame(
        {
            "quarter": [q for q, _ in quarters_of(year)],
            "start": [p.start for _, p in quarters_of(year)],
            "end": [p.end for _, p in quarters_of(year)],
            "label": [p.label for _, p in quarters_of(year)],
        }
    )
    last = min(upto, dt.date(year, 12, 31)) if upto is not None else dt.date(year, 12, 31)
    acts = activities if activities is not None else queries.activities(
        con, dt.date(year, 1, 1), last, unit
    )
    counts = (
        acts.filter(pl.col("kind") == rules.meeting_kind)
        .with_columns(quarter=((pl.col("date").dt.month() - 1) // 3 + 1).cast(pl.Int64))
        .group_by("unit", "quarter")
        .agg(meetings=pl.len())
    )
    grid = pl.DataFrame({"unit": unit_names(con, unit)}, schema={"unit": pl.String}).join(
        qs, how="cross"
    )
    return (
        grid.join(counts, on=["unit", "quarter"], how="left")
        .with_columns(pl.col("meetings").fill_null(0).cast(pl.Int64))
        .sort("unit", "quarter")
    )


def demand_figures(
    con: duckdb.DuckDBPyConnection, period: Period, unit: Unit = None, rules: Rules = DEFAULTS
) -> pl.DataFrame:
    """One row per demand received by the period's end, in its state at that end.

    Columns: unit, demand_id, received, team, content, category, status (at the
    period's end, from the status history), closed_on (办结 or 无法办理 date),
    is_closed, days_open (open ones, to the period's end), overdue (open more
    than `demand_overdue_days`), days_to_close, received_in_period,
    closed_in_period.
    """
    end = period.end
    d = queries.demands(con, unit).filter(pl.col("received") <= end)
    where, params = queries.unit_clause(unit)
    hist = queries.frame(
        con, f"SELECT unit, demand_id, status, changed_on FROM demand_history WHERE TRUE{where}", params)
    closed_first = (
        hist.filter(pl.col("status").is_in(CLOSED_STATUSES))
        .group_by("unit", "demand_id")
        .agg(hist_closed=pl.col("changed_on").min())
    )
    at_end = (
        hist.filter(pl.col("changed_on") <= end)
        .sort("changed_on")
        .group_by("unit", "demand_id")
        .agg(status_at_end=pl.col("status").last())
    )
    df = (
        d.join(closed_first, on=["unit", "demand_id"], how="left")
        .join(at_end, on=["unit", "demand_id"], how="left")
        .with_columns(
            closed_on=pl.when(pl.col("status").is_in(CLOSED_STATUSES) | pl.col("hist_closed").is_not_null())
            .then(pl.coalesce("closed", "hist_closed"))
        )
        .with_columns(is_closed=pl.col("closed_on").is_not_null() & (pl.col("closed_on") <= end))
        .with_columns(
            status=pl.coalesce(
                "status_at_end",
                pl.when(pl.col("is_closed")).then(pl.col("status")).otherwise(pl.lit("待办理")),
            )
        )
    )
    open_days = (pl.lit(end) - pl.col("received")).dt.total_days()
    return df.select(
        "unit", "demand_id", "received", "team", "content", "category", "status", "closed_on",
        "is_closed",
        days_open=pl.when(~pl.col("is_closed")).then(open_days),
        overdue=~pl.col("is_closed") & (open_days > rules.demand_overdue_days),
        days_to_close=pl.when(pl.col("is_closed")).then(
            (pl.col("closed_on") - pl.col("received")).dt.total_days()
        ),
        received_in_period=pl.col("received") >= period.start,
        closed_in_period=pl.col("is_closed") & (pl.col("closed_on") >= period.start),
    ).sort("unit", "received", "demand_id")


def pairing_figures(
    con: duckdb.DuckDBPyConnection, period: Period, unit: Unit = None, rules: Rules = DEFAULTS
) -> pl.DataFrame:
    """One row per pairing visited in the period or still ongoing at its end.

    Columns: unit, pair_id, vid, volunteer (name), recipient, recipient_kind,
    status (结对状态 at the last visit; null = not filled), ongoing, visits and
    hours in the period, first_visit, last_visit (up to the period's end),
    days_since (to the period's end), overdue (ongoing and no visit for more
    than `pairing_overdue_days`).
    """
    v = queries.pairing_visits(con, _BEGINNING, period.end, unit)
    in_period = pl.col("date") >= period.start
    pairs = v.sort("date").group_by("unit", "pair_id").agg(
        pl.col("vid").last(),
        pl.col("recipient").last(),
        pl.col("recipient_kind").last(),
        status=pl.col("pair_status").last(),
        visits=in_period.sum().cast(pl.Int64),
        hours=pl.col("hours").fill_null(0.0).filter(in_period).sum(),
        first_visit=pl.col("date").min(),
        last_visit=pl.col("date").max(),
    )
    names = queries.frame(con, "SELECT vid, name AS volunteer FROM volunteers WHERE vid IN (SELECT unnest(?::INTEGER[]))",
                          [pairs["vid"].drop_nulls().unique().to_list()])  # the visits' people, not a province's
    days = (pl.lit(period.end) - pl.col("last_visit")).dt.total_days()
    ongoing = pl.col("status").is_null() | (pl.col("status") != ENDED_PAIR)
    return (
        pairs.join(names, on="vid", how="left")
        .with_columns(ongoing=ongoing, days_since=days)
        .with_columns(overdue=pl.col("ongoing") & (pl.col("days_since") > rules.pairing_overdue_days))
        .filter((pl.col("visits") > 0) | pl.col("ongoing"))
        .select(
            "unit", "pair_id", "vid", "volunteer", "recipient", "recipient_kind", "status",
            "ongoing", "visits", "hours", "first_visit", "last_visit", "days_since", "overdue",
        )
        .sort("unit", "pair_id")
    )


def unit_figures(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    unit: Unit = None,
    rules: Rules = DEFAULTS,
    *,
    demands: pl.DataFrame | None = None,
    pairings: pl.DataFrame | None = None,
    counts: pl.DataFrame | None = None,
    roster: pl.DataFrame | None = None,
    teams: pl.DataFrame | None = None,
    visits: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per unit (R1, R2, R5, R6 and the demand / pairing registers).

    Columns: unit, parent, party_members, formal_members, volunteers (active
    at the period's end), ratio (volunteers / formal members; null when
    unknown), teams (registered at the end), band_min, band_max, band_ok;
    in the period: service_activities, service_hours (service activities plus
    pairing visits when they count), pairing_visits, pairing_hours, trainings, meetings;
    demands_received, demands_closed, demands_overdue (at the end),
    median_days_to_close; pairings, pairings_overdue. Per-quarter meetings are
    in `quarterly_meetings`. The keyword frames, if at hand for the same
    period and unit, save fetching them again.
    """
    names = pl.DataFrame({"unit": unit_names(con, unit)}, schema={"unit": pl.String})
    info = queries.units(con, unit).unique("unit", keep="last").select(
        "unit", "parent", "party_members", "formal_members"
    )
    if roster is None:
        roster = queries.roster_as_of(con, period.end, unit)
    if teams is None:
        teams = queries.teams_as_of(con, period.end, unit)
    if visits is None:
        visits = queries.pairing_visits(con, period.start, period.end, unit)
    vols = (
        roster
        .filter("active")
        .group_by("unit")
        .agg(volunteers=pl.len())
    )
    team_counts = teams.group_by("unit").agg(teams=pl.len())
    if counts is None:
        counts = queries.activity_counts(con, period.start, period.end, unit)
    acts = counts.group_by("unit").agg(
        service_activities=pl.col("activities").filter(is_service(rules)).sum(),
        service_hours=pl.col("hours").filter(is_service(rules)).sum(),
        trainings=pl.col("activities").filter(pl.col("kind") == rules.training_kind).sum(),
        meetings=pl.col("activities").filter(pl.col("kind") == rules.meeting_kind).sum(),
    )
    if demands is None:
        demands = demand_figures(con, period, unit, rules)
    dem = demands.group_by("unit").agg(
        demands_received=pl.col("received_in_period").sum(),
        demands_closed=pl.col("closed_in_period").sum(),
        demands_overdue=pl.col("overdue").sum(),
        median_days_to_close=pl.col("days_to_close").filter("closed_in_period").median(),
    )
    if pairings is None:
        pairings = pairing_figures(con, period, unit, rules)
    pairs = pairings.group_by("unit").agg(pairings=pl.len(), pairings_overdue=pl.col("overdue").sum())
    visit_hours = visits.group_by("unit").agg(
        pairing_visits=pl.len(), pairing_hours=pl.col("hours").fill_null(0.0).sum()
    )
    df = names
    for part in (info, vols, team_counts, acts, dem, pairs, visit_hours):
        df = df.join(part, on="unit", how="left")
    return _unit_columns(df, rules)


_UNIT_COUNTS = ("volunteers", "teams", "service_activities", "trainings", "meetings", "demands_received",
                "demands_closed", "demands_overdue", "pairings", "pairings_overdue", "pairing_visits")


def _unit_columns(df: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """`unit_figures`' joined parts, finished: counts as integers (0 when none), service hours with
    the pairing visits' when they count (rules: pairing_hours_count), the ratio and the team band."""
    formal = pl.col("formal_members")
    pairing = pl.col("pairing_hours") if rules.pairing_hours_count else pl.lit(0.0)
    return df.with_columns(
        [pl.col(c).fill_null(0).cast(pl.Int64) for c in _UNIT_COUNTS]
        + [pl.col("service_hours").fill_null(0.0), pl.col("pairing_hours").fill_null(0.0)]
    ).with_columns(
        service_hours=pl.col("service_hours") + pairing,
    ).with_columns(
        ratio=pl.when(formal > 0).then(pl.col("volunteers") / formal),
        band_min=rules.team_band(pl.col("party_members"), 1),
        band_max=rules.team_band(pl.col("party_members"), 2),
    ).with_columns(
        band_ok=pl.col("teams").is_between(pl.col("band_min"), pl.col("band_max"))
    ).sort("unit")
