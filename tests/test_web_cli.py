"""`tracker user ...` and `tracker serve` as the README shows them; who made each load (docs/web.md)."""

from __future__ import annotations

import getpass
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from conftest import tracker_cmd

from tracker import api
from tracker.web.server import Server, is_loopback


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_user_add_list_passwd_remove_as_the_readme_shows(db, cli, monkeypatch):
    _stdin(monkeypatch, "a-long-password\n")
    r = cli("user", "add", "admin", "--role", "admin", db=db)
    assert r.code == 0 and "已添加账户 admin（管理员）" in r.out
    _stdin(monkeypatch, "another-password\n")
    r = cli("user", "add", "zhang", "--role", "unit", "--unit", "示例市中心血站", db=db)
    assert r.code == 0 and "单位：示例市中心血站" in r.out
    assert "还没有单位“示例市中心血站”的数据" in r.err
    _stdin(monkeypatch, "third-password\n")
    assert cli("user", "add", "wang", "--role", "supervisor", "--unit", "示例市卫生局", db=db).code == 0
    listed = cli("user", "list", db=db)
    assert listed.code == 0
    for word in ("admin", "管理员", "zhang", "示例市中心血站", "wang", "上级单位"):
        assert word in listed.out
    assert "password" not in listed.out and "argon2" not in listed.out
    assert api.authenticate(db, "zhang", "another-password").login == "zhang"
    _stdin(monkeypatch, "changed-password\n")
    assert cli("user", "passwd", "zhang", db=db).code == 0
    assert api.authenticate(db, "zhang", "another-password") is None
    assert api.authenticate(db, "zhang", "changed-password") is not None
    assert cli("user", "remove", "zhang", db=db).code == 0
    assert "zhang" not in cli("user", "list", db=db).out


def test_passwords_are_stored_only_as_argon2_hashes(db, cli, monkeypatch):
    _stdin(monkeypatch, "a-long-password\n")
    cli("user", "add", "admin", "--role", "admin", db=db)
    assert b"a-long-password" not in db.read_bytes()
    (acct,) = api.user_list(db)
    assert acct.password_hash.startswith("$argon2id$")


def test_at_a_terminal_the_password_is_asked_twice_without_echo(db, cli, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Tty(""))
    answers = iter(["first-password", "other-password"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    r = cli("user", "add", "admin", "--role", "admin", db=db)
    assert r.code == 1 and "两次输入的密码不一致" in r.err
    assert api.user_list(db) == []
    answers = iter(["same-password", "same-password"])
    assert cli("user", "add", "admin", "--role", "admin", db=db).code == 0


@pytest.mark.parametrize("args, stdin, message", [
    (("add", "x1", "--role", "unit"), "long-enough-pw\n", "需要用 --unit 指定所属单位"),
    (("add", "x1", "--role", "boss"), "long-enough-pw\n", "未知的角色“boss”"),
    (("add", "x1", "--role", "admin", "--unit", "某单位"), "long-enough-pw\n", "不需要 --unit"),
    (("add", "x1", "--role", "admin"), "short\n", "密码至少要 8 个字符"),
    (("add", "x1", "--role", "admin"), "", "没有读到密码"),
    (("add", "a b", "--role", "admin"), "long-enough-pw\n", "登录名“a b”不可用"),
    (("passwd", "nobody"), "long-enough-pw\n", "没有登录名为“nobody”的账户"),
    (("remove", "nobody"), "", "没有登录名为“nobody”的账户"),
])
def test_user_mistakes_are_said_in_chinese(db, cli, monkeypatch, args, stdin, message):
    _stdin(monkeypatch, stdin)
    r = cli("user", *args, db=db)
    assert r.code in (1, 2) and message in r.err and "Traceback" not in r.err


def test_a_login_is_unique(db, cli, monkeypatch):
    _stdin(monkeypatch, "long-enough-pw\n")
    cli("user", "add", "admin", "--role", "admin", db=db)
    _stdin(monkeypatch, "long-enough-pw\n")
    r = cli("user", "add", "admin", "--role", "admin", db=db)
    assert r.code == 1 and "已经存在" in r.err


def test_status_shows_who_made_each_load(unit_db, cli):
    st = api.status(unit_db)[0]
    assert st.loads and all(ld["account"] == f"命令行（{getpass.getuser()}）" for ld in st.loads)
    r = cli("status", db=unit_db)
    assert "导入者" in r.out and "命令行（" in r.out


def test_serve_refuses_another_host_until_an_admin_exists(db, cli, monkeypatch):
    r = cli("serve", "--host", "0.0.0.0", "--port", "8000", db=db)
    assert r.code == 2 and "还没有管理员账户" in r.err and "tracker user add 登录名 --role admin" in r.err
    _stdin(monkeypatch, "long-enough-pw\n")
    cli("user", "add", "zhang", "--role", "unit", "--unit", "某单位", db=db)
    assert "还没有管理员账户" in cli("serve", "--host", "192.0.2.1", db=db).err
    _stdin(monkeypatch, "long-enough-pw\n")
    cli("user", "add", "admin", "--role", "admin", db=db)
    server = Server.prepare(db, "0.0.0.0", 8000)
    assert server.url == "http://0.0.0.0:8000/" and not server.single_user


def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.0.2.1", "example.org", "::"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tracker(*args: str, cwd, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(tracker_cmd(*args), cwd=cwd,
                          input=stdin, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """`tracker demo`, as the README's quick start runs it."""
    cwd = tmp_path_factory.mktemp("readme")
    run = _tracker("demo", cwd=cwd)
    assert run.returncode == 0, run.stderr
    return cwd


def _serve(cwd, *args: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    proc = subprocess.Popen(tracker_cmd("serve", "--db", "tracker-demo/demo.duckdb", *args, "--port", port), cwd=cwd,
                            env={**os.environ, "COLUMNS": "200"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return proc, f"http://127.0.0.1:{port}/"


def _get(url: str, proc: subprocess.Popen) -> tuple[str, str]:
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.geturl(), r.read().decode("utf-8")
        except OSError:
            assert time.time() < deadline and proc.poll() is None, proc.stderr.read() if proc.poll() else ""
            time.sleep(0.2)


def test_serve_starts_prints_its_address_and_serves_the_demo(demo_dir):
    """`tracker serve --db tracker-demo/demo.duckdb`, as the README says: one user, no login;
    with --out its reports go to that folder, with --max-upload-mb bigger uploads are refused."""
    import http.cookiejar
    import urllib.parse

    proc, url = _serve(demo_dir, "--out", "web-out", "--max-upload-mb", "1")
    try:
        first = proc.stdout.readline()
        assert url in first, first
        assert "本机单用户" in proc.stdout.readline()
        _, html = _get(url, proc)
        assert "示例市中心血站" in html and re.search(r"在册志愿者", html)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(url + "reports", timeout=30).read().decode("utf-8")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf": csrf, "report": "annual", "year": "2025"}).encode()
        made = opener.open(url + "reports", data=form, timeout=120).read().decode("utf-8")
        assert "年度考评与星级认定" in made
        assert len(list((demo_dir / "web-out").glob("*/run.json"))) == 1
        big = urllib.request.Request(url + "upload", data=b"x" * (2 * 1024 * 1024), method="POST",
                                     headers={"Content-Type": "multipart/form-data; boundary=x"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(big, timeout=30)
        assert refused.value.code == 413 and "上传的文件太大" in refused.value.read().decode("utf-8")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_readme_accounts_then_serve_on_the_network(demo_dir):
    """The README's `tracker user add` lines, then `tracker serve --host 0.0.0.0 --port …`."""
    db = "tracker-demo/demo.duckdb"
    for args in (("admin", "--role", "admin"), ("xuezhan", "--role", "unit", "--unit", "示例市中心血站"),
                 ("weiju", "--role", "supervisor", "--unit", "示例市卫生局")):
        r = _tracker("user", "add", *args, "--db", db, cwd=demo_dir, stdin="a-long-password\n")
        assert r.returncode == 0, r.stderr
    assert {a.login for a in api.user_list(demo_dir / db)} == {"admin", "xuezhan", "weiju"}
    proc, url = _serve(demo_dir, "--host", "0.0.0.0")
    try:
        assert "0.0.0.0" in proc.stdout.readline()
        landed, html = _get(url, proc)
        assert "/login" in landed and "登录名" in html
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_keeps_the_address_phones_open_for_sign_ins(demo_dir):
    """`tracker serve … --base-url URL`: the QR codes of sign-ins opened afterwards point there."""
    db = "tracker-demo/demo.duckdb"
    if not api.user_list(demo_dir / db):
        assert _tracker("user", "add", "admin", "--role", "admin", "--db", db, cwd=demo_dir,
                        stdin="a-long-password\n").returncode == 0
    proc, url = _serve(demo_dir, "--host", "0.0.0.0", "--base-url", "http://192.168.1.20:8000")
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        assert any("http://192.168.1.20:8000/s/" in line for line in lines), lines
        _get(url, proc)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    made = api.new_signin(demo_dir / db, unit="示例市中心血站", team="检验队", title="社区献血宣传", date="2025-06-30",
                          start="14:00", end="16:30")
    assert made.signin.url == f"http://192.168.1.20:8000/s/{made.signin.code}"


def test_add_units_for_a_district_and_serve_without_the_public_query(demo_dir, tmp_path):
    """`tracker user add-units --district … --out …` as the README shows it, then `tracker serve
    --no-public-query`: /q is gone, the rest serves."""
    import shutil

    import duckdb
    import openpyxl

    db = tmp_path / "copy.duckdb"  # the module's demo may have unit accounts by now: a copy without them
    shutil.copyfile(demo_dir / "tracker-demo" / "demo.duckdb", db)
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM accounts WHERE role = 'unit'")
    con.close()
    out = tmp_path / "卫生局账户.xlsx"
    r = _tracker("user", "add-units", "--district", "示例市卫生局", "--out", out, "--db", db, cwd=demo_dir)
    assert r.returncode == 0, r.stderr
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert ("单位", "账号", "初始密码") in rows and any(row[0] == "示例市中心血站" for row in rows)
    refused = _tracker("user", "add-units", "--district", "没有的单位", "--out", tmp_path / "x.xlsx", "--db", db,
                       cwd=demo_dir)
    assert refused.returncode == 1 and "没有单位" in refused.stderr
    proc, url = _serve(demo_dir, "--no-public-query")
    try:
        proc.stdout.readline()
        _get(url + "login", proc)
        with pytest.raises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(url + "q", timeout=10)
        assert gone.value.code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=30)
