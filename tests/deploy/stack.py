"""A production stack on loopback, started from the files in ``deploy/``: nginx (TLS) in front of
two gunicorn app nodes, RQ workers, PostgreSQL and Redis; and a small browser that speaks to it
from an address of its own (every 127.x.y.z address is this machine)."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from tests.paths import ROOT

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


def exec_start(unit: str, **replace: str) -> list[str]:
    """The ``ExecStart`` command of a shipped systemd unit, with its paths replaced."""
    text = (DEPLOY / "systemd" / unit).read_text()
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    command = line.removeprefix("ExecStart=")
    for old, new in replace.items():
        command = command.replace(old, new)
    return shlex.split(command)


@dataclass
class Stack:
    """The processes of one deployment; each writes its log to ``folder``."""

    folder: Path
    env: dict[str, str]
    nodes: dict[int, subprocess.Popen] = field(default_factory=dict)
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)
    nginx: subprocess.Popen | None = None
    https_port: int = field(default_factory=free_port)

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - kept by the process
        return subprocess.Popen(
            command,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
            start_new_session=True,  # its own process group: a worker and its work horse
        )

    def start_node(self, port: int) -> None:
        command = exec_start(
            "fieldkit-web@.service",
            **{
                "/opt/fieldkit/venv/bin/": f"{BIN}/",
                "/etc/fieldkit/gunicorn.conf.py": str(DEPLOY / "gunicorn.conf.py"),
                "%i": str(port),
            },
        )
        self.nodes[port] = self._spawn(f"node-{port}", command)
        wait_for_port(port, self.nodes[port])

    def stop_node(self, port: int) -> None:
        """What ``systemctl restart`` does first: SIGTERM, requests in flight finish."""
        process = self.nodes.pop(port)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=40)

    def start_worker(self, name: str) -> subprocess.Popen:
        command = exec_start("fieldkit-worker@.service", **{"/opt/fieldkit/venv/bin/": f"{BIN}/"})
        self.workers[name] = self._spawn(f"worker-{name}", command)
        return self.workers[name]

    def worker_of(self, pid: int) -> str:
        """The name of the worker whose process (or work horse) ``pid`` is."""
        for _level in range(3):
            for name, process in self.workers.items():
                if process.pid == pid:
                    return name
            stat = Path(f"/proc/{pid}/stat").read_text()
            pid = int(stat.rsplit(")", 1)[1].split()[1])  # the parent
        raise LookupError(f"process {pid} is none of the workers")

    def kill_worker(self, name: str, horse: int | None = None) -> None:
        """``kill -9`` of a worker and of the work horse running its job (RQ starts the horse
        in a session of its own): the machine lost both."""
        process = self.workers.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        if horse is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(horse, signal.SIGKILL)
        process.wait(timeout=10)

    def start_nginx(self, node_ports: list[int], certificate: Path, key: Path) -> None:
        """The shipped site, its ports and paths replaced, in a minimal main configuration."""
        site = (DEPLOY / "nginx" / "fieldkit.conf").read_text()
        replacements = {
            "127.0.0.1:8001": f"127.0.0.1:{node_ports[0]}",
            "127.0.0.1:8002": f"127.0.0.1:{node_ports[1]}",
            "listen 443 ssl": f"listen 127.0.0.1:{self.https_port} ssl",
            "listen 80;": f"listen 127.0.0.1:{free_port()};",
            "/etc/ssl/fieldkit/fullchain.pem": str(certificate),
            "/etc/ssl/fieldkit/privkey.pem": str(key),
            "/var/log/nginx/fieldkit.access.log": str(self.folder / "nginx-access.log"),
        }
        for old, new in replacements.items():
            assert old in site, f"deploy/nginx/fieldkit.conf no longer has {old!r}"
            site = site.replace(old, new)
        (self.folder / "site.conf").write_text(site)
        temp = self.folder / "nginx-temp"
        temp.mkdir(exist_ok=True)
        (self.folder / "nginx.conf").write_text(
            f"""
daemon off;
worker_processes 2;
pid {self.folder / "nginx.pid"};
error_log {self.folder / "nginx-error.log"} warn;
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {DEPLOY / "nginx" / "log-format.conf"};
    include {self.folder / "site.conf"};
}}
"""
        )
        check = subprocess.run(
            ["nginx", "-t", "-c", str(self.folder / "nginx.conf")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr
        self.nginx = self._spawn("nginx", ["nginx", "-c", str(self.folder / "nginx.conf")])
        wait_for_port(self.https_port, self.nginx)

    def stop(self) -> None:
        processes = [*self.nodes.values(), *self.workers.values()]
        if self.nginx is not None:
            processes.append(self.nginx)
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


# --- A browser --------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    #: The path (and query) asked for.
    url: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class FormParser(HTMLParser):
    """The forms of a page: action, method and the values a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "method": a.get("method", "get"), "fields": {}}
            )
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"] if self.forms else {}
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file"):
                fields[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and (self._select not in fields or "selected" in a):
            fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


class Browser:
    """One client at ``source`` (a loopback address): cookies, TLS, forms; no JavaScript."""

    def __init__(self, port: int, source: str, cafile: Path):
        self.port = port
        self.source = source
        self.cookies: dict[str, str] = {}
        self.context = ssl.create_default_context(cafile=str(cafile))

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        timeout: float = 60,
        referer: str | None = None,
    ) -> Reply:
        connection = http.client.HTTPSConnection(
            "127.0.0.1",
            self.port,
            source_address=(self.source, 0),
            context=self.context,
            timeout=timeout,
        )
        headers = {"User-Agent": "fieldkit-deploy-test"}
        if referer is not None:  # as browsers send it (Flask-WTF checks it over HTTPS)
            headers["Referer"] = f"https://127.0.0.1:{self.port}{referer}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            reply = Reply(response.status, response.headers, response.read(), path)
        finally:
            connection.close()
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def follow(self, reply: Reply, limit: int = 5) -> Reply:
        while reply.status in (301, 302, 303) and limit:
            reply = self.get(local(reply.location))
            limit -= 1
        return reply

    def submit(self, page: Reply, action: str, /, **values) -> Reply:
        """Send the form of ``page`` whose action ends with ``action``, as filled in."""
        for form in forms(page.text):
            target = local(form["action"]) or page.url  # no action: the page's own address
            if target.split("?")[0].endswith(action):
                return self.request("POST", target, {**form["fields"], **values}, referer=page.url)
        dump = Path(os.environ.get("TMPDIR", "/tmp")) / "fieldkit-deploy-page.html"
        dump.write_text(page.text)
        raise AssertionError(
            f"no form posting to {action!r} on {page.url} ({page.status}; saved as {dump})"
        )


def local(url: str) -> str:
    """The path and query of ``url`` (links in pages and mails name the public address)."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


LINK = re.compile(r"https://127\.0\.0\.1:\d+(/s/[A-Za-z0-9_\-\.~]+)")
