"""Starting `tracker serve`: where it listens and who may use it (docs/web.md, "Starting").

Without any admin account the app serves the loopback address only, as a
single user without a login; any other `--host` is refused until an admin
account exists, because the pages would otherwise be open to the network.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from tracker import api
from tracker.problems import TrackerError


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def network_url(host: str, port: int) -> str | None:
    """This server's address as a phone on the network opens it: the host given, or for 0.0.0.0 the
    machine's address on its network (None on a loopback address, or when it cannot be told)."""
    if is_loopback(host):
        return None
    if host.strip() in ("0.0.0.0", "::", ""):
        import socket

        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect(("10.255.255.255", 1))  # no packet is sent: it picks the outgoing interface
                host = s.getsockname()[0]
        except OSError:
            return None
    return f"http://{host if ':' not in host else f'[{host}]'}:{port}"


def default_out_dir(db: Path) -> Path:
    return db.parent / f"{db.stem}-web"


@dataclass
class Server:
    db: Path
    host: str
    port: int
    out_dir: Path
    max_upload: int  # bytes per request
    single_user: bool
    rules: Path | None = None
    phone_url: str | None = None  # the address sign-in QR codes point to
    public_query: bool = True  # /q, a volunteer's own hours (--no-public-query)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @classmethod
    def prepare(cls, db: str | os.PathLike | None, host: str, port: int, *, out_dir: Path | None = None,
                max_upload_mb: int = 50, rules: Path | None = None, base_url: str | None = None) -> Server:
        """Open (or create) the database and check the address may be served; keep the address phones
        open for sign-ins (`base_url`, else this server's address on the network)."""
        path = api.init(db)[0]
        settings = api.serve_settings(path)
        local = is_loopback(host)
        if not local and not settings.has_admin:
            raise TrackerError(
                f"还没有管理员账户，不能在 {host} 上启动：没有管理员时，网页版只能在本机地址 127.0.0.1 上"
                "单用户使用。请先添加管理员账户（tracker user add 登录名 --role admin），再用 --host 启动。",
                code=2)
        if not 0 < port < 65536:
            raise TrackerError(f"--port 应在 1 到 65535 之间，而不是 {port}。", code=2)
        phones = base_url or network_url(host, port)
        server = cls(path, host, port, out_dir or default_out_dir(path), max_upload_mb * 1024 * 1024,
                     settings.accounts == 0, rules)
        if phones:
            server.phone_url = api.set_base_url(path, phones)
        return server

    def app(self):
        from tracker.web.app import create_app

        return create_app(self.db, self.out_dir, local_only=is_loopback(self.host), max_upload=self.max_upload,
                          rules=self.rules, public_query=self.public_query)

    def run(self) -> None:
        import uvicorn

        try:
            uvicorn.run(self.app(), host=self.host, port=self.port, log_level="warning")
        except OSError as e:  # pragma: no cover - the port is taken
            raise TrackerError(f"无法在 {self.url} 启动：{e}。端口可能已被占用，请换一个 --port。") from e
