"""`tracker rules` and `tracker check`, whole commands the CLI wires to typer.

They raise `TrackerError` for user mistakes (the CLI prints it, exit 1) and
return the exit code otherwise: check exits 1 when any rule fails.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tracker.assess.checks import LEVEL_NAMES, RULE_TITLES, Finding, plan, run_checks
from tracker.periods import Period
from tracker.problems import TrackerError
from tracker.rules import load_rules, to_toml
from tracker.store.db import connect

_STYLE = {"fail": "bold red", "warn": "yellow", "pass": "green"}


def cmd_rules(out: Path | None, rules_path: str | Path | None = None) -> int:
    """Print (or write to `out`) the rules in force: the defaults, with `rules_path` applied."""
    text = to_toml(load_rules(rules_path))
    if out is None:
        print(text)
        return 0
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as e:
        raise TrackerError(f"无法写出规则文件 {out}：{e}") from e
    Console(stderr=True).print(f"已写出规则文件 {out}，修改后用 --rules {out} 使用。", markup=False)
    return 0


def cmd_check(
    db: str | Path | None,
    rules_path: str | Path | None,
    year: int | None,
    as_of: dt.date | None,
    unit: str | None,
    as_json: bool = False,
    console: Console | None = None,
) -> int:
    """Run every check; print a table per unit (or JSON); 1 when any rule fails.

    The JSON is a list of findings with keys rule, level, unit, team,
    volunteer, message, figures (dates as YYYY-MM-DD).
    """
    rules = load_rules(rules_path)
    with connect(db, read_only=True) as con:
        when = plan(con, year, as_of, unit)
        findings = run_checks(con, year, as_of, unit, rules)
    console = console or Console(highlight=False)
    if as_json:
        print(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, default=str, indent=2))
    else:
        print_findings(console, findings, when)
    return 1 if any(f.level == "fail" for f in findings) else 0


def print_findings(
    console: Console, findings: list[Finding], when: dict[str, tuple[int, dt.date]]
) -> None:
    """One table per unit (failures, then warnings, then passes) and a summary line."""
    if not when:
        console.print("数据库中还没有任何单位的数据。请先用 tracker load 导入花名册、服务队和活动登记簿。")
        return
    for unit, (year, as_of) in when.items():
        rows = [f for f in findings if f.unit == unit]
        period = Period(dt.date(year, 1, 1), as_of)
        table = Table(title=f"{unit}　{year}年考评检查（{period.label}）", show_lines=False,
                      title_justify="left")
        table.add_column("结果", no_wrap=True)
        table.add_column("规则", no_wrap=True)
        table.add_column("服务队", overflow="fold", max_width=16)
        table.add_column("志愿者", no_wrap=True)
        table.add_column("说明", overflow="fold", ratio=1, min_width=24)
        for f in rows:
            style = _STYLE[f.level]
            table.add_row(f"[{style}]{LEVEL_NAMES[f.level]}[/]", RULE_TITLES.get(f.rule, f.rule),
                          f.team or "", f.volunteer or "", f.message)
        console.print(table)
    counts = {lvl: sum(f.level == lvl for f in findings) for lvl in ("fail", "warn", "pass")}
    verdict = "有规则未通过" if counts["fail"] else ("全部通过（有提醒）" if counts["warn"] else "全部通过")
    console.print(
        f"共 {len(when)} 个单位：未通过 {counts['fail']} 项，提醒 {counts['warn']} 项，"
        f"通过 {counts['pass']} 项 —— {verdict}。"
    )
