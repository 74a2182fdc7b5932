"""The reports people print and discuss (SPEC §6): 季度例会通报, 年中调整, 年度考评与星级认定.

    from tracker.reports import write_reports
    write_reports("quarterly", "t.duckdb", None, year=2026, quarter=1, out_dir="out")

Each builder (`quarterly.build`, `midyear.build`, `annual.build`) returns a
`common.Report`: header, cards, tables (page + .xlsx), chart data and lists,
computed from `tracker.assess`; `commands.write_report` draws and writes it.
"""

from tracker.reports.commands import cmd_report, write_reports

__all__ = ["cmd_report", "write_reports"]
