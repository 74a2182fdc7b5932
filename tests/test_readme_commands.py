"""Every command line the README shows runs, with every option it documents, and none ends in an
internal error (exit 3) or a usage error (exit 2).

The list is generated from README.md itself — the `tracker …` lines of its shell blocks and
the `tracker …` spans of its text and command table — so a command added to the README is
run here without touching this file. A documented form such as
`tracker export roster|teams|summary [--year Y] … --out FILE.xlsx|FILE.csv` becomes one run
per alternative (alternatives side by side), and one more run per optional `[…]` group;
placeholders (KIND, FILE, NAME, Y, DATE, DIR …) become the demo year's own files and values.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from report_demo import demo_db

from tracker.ingest.kinds import KINDS

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
YEAR = "2025"  # the demo year the commands run against


def readme_lines(text: str = README) -> list[str]:
    """`tracker …` as the README writes it: shell-block lines (comments cut, `a && b` split) and code spans."""
    lines: list[str] = []
    fence = None  # the language of the code block we are in, or None outside one
    for line in text.splitlines():
        if line.startswith("```"):
            fence = None if fence is not None else (line[3:].strip() or "text")
            continue
        if fence in ("bash", "sh", "shell", "text"):
            for part in line.split("  #")[0].split("&&"):
                if part.strip().startswith("tracker "):
                    lines.append(part.strip())
    for span in re.findall(r"`(tracker [^`]+)`", text):
        lines.append(span.replace("\\|", "|").strip())
    lines = list(dict.fromkeys(lines))
    # a bare name in prose ("`tracker load`, `template` … and their --help") is a mention, not a run:
    # it is the start of a documented line
    return [a for a in lines if not any(b != a and b.split()[:len(a.split())] == a.split() for b in lines)]


def _groups(line: str) -> tuple[list[str], list[list[str]]]:
    """The words always present, and the optional `[…]` groups."""
    optional = [g.split() for g in re.findall(r"\[([^\]]+)\]", line)]
    required = re.sub(r"\[[^\]]+\]", " ", line).split()
    return required, optional


# the README's own example values stand for the same thing as the placeholders of its table
_EXAMPLES = [(r"^.+\.(xlsx|csv)$", "FILE..."), (r"^[^.]+/$", "DIR"), (r"^[^.]+\.(xlsx|csv)$", r"FILE.\1")]


def _canonical(words: list[str]) -> list[str]:
    out, prev = [], ""
    for w in words:
        if prev == "--out" or (out[:1] == ["load"] and len(out) == 2):  # an --out value, a ledger file
            for pattern, placeholder in _EXAMPLES[1:] if prev == "--out" else _EXAMPLES[:1]:
                w = re.sub(pattern, placeholder, w)
        out.append(w)
        prev = w
    return out


def expand(line: str) -> list[list[str]]:
    """The runs that cover a documented line: one per alternative (side by side), and one with
    every option of the line at once (each option, then, is run)."""
    required, optional = _groups(line)
    slots = [w.split("|") if "|" in w else (list(KINDS) if w == "KIND" else [w]) for w in required]
    n = max(len(s) for s in slots)
    bases = [[s[i % len(s)] for s in slots] for i in range(n)]
    runs = [list(b) for b in bases]
    if optional:  # with the richest base: the activities ledger when the line takes a KIND
        rich = next((b for b in bases if "activities" in b), bases[0])
        words = [w for group in optional for w in group]
        # an option's own alternatives ([--format html|docx]): a run with each
        for i in range(max(len(w.split("|")) for w in words)):
            runs.append(rich + [w.split("|")[i % len(w.split("|"))] for w in words])
    return [_canonical(r[1:]) for r in runs]  # without the leading "tracker"


@dataclass
class Place:
    """Where the runs happen: the demo year loaded, its ledger files, and a scratch folder."""

    demo_db: Path
    registers_db: Path
    ledgers: Path
    unit: str
    tmp: Path


def ledger_for(place: Place, kind: str, month: str | None) -> Path:
    """The demo's ledger file of this kind (for activities, of this month, an .xlsx by default)."""
    names = {"units": "组队情况汇总表.xlsx", "teams": "服务队登记表.xlsx", "roster": f"花名册-{YEAR}年中.xlsx",
             "demands": f"群众需求登记簿-{YEAR}.xlsx", "pairings": f"结对帮扶登记簿-{YEAR}.xlsx"}
    if kind in names:
        return place.ledgers / names[kind]
    return next(iter(sorted(place.ledgers.glob(f"活动登记簿-{month or YEAR + '-01'}*"))))


def concrete(words: list[str], place: Place) -> tuple[list[str], str]:
    """Placeholders → real values; returns the arguments and which database the run needs."""
    words = [re.sub(r"\b2026\b", YEAR, w) for w in words]  # the README's examples are dated 2026
    words = ["ZYJL-2025-7K3M-9QXD-H2PA" if w == "SERIAL" else w for w in words]  # well formed, not issued
    cmd = words[0]
    kind = words[1] if cmd == "load" else None
    month = next((b for a, b in itertools.pairwise(words) if a == "--month"), None)
    month = None if month == "YYYY-MM" else month
    out: list[str] = []
    prev = ""
    for w in words:
        if cmd == "load" and (w == "FILE..." or w.endswith((".xlsx", ".csv"))) and prev != "--out":
            w = str(ledger_for(place, kind, month or (None if kind != "activities" else f"{YEAR}-01")))
        elif prev == "--out":
            w = str(place.tmp / {"DIR": "out", "FILE": "备份.duckdb"}.get(w, w.replace("FILE", "out")))
        elif prev == "--unit":
            w = place.unit
        elif prev == "--sheet":
            w = "all"  # every visible sheet holding the ledger (the demo's sheets are named by month)
        elif prev == "--month" and w == "YYYY-MM":
            w = month or f"{YEAR}-01"
        elif prev in ("--as-of", "--to"):
            w = f"{YEAR}-06-30"
        elif prev == "--from":
            w = f"{YEAR}-01-01"
        elif prev == "--columns":  # the README's own example of a headers file
            w = str(place.tmp / "表头.toml")
            Path(w).write_text('[activities]\n"服务队" = ["所属支部"]\n"服务时长" = ["义工时长"]\n', encoding="utf-8")
        elif prev == "--team":
            w = "检验队"
        elif prev == "--title":
            w = "社区健康义诊"
        elif prev == "--templates":
            w = str(ROOT / "reports" / "templates")  # the repository's example override
        elif prev == "--year":
            w = YEAR
        elif prev == "--quarter":
            w = "1"
        elif prev == "--volunteer":
            w = {"NAME": "冯磊", "NUMBER": "XZ010"}.get(w, w)  # a volunteer of the demo year
        elif prev == "--award":
            w = "优秀党员志愿者"
        elif prev == "--district":
            w = "示例市卫生局"  # the demo unit's 上级单位
        elif prev == "--file" and cmd == "awards":  # a decided list: one column 姓名
            import polars as pl

            w = str(place.tmp / "决定名单.xlsx")
            pl.DataFrame({"姓名": ["林志远"]}).write_excel(w)
        elif cmd == "awards" and w in ("NAME", "NUMBER", "NAME...", "NUMBER..."):
            w = "XZ002" if w.startswith("NUMBER") else "周敏"  # proposed in the demo year
        elif cmd in ("signin", "volunteer") and w in ("NAME", "NUMBER", "NAME...", "NUMBER..."):
            w = "XZ010" if w.startswith("NUMBER") else "冯磊"
        elif prev == "--date" and w == "DATE":
            w = f"{YEAR}-06-30"
        elif prev in ("--start", "--end") and w == "HH:MM":
            w = "14:00" if prev == "--start" else "16:30"
        elif prev == "--kind" and w == "KIND":
            w = "志愿服务"
        elif prev == "--base-url":
            w = "http://192.168.1.20:8000"
        elif prev == "--open-until":
            w = f"{YEAR}-07-01 18:00"
        elif prev == "--hours":
            w = "2"
        elif prev == "--layout":  # a preset, or a layout file of one's own (the generic preset, as a file)
            from tracker.exports.layouts import PRESETS

            if w.endswith(".toml"):
                Path(place.tmp / "我们的平台.toml").write_text(PRESETS["generic"], encoding="utf-8")
                w = str(place.tmp / "我们的平台.toml")
            else:
                w = "generic"
        elif cmd == "reconcile" and (w == "FILE" or (prev == "" and w.endswith((".xlsx", ".csv")) and out == [cmd])):
            w = "PLATFORM-FILE"
        out.append(w)
        prev = w if w.startswith("--") else ""
    db = {"init": "new", "load": "registers", "template": "none", "rules": "none", "demo": "none"}.get(cmd, "demo")
    return out, db


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Place:
    from tracker import api

    demo = demo_db(tmp_path_factory)
    ledgers = demo.db.parent / "ledgers"
    registers = tmp_path_factory.mktemp("registers") / "t.duckdb"
    api.init(registers)
    for kind in ("units", "teams", "roster"):
        f = ledgers / {"units": "组队情况汇总表.xlsx", "teams": "服务队登记表.xlsx",
                       "roster": f"花名册-{YEAR}年初.xlsx"}[kind]
        assert api.load(registers, kind, [f])[0].status == "loaded"
    return Place(demo.db, registers, ledgers, demo.design.unit, tmp_path_factory.mktemp("runs"))


def _covered(runs: set[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Without a run that lies between two others of the same command — more options than one,
    fewer than another — since it adds nothing (the quick start's `report quarterly … --out 报告/`
    lies between the table's line without options and with them all)."""
    def options(r):
        return {w for w in r if w.startswith("--")}

    def between(r):
        same = [o for o in runs if o[:2] == r[:2] and o != r]
        return (any(options(o) < options(r) for o in same) and any(options(r) < options(o) for o in same))

    return sorted(r for r in runs if not between(r))


# Commands that need a setting of their own run in their own README tests: a server that keeps
# running, a password typed at a prompt, filled 附件1 forms and the applicants they make.
ELSEWHERE = {
    ("serve",): "test_web_cli.py",
    ("user",): "test_web_cli.py",
    ("review",): "test_readme_registration.py",
    ("load", "applications"): "test_readme_registration.py",
    ("export", "application"): "test_readme_registration.py",
}


def _elsewhere(run: tuple[str, ...]) -> bool:
    return any(run[:len(k)] == k for k in ELSEWHERE)


ALL_RUNS = _covered({tuple(r) for line in readme_lines() for r in expand(line)})
RUNS = [r for r in ALL_RUNS if not _elsewhere(r)]


def test_commands_run_elsewhere_are_run_there():
    for command, test in ELSEWHERE.items():
        assert any(r[:len(command)] == command for r in ALL_RUNS), command  # still in the README
        text = (Path(__file__).parent / test).read_text(encoding="utf-8")
        assert " ".join(command) in text or all(w in text for w in command), (command, test)


def test_every_command_is_among_the_runs():
    """A command the README does not show would escape this file: the docs test forbids that too."""
    from tracker.cli import app

    assert {c.name or c.callback.__name__ for c in app.registered_commands} <= {r[0] for r in ALL_RUNS}
    assert {"quarterly", "midyear", "annual"} <= {r[1] for r in RUNS if r[0] == "report"}


@pytest.mark.parametrize("words", RUNS, ids=[" ".join(r) for r in RUNS])
def test_a_readme_command_line_runs_without_internal_error(words, place, cli, tmp_path, monkeypatch):
    args, needs = concrete(list(words), dataclasses.replace(place, tmp=tmp_path))  # --out: this run's own
    monkeypatch.chdir(tmp_path)  # `tracker init` and `tracker demo` write where they are run
    db = {"new": tmp_path / "new.duckdb", "none": None}.get(needs)
    if needs in ("demo", "registers"):
        db = Path(shutil.copyfile(place.demo_db if needs == "demo" else place.registers_db, tmp_path / "t.duckdb"))
    if "--confirmed-only" in args:  # the unit has confirmed its first quarter
        from tracker import api

        for m in ("01", "02", "03"):
            api.confirm(db, unit=place.unit, month=f"{YEAR}-{m}")
    if "PLATFORM-FILE" in args:  # the platform's file: the demo's hours exported in the same layout
        from tracker import api

        layout = args[args.index("--layout") + 1]
        made = api.export_hours(db, layout=layout, year=int(YEAR), out=tmp_path / "平台.xlsx", unmask=True)
        args = [str(made.paths[0]) if a == "PLATFORM-FILE" else a for a in args]
    if "CODE" in args:  # a sign-in of the demo year, with 冯磊 signed in, for the sign-in commands to act on
        from tracker import api

        made = api.new_signin(db, unit=place.unit, team="业务队", title="社区健康义诊", date=f"{YEAR}-06-30",
                              start="14:00", end="16:30")
        api.signin_add(db, made.signin.code, ["冯磊"])
        args = [made.signin.code if a == "CODE" else a for a in args]
    if args[:2] == ["awards", "documents"]:  # the decision its documents are of
        from tracker import api

        api.record_awards(db, year=int(YEAR), award="优秀党员志愿者", who=["周敏"])
    r = cli(*args, db=db)
    assert r.code in (0, 1), f"tracker {' '.join(args)} → exit {r.code}\n{r.out}\n{r.err}"
    assert "内部错误" not in r.err and "Traceback" not in r.err, r.err
    # `check` exits 1 when a rule fails, as the demo year's do; the demo keeps pairings in one file
    # for the year, so `--month` refuses the other months' rows — as it should
    refused_months = args[0] == "load" and "--month" in args and "不在 --month 指定的" in r.err
    unknown_serial = args[:2] == ["certificate", "verify"] and "无效" in r.out + r.err  # SERIAL is a placeholder
    # a layout with phone and ID columns without --unmask is refused, as the README says
    masked = args[:2] == ["export", "hours"] and "--unmask" not in args and "--unmask" in r.err
    if args[0] != "check" and not refused_months and not unknown_serial and not masked:
        assert r.code == 0, f"tracker {' '.join(args)} → exit {r.code}\n{r.out}\n{r.err}"


COMMANDS = sorted({r[0] if r[0] != "report" else " ".join(r[:2]) for r in RUNS})


@pytest.mark.parametrize("command", COMMANDS)
def test_help_of_every_readme_command(command, cli):
    r = cli(*command.split(), "--help")
    assert r.code == 0 and command.split()[-1] in r.out, r.out + r.err


def test_the_options_every_command_shares(place, cli, tmp_path):
    """--rules (the README's "Rules") and --debug (its exit codes) on commands that take them."""
    rules = tmp_path / "规则.toml"
    assert cli("rules", "--out", rules).code == 0
    r = cli("check", "--year", YEAR, "--rules", rules, "--debug", db=place.demo_db)
    assert r.code in (0, 1) and "内部错误" not in r.err
    assert cli("status", "--rules", rules, "--debug", db=place.demo_db).code == 0
