"""The sample ledgers in data/ load as data/README.md says, every one of them (docs/ledgers.md)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import duckdb

ROOT = Path(__file__).parent.parent
DATA = ROOT / "data"


def _commands() -> list[list[str]]:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    return [shlex.split(line) for line in block.splitlines() if line.startswith("tracker ")]


def test_every_command_of_data_readme_runs_and_every_sample_is_loaded(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    db = tmp_path / "示例.duckdb"
    loaded = []
    for argv in _commands():
        args = [str(db) if a == "示例.duckdb" else a for a in argv[1:]]
        r = cli(*args)
        assert r.code == 0, (argv, r.out + r.err)
        assert "Traceback" not in r.out + r.err and "未导入" not in r.out
        if argv[1] == "load":
            loaded.append(argv[3])
    assert sorted(loaded) == sorted(f"data/{p.name}" for p in DATA.iterdir() if p.suffix in (".xlsx", ".csv"))
    con = duckdb.connect(str(db), read_only=True)
    try:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                  for t in ("units", "volunteers", "activities", "participations", "demands", "pairing_visits")}
        hours = con.execute("SELECT sum(hours) FROM participations").fetchall()[0][0]
        prior = con.execute("SELECT prior_hours FROM volunteer_versions WHERE name = '钟晴'").fetchall()
    finally:
        con.close()
    # 3 template activities + 2 from the register (its 小计/合计 rows are not activities) + 1 exported
    assert counts == {"units": 1, "volunteers": 11, "activities": 6, "participations": 16, "demands": 1,
                      "pairing_visits": 2}
    assert hours == 20.0 + 11.5 + 7.5
    assert prior == [(18.0,)]


def test_the_readmes_example_with_team_and_title_is_one_of_the_commands_run_above():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"^tracker load activities data/\S+ --team .*$", readme, re.M)
    run = [" ".join(argv) for argv in _commands()]
    assert shown and all(f"{line} --db 示例.duckdb" in run for line in shown)
