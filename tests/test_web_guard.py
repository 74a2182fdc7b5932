"""The server under a burst and at its end (docs/web.md, "Safety"): wrong passwords sent together are
counted before they are hashed, hashes run a few at a time, and a terminated server leaves no
uploaded ledger behind."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from conftest import tracker_cmd

from tracker.store import accounts
from tracker.web.guard import LoginThrottle


def test_a_hundred_tries_sent_together_are_counted_before_any_is_checked():
    t = LoginThrottle(clock=lambda: 1000.0)
    let_through = []

    def attempt(i):
        if t.begin("xuezhan", f"10.0.0.{i % 3}") == 0:
            let_through.append(i)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(100)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(let_through) == t.free  # the login's free tries, however many clients
    t.succeeded("xuezhan", "10.0.0.0")
    assert t.wait("xuezhan", "10.0.0.0") == 0


def test_a_right_password_does_not_count_against_the_office(monkeypatch):
    t = LoginThrottle(clock=lambda: 1000.0)
    for i in range(20):  # twenty colleagues behind one address, each logging in right
        assert t.begin(f"user{i}", "10.0.0.1") == 0
        t.succeeded(f"user{i}", "10.0.0.1")
    assert t.wait("someone", "10.0.0.1") == 0


def test_no_more_than_two_passwords_are_hashed_at_once(monkeypatch):
    busy, most = [0], [0]
    lock = threading.Lock()
    hasher = accounts._BoundedHasher()

    class Slow:
        def verify(self, hashed, password):
            with lock:
                busy[0] += 1
                most[0] = max(most[0], busy[0])
            time.sleep(0.05)
            with lock:
                busy[0] -= 1
            return True

    hasher._argon2 = Slow()
    threads = [threading.Thread(target=hasher.verify, args=("h", "pw")) for _ in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert most[0] == accounts.HASHES_AT_ONCE == 2
    huge = "x" * (accounts.MAX_PASSWORD + 1)
    calls = most[0], busy[0]
    hasher._argon2 = None  # a megabyte password is refused before any hash: nothing is called
    assert hasher.verify("h", huge) is False and (most[0], busy[0]) == calls


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_leaves_no_uploaded_ledger_in_the_temp_folder(tmp_path):
    import http.cookiejar

    temp = tmp_path / "temp"
    temp.mkdir()
    db = tmp_path / "t.duckdb"
    assert subprocess.run(tracker_cmd("init", "--db", db), capture_output=True).returncode == 0
    port = _free_port()
    proc = subprocess.Popen(tracker_cmd("serve", "--db", db, "--port", port), env={**os.environ, "TMPDIR": str(temp)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        deadline = time.time() + 30
        while True:
            try:
                page = opener.open(url + "upload", timeout=5).read().decode("utf-8")
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None
                time.sleep(0.2)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        boundary = "tracker-test"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"花名册.csv\"\r\n"
                "Content-Type: text/csv\r\n\r\n姓名,联系方式\r\n王晓明,13900001111\r\n"
                f"--{boundary}--\r\n").encode()
        req = urllib.request.Request(url + "upload", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        opener.open(req, timeout=60).read()
        staged = [p for p in temp.rglob("*") if p.is_file()]
        assert staged, "the upload waits for confirmation in the temp folder"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert not [p for p in Path(temp).rglob("*") if p.is_file()]
