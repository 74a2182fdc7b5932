"""The assessment engine: the figures of SPEC §5 and the checks of SPEC §2.

Reports import these directly; every function takes a DuckDB connection, an
explicit inclusive `Period` (or an as-of date), an optional unit and `Rules`.

periods
    Period(start, end) — .label "2026-01-01 至 2026-06-30"; Period.year(y),
    Period.quarter(y, q), Period.month(y, m), Period.year_to_date(as_of);
    pro_rata(full, period, start_col, left_col) — the pro-rata target expression.
figures
    volunteer_figures(con, period, unit, rules)   per volunteer: hours, stars, target, 达标
    team_figures(con, period, unit, rules)        per team: activities, themes, 十有, members met
    unit_figures(con, period, unit, rules)        per unit: R1 ratio, R2 band, R5, R6, demands, pairings
    quarterly_meetings(con, year, unit, rules)    per unit and quarter: meetings
    demand_figures(con, period, unit, rules)      per demand: state at the period end, overdue
    pairing_figures(con, period, unit, rules)     per pairing: last visit, overdue
    unit_names(con, unit)
inactive
    inactive(con, as_of, unit, rules)             the R7 list: state, reasons, figures
    default_as_of(con, unit, year)                end of the unit's last month of activities loaded
checks
    run_checks(con, year, as_of, unit, rules) -> list[Finding]; Finding.to_dict();
    CHECKS (rule id → check), RULE_TITLES, plan(con, year, as_of, unit)
commands
    cmd_rules(out, rules_path) -> int; cmd_check(db, rules_path, year, as_of, unit, as_json) -> int
"""
