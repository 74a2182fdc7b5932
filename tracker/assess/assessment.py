"""One assessment of a database: every figure of a period computed once (cf. fava's FilteredLedger).

`Assessment(con, rules, unit)` covers one unit or every unit. `over(period)`
gives that period's figures as cached properties (activities, participations,
volunteers, teams, units, demands, pairings, meetings, inactive, roster);
`findings(year, as_of)` runs the checks on the same cached figures. A city
run computes each frame once for all its units and `unit(name)` slices it
per unit, so a unit's report shows the same numbers whether it is made alone
or with a thousand others (docs/architecture.md, "Assessing").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterator
from functools import cached_property

import duckdb
import polars as pl

from tracker.assess import checks
from tracker.assess import figures as fig
from tracker.assess.inactive import inactive
from tracker.periods import Period, month_end_of
from tracker.problems import TrackerError
from tracker.rules import DEFAULTS, Rules
from tracker.store import entries, history, memory, queries, workcopy

CHUNK_UNITS = 150  # units assessed at a time in a city's run: memory stays flat in the number of units


def _per_unit(compute: Callable[[PeriodFigures], pl.DataFrame]) -> cached_property:
    """A cached frame of the period: computed for the assessment's units by `compute`, or, on a
    view of one unit (`PeriodFigures.of`), that unit's part of the parent's frame."""

    @functools.wraps(compute)
    def frame(self: PeriodFigures) -> pl.DataFrame:
        s = self._slice(compute.__name__)
        return s if s is not None else compute(self)

    return cached_property(frame)


class PeriodFigures:
    """The figures of one period for the assessment's units (or, sliced, for one of them).

    `inactive` is judged as of the period's end (it is meant for 1 January to
    an as-of date); `meetings` counts the year's quarterly meetings held by
    the period's end.
    """

    def __init__(self, assessment: Assessment, period: Period, *, parent: PeriodFigures | None = None,
                 unit: str | None = None):
        self.assessment = assessment
        self.period = period
        self._parent = parent
        self._unit = unit
        self._parts: dict[str, dict[str, pl.DataFrame]] = {}

    # ---- slicing
    def of(self, unit: str) -> PeriodFigures:
        """The same figures for one unit (frames filtered once per frame, not per unit)."""
        if self._parent is not None:
            return self._parent.of(unit)
        return PeriodFigures(self.assessment, self.period, parent=self, unit=unit)

    def _partition(self, name: str) -> dict[str, pl.DataFrame]:
        if name not in self._parts:
            df: pl.DataFrame = getattr(self, name)
            self._parts[name] = {k[0]: v for k, v in df.partition_by("unit", as_dict=True).items()}
        return self._parts[name]

    def _slice(self, name: str) -> pl.DataFrame | None:
        if self._parent is None:
            return None
        full: pl.DataFrame = getattr(self._parent, name)
        return self._parent._partition(name).get(self._unit, full.clear())  # type: ignore[arg-type]

    # ---- what the database holds for the period
    @property
    def _q(self) -> tuple[duckdb.DuckDBPyConnection, Period, queries.Units, Rules]:
        a = self.assessment
        return a.con, self.period, a.scope, a.rules

    @_per_unit
    def activities(self) -> pl.DataFrame:
        """`queries.activities`: one row per activity, with participants and total hours."""
        con, p, unit, _ = self._q
        return queries.activities(con, p.start, p.end, unit)

    @_per_unit
    def activity_counts(self) -> pl.DataFrame:
        """`queries.activity_counts`: per unit and kind, activities, participations, hours."""
        con, p, unit, _ = self._q
        return queries.activity_counts(con, p.start, p.end, unit)

    @_per_unit
    def parts(self) -> pl.DataFrame:
        """`figures.participations`: one row per (activity, volunteer) with service/training/meeting flags."""
        return fig.participations(*self._q)

    @_per_unit
    def visits(self) -> pl.DataFrame:
        """`queries.pairing_visits` dated in the period."""
        con, p, unit, _ = self._q
        return queries.pairing_visits(con, p.start, p.end, unit)

    @_per_unit
    def roster(self) -> pl.DataFrame:
        """`queries.roster_as_of` the period's end."""
        con, p, unit, _ = self._q
        return queries.roster_as_of(con, p.end, unit)

    @_per_unit
    def registered_teams(self) -> pl.DataFrame:
        """`queries.teams_as_of` the period's end."""
        con, p, unit, _ = self._q
        return queries.teams_as_of(con, p.end, unit)

    # ---- figures
    @_per_unit
    def volunteers(self) -> pl.DataFrame:
        """`figures.volunteer_figures`."""
        return fig.volunteer_figures(*self._q, roster=self.roster, parts=self.parts, visits=self.visits)

    @_per_unit
    def teams(self) -> pl.DataFrame:
        """`figures.team_figures`."""
        return fig.team_figures(*self._q, volunteers=self.volunteers, activities=self.activities,
                                parts=self.parts, teams=self.registered_teams)

    @_per_unit
    def demands(self) -> pl.DataFrame:
        """`figures.demand_figures`."""
        return fig.demand_figures(*self._q)

    @_per_unit
    def pairings(self) -> pl.DataFrame:
        """`figures.pairing_figures`."""
        return fig.pairing_figures(*self._q)

    @_per_unit
    def units(self) -> pl.DataFrame:
        """`figures.unit_figures`."""
        return fig.unit_figures(*self._q, demands=self.demands, pairings=self.pairings,
                                counts=self.activity_counts, roster=self.roster,
                                teams=self.registered_teams, visits=self.visits)

    @property
    def unit_row(self) -> dict:
        """The one unit's row of `units` (a sliced view)."""
        return self.units.row(0, named=True)

    @_per_unit
    def meetings(self) -> pl.DataFrame:
        """`figures.quarterly_meetings` of the end's year, held by the period's end."""
        con, p, unit, rules = self._q
        acts = self.activities if p.start == dt.date(p.end.year, 1, 1) else None
        return fig.quarterly_meetings(con, p.end.year, unit, rules, upto=p.end, activities=acts)

    @_per_unit
    def late_entries(self) -> pl.DataFrame:
        """`entries.late_entries`: records entered more than `late_entry_days` after their date."""
        con, p, unit, rules = self._q
        return entries.late_entries(con, p.start, p.end, unit, rules.late_entry_days)

    @_per_unit
    def long_days(self) -> pl.DataFrame:
        """`entries.long_days`: a volunteer's days of more than `max_daily_hours`."""
        con, p, unit, rules = self._q
        return entries.long_days(con, p.start, p.end, unit, rules.max_daily_hours)

    @_per_unit
    def overlaps(self) -> pl.DataFrame:
        """`entries.overlaps`: one volunteer's activities of a day whose times overlap."""
        con, p, unit, _ = self._q
        return entries.overlaps(con, p.start, p.end, unit)

    @_per_unit
    def inactive(self) -> pl.DataFrame:
        """`inactive.inactive` as of the period's end (the R7 list)."""
        con, p, unit, rules = self._q
        vols = self.volunteers if p.start == dt.date(p.end.year, 1, 1) else None
        return inactive(con, p.end, unit, rules, volunteers=vols)


class Assessment:
    """Figures and findings for one unit or every unit of a database, each computed once.

    `among` restricts an every-unit assessment to some units (`chunk`): a city's
    run assesses a few hundred units at a time, so its memory does not grow with
    the number of units (docs/performance.md, "Memory").
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, rules: Rules = DEFAULTS, unit: str | None = None,
                 today: dt.date | None = None, *, among: tuple[str, ...] | None = None):
        self.con = con
        self.rules = rules
        self.unit = unit
        self.among = among if unit is None else None
        self.today = today or dt.date.today()
        self._periods: dict[Period, PeriodFigures] = {}
        self._findings: dict[tuple[int | None, dt.date | None], list] = {}
        self._by_unit: dict[tuple[int | None, dt.date | None], dict[str, list]] = {}

    @property
    def scope(self) -> queries.Units:
        """What the queries keep: the unit, the chunk's units, or every unit (None)."""
        return self.unit if self.unit is not None else self.among

    def chunks(self, units: list[str] | None = None, size: int | None = None,
               upto: dt.date | None = None) -> Iterator[tuple[Assessment, list[str]]]:
        """`units` (default: all in scope) in runs of `size` (`CHUNK_UNITS`), each with an assessment
        of just those units; a one-unit assessment is its own chunk. Figures are per unit, so a
        unit's numbers do not depend on the chunk it falls in (tests/test_chunks.py). With `upto`
        (the run's last day), the chunks read the activities up to it from a copy sorted by chunk
        (`workcopy.clustered`): each reads its own rows, not every unit's."""
        units = self.units if units is None else units
        size = size or CHUNK_UNITS
        if self.unit is not None or (len(units) <= size and units == self.units):
            yield self, units  # already no more than a chunk
            return
        runs = [units[i:i + size] for i in range(0, len(units), size)]
        with workcopy.clustered(self.con, runs, upto) if upto is not None else contextlib.nullcontext():
            for names in runs:
                part = self.chunk(names)
                yield part, names
                part.forget()  # whoever still holds the chunk, its frames go before the next one's come
                memory.release()

    def last_day(self, year: int | None, as_of: dt.date | None) -> dt.date:
        """The last date a check of every unit in scope reads (`plan`): 31 December of its last year."""
        years = {y for y, _ in self.plan(year, as_of).values()} or {self.today.year}
        return dt.date(max(years), 12, 31)

    def forget(self) -> None:
        """Drop every figure and finding computed so far (they are computed again if asked for)."""
        self._periods.clear()
        self._findings.clear()
        self._by_unit.clear()
        for name, attr in vars(Assessment).items():  # every cached property but `units` (`chunk` sets it)
            if isinstance(attr, cached_property) and name != "units":
                self.__dict__.pop(name, None)

    def chunk(self, units: list[str]) -> Assessment:
        """The same assessment for only these units (figures computed afresh, for them alone)."""
        part = Assessment(self.con, self.rules, None, self.today, among=tuple(units))
        keep = set(units)
        part.units = [u for u in self.units if u in keep]  # known already: no query for it
        return part

    @cached_property
    def units(self) -> list[str]:
        """The units in scope (an unknown `unit` is a user error suggesting close names)."""
        known = queries.select_units(self.con, self.unit)
        if self.among is None:
            return known
        keep = set(self.among)
        return [u for u in known if u in keep]

    @cached_property
    def months_loaded(self) -> pl.DataFrame:
        """unit, kind, month for every month a ledger file covered (`queries.months_loaded`)."""
        return queries.months_loaded(self.con, self.scope)

    @cached_property
    def confirmed(self) -> pl.DataFrame:
        """unit, kind, month of every month a unit confirmed (`history.confirmations`)."""
        return history.confirmations(self.con, self.scope).select("unit", "kind", "month")

    @cached_property
    def form_loads(self) -> pl.DataFrame:
        """unit, kind, day: when each register form (roster, teams, units) was submitted (R13).

        A form counts as submitted on its own date (填表日期 or --as-of) when that is
        earlier than the day it was loaded: ledgers are often entered after the fact.
        """
        df = queries.frame(
            self.con,
            """SELECT u.unit, l.kind, least(l.as_of, l.loaded_at::DATE) AS day
               FROM loads l, unnest(l.units) AS u(unit)
               WHERE l.kind IN ('roster', 'teams', 'units')""",
        )
        return df.filter(queries.of_units(self.scope))

    @cached_property
    def _last_activity_month(self) -> dict[str, str]:
        acts = self.months_loaded.filter(pl.col("kind") == "activities")
        return dict(acts.group_by("unit").agg(pl.col("month").max()).iter_rows())

    def default_as_of(self, unit: str, year: int | None = None) -> dt.date:
        """The unit's default as-of date: end of its last month of activities loaded, else today.

        With `year`, the date is kept inside that year (a past year is judged at
        its 31 December, a year with no activities loaded yet at its 1 January).
        """
        month = self._last_activity_month.get(unit)
        d = month_end_of(month) if month else self.today
        if year is not None:
            d = min(max(d, dt.date(year, 1, 1)), dt.date(year, 12, 31))
        return d

    def plan(self, year: int | None, as_of: dt.date | None) -> dict[str, tuple[int, dt.date]]:
        """unit → (year, as_of) the checks use.

        as-of: given, else the end of the unit's last month of activities loaded,
        else today; year: given, else the as-of's year. An as-of after the year is
        its 31 December; one before the year is an error.
        """
        out: dict[str, tuple[int, dt.date]] = {}
        if as_of is not None and year is not None and as_of < dt.date(year, 1, 1):
            raise TrackerError(f"--as-of {as_of} 早于所查年度 {year} 年，请检查 --year 或 --as-of。")
        for u in self.units:
            if as_of is None:
                d = self.default_as_of(u, year)
            else:
                d = as_of if year is None else min(as_of, dt.date(year, 12, 31))
            out[u] = (year if year is not None else d.year, d)
        return out

    def over(self, period: Period) -> PeriodFigures:
        """The figures of `period`, computed on first use and kept."""
        if period not in self._periods:
            self._periods[period] = PeriodFigures(self, period)
        return self._periods[period]

    def findings(self, year: int | None = None, as_of: dt.date | None = None) -> list:
        """Every check for every unit in scope (`_run`), sorted per unit."""
        key = (year, as_of)
        if key not in self._findings:
            self._findings[key] = _run(self, year, as_of)
        return self._findings[key]

    def findings_of(self, unit: str, year: int | None = None, as_of: dt.date | None = None) -> list:
        """One unit's findings (grouped once per (year, as-of), not filtered per unit)."""
        key = (year, as_of)
        if key not in self._by_unit:
            grouped: dict[str, list] = {}
            for f in self.findings(year, as_of):
                grouped.setdefault(f.unit, []).append(f)
            self._by_unit[key] = grouped
        return self._by_unit[key].get(unit, [])

    def unit_view(self, unit: str) -> UnitAssessment:
        return UnitAssessment(self, unit)


class UnitAssessment:
    """One unit's slice of an assessment: what a report of that unit reads."""

    def __init__(self, parent: Assessment, unit: str):
        self.parent = parent
        self.unit = unit
        self.rules = parent.rules
        self.today = parent.today
        self.con = parent.con

    def over(self, period: Period) -> PeriodFigures:
        figures = self.parent.over(period)
        return figures if self.parent.unit == self.unit else figures.of(self.unit)

    def findings(self, year: int | None = None, as_of: dt.date | None = None) -> list:
        return self.parent.findings_of(self.unit, year, as_of)

    @property
    def months_loaded(self) -> pl.DataFrame:
        return self.parent.months_loaded.filter(pl.col("unit") == self.unit)

    @property
    def confirmed(self) -> pl.DataFrame:
        return self.parent.confirmed.filter(pl.col("unit") == self.unit)

    def default_as_of(self, year: int | None = None) -> dt.date:
        return self.parent.default_as_of(self.unit, year)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    year: int | None = None,
    as_of: dt.date | None = None,
    unit: str | None = None,
    rules: Rules = DEFAULTS,
    *,
    only: list[str] | None = None,
    today: dt.date | None = None,
) -> list[checks.Finding]:
    """The checks (or `only` these rule ids) on a fresh assessment of one unit or every unit."""
    return _run(Assessment(con, rules, unit, today), year, as_of, only)


def _context(a: Assessment, year: int, as_of: dt.date, units: list[str]) -> checks.Context:
    """The checks' view of the assessment's figures for 1 January to `as_of`, for these units."""
    figs = a.over(Period(dt.date(year, 1, 1), as_of))
    keep = None if set(units) == set(a.units) else pl.col("unit").is_in(units)

    def only(df: pl.DataFrame) -> pl.DataFrame:
        return df if keep is None else df.filter(keep)

    return checks.Context(
        year=year, as_of=as_of, units=tuple(units), rules=a.rules, period=figs.period,
        volunteers=only(figs.volunteers), teams=only(figs.teams), unit_figs=only(figs.units),
        meetings=only(figs.meetings), inactive=only(figs.inactive), demands=only(figs.demands),
        pairings=only(figs.pairings), roster=only(figs.roster), loads=only(a.form_loads),
        late_entries=only(figs.late_entries), long_days=only(figs.long_days), overlaps=only(figs.overlaps),
    )


def _run(a: Assessment, year: int | None = None, as_of: dt.date | None = None,
         only: list[str] | None = None) -> list[checks.Finding]:
    """Every registered check (or `only` these rule ids) for the assessment's units.

    Units sharing the same (year, as-of) are judged together, a chunk of units
    at a time (`Assessment.chunks`). Findings come sorted per unit: failures,
    then warnings, then passes.
    """
    findings: list[checks.Finding] = []
    for part, _ in a.chunks(upto=a.last_day(year, as_of)):
        groups: dict[tuple[int, dt.date], list[str]] = {}
        for u, key in part.plan(year, as_of).items():
            groups.setdefault(key, []).append(u)
        for (y, d), units in groups.items():
            ctx = _context(part, y, d, units)
            for rule, fn in checks.CHECKS.items():
                if only is None or rule in only:
                    findings.extend(fn(ctx))
    return checks.sort_findings(findings)
