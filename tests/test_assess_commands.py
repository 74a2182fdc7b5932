"""`tracker check` as a command: exit codes, the table, the JSON contract."""

from __future__ import annotations

import json

import pytest
from factory import D, Ledger

U = "示例市中心血站"
PHONE = "13800001234"


def build(path, *, good: bool) -> None:
    led = Ledger(path)
    led.unit(U, 10)
    led.team(U, "红心队", leader=f"张晓明 {PHONE}")
    people = [led.volunteer(U, n, "红心队", leadership=True, phone=PHONE) for n in ("张晓明", "李红", "王芳")]
    for m in range(3, 13):
        led.activity(U, "红心队", D(2026, m, 10), "服务", people, hours=2.5,
                     theme=("关爱老幼弱残", "关爱山川河流")[m % 2])
    for q in (1, 2, 3, 4):
        led.activity(U, "红心队", D(2026, 3 * q - 1, 5), "例会", people, hours=1, kind="例会")
    for m in (2, 8):
        led.activity(U, "红心队", D(2026, m, 3), "培训", people, hours=1, kind="培训")
    if not good:
        led.volunteer(U, "赵磊", "红心队", phone="13900005678")  # never served: fails
    led.months(U, "activities", ["2026-06"])
    led.close()


def run(path, cli, **kw):
    """`tracker check` with kw as options (as_json=True → --json), through the CLI."""
    args = []
    for key, value in kw.items():
        if key == "as_json":
            args += ["--json"] if value else []
        else:
            args += [f"--{key.replace('_', '-')}", str(value)]
    r = cli("check", *args, db=path)
    return r.code, r.out + r.err


def test_exit_0_with_warnings_only_and_1_with_a_failure(tmp_path, cli):
    build(tmp_path / "ok.duckdb", good=True)
    code, out = run(tmp_path / "ok.duckdb", cli)
    assert code == 0  # mid-year (as of 2026-06-30): some rules only warn
    assert "2026-01-01 至 2026-06-30" in out and U in out
    assert "未通过 0 项" in out
    build(tmp_path / "bad.duckdb", good=False)
    code, out = run(tmp_path / "bad.duckdb", cli)
    assert code == 1 and "赵磊" in out
    first = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    shown = [c for c in first if c]  # the 结果 column, row by row
    assert shown[0] == "未通过" and "提醒" in shown and shown[-1] == "通过"
    assert shown == sorted(shown, key=["未通过", "提醒", "通过"].index)  # failures first


def test_json_findings(tmp_path, cli):
    build(tmp_path / "t.duckdb", good=False)
    code, out = run(tmp_path / "t.duckdb", cli, as_json=True, as_of=D(2026, 12, 31))
    data = json.loads(out)
    assert code == 1
    assert all(set(f) == {"rule", "level", "unit", "team", "volunteer", "message", "figures"} for f in data)
    assert {f["level"] for f in data} <= {"pass", "warn", "fail"}
    never = [f for f in data if f["rule"] == "inactive" and f["volunteer"] == "赵磊"]
    assert never and never[0]["level"] == "fail"
    assert never[0]["figures"]["registered"] == "2025-01-01"
    assert PHONE not in out and "13900005678" not in out


def test_year_without_as_of_is_judged_at_its_end(tmp_path, cli):
    build(tmp_path / "t.duckdb", good=True)
    code, out = run(tmp_path / "t.duckdb", cli, year=2025, as_json=True)
    data = json.loads(out)
    assert any("2025-12-31" in f["message"] for f in data)


def test_unknown_unit_and_missing_database_are_user_errors(tmp_path, cli):
    build(tmp_path / "t.duckdb", good=True)
    code, out = run(tmp_path / "t.duckdb", cli, unit="不存在的单位")
    assert code == 1 and "没有单位" in out and "Traceback" not in out
    code, out = run(tmp_path / "none.duckdb", cli)
    assert code == 1 and "tracker init" in out


def test_as_of_is_read_from_the_command_line(tmp_path, cli):
    """The mid-year check the README documents: --as-of as typed (it once crashed, exit 3)."""
    build(tmp_path / "t.duckdb", good=True)
    for typed in ("2026-06-30", "2026/6/30", "2026年6月30日"):
        code, out = run(tmp_path / "t.duckdb", cli, as_of=typed)
        assert code == 0, out
        assert "2026-01-01 至 2026-06-30" in out
    code, out = run(tmp_path / "t.duckdb", cli, as_of="六月底")
    assert code == 2 and "--as-of 不是可识别的日期" in out


def test_a_kept_check_is_asked_again_only_when_the_database_changes(tmp_path, cli):
    """The web app asks `check` on every visit; the answer is kept while the database stays as it
    is, and a load made meanwhile (by any process) is seen at once."""
    from tracker import api

    db = tmp_path / "t.duckdb"
    build(db, good=False)
    first = api.check(db, year=2026, as_of=D(2026, 12, 31), today=D(2027, 1, 5))
    assert api.check(db, year=2026, as_of=D(2026, 12, 31), today=D(2027, 1, 5)) is first
    assert any(f.volunteer == "赵磊" and f.level == "fail" for f in first.findings)
    rows = [["日期", "服务队", "活动名称", "参加人员", "服务时长"],
            *[[f"2026-{m:02d}-20", "红心队", f"义诊{m}", "赵磊", "3"] for m in range(3, 12)]]
    (tmp_path / "a.csv").write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    r = cli("load", "activities", tmp_path / "a.csv", "--unit", U, db=db)
    assert r.code == 0, r.out + r.err
    after = api.check(db, year=2026, as_of=D(2026, 12, 31), today=D(2027, 1, 5))
    assert after is not first
    assert not any(f.volunteer == "赵磊" and f.level == "fail" for f in after.findings)
    assert api.check(db, year=2026, as_of=D(2026, 12, 31), today=D(2027, 1, 6)) is not after  # a new day


def test_kept_checks_are_read_only_and_the_one_asked_last_is_kept_longest(tmp_path):
    """Every caller gets the same kept result, so none can change it for the others; the page a
    user comes back to (the city's overview) stays kept while unit pages are opened in between."""
    from tracker import api

    db = tmp_path / "t.duckdb"
    build(db, good=False)
    ask = lambda d: api.check(db, year=2026, as_of=d, today=D(2027, 1, 5))  # noqa: E731
    city = ask(D(2026, 12, 31))
    with pytest.raises(AttributeError):
        city.findings.append(city.findings[0])
    with pytest.raises(TypeError):
        city.judged[U] = (2025, D(2025, 12, 31))
    for m in range(1, 1 + api.KEPT_CHECKS - 1):
        ask(D(2026, m, 28))
        assert ask(D(2026, 12, 31)) is city  # asked again: kept longest
    ask(D(2026, 10, 31))
    assert ask(D(2026, 12, 31)) is city
    for m in range(1, 1 + api.KEPT_CHECKS):  # as many other questions as are kept push it out
        ask(D(2026, m, 27))
    assert ask(D(2026, 12, 31)) is not city

