"""Load benchmark of the respondent's pages against a floor measured in the same run.

gunicorn serves fieldkit on loopback; 16 clients, each with its own personal link, open a
30-item questionnaire page (render) and submit it (validate, save, redirect). The floor is a
bare Flask + SQLAlchemy app (``bench/floor_app.py``) served the same way, rendering a page of the
same size and inserting one row per POST. Target: at least half the floor's throughput on both
render and submit, and p99 under 100 ms at 16 concurrent clients.

    python bench/respond_load.py [--seconds 15] [--clients 16] [--database-url URL]

Exits non-zero when a target is missed. Requests are bounded in count and time and go to
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKERS, THREADS = 2, 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def questionnaire_yaml() -> str:
    """One page of 30 items: single choices, numbers and short texts."""
    lines = ["title: Belastningstest", "questions:"]
    for n in range(1, 31):
        if n % 3 == 1:
            lines.append(
                f"  - {{no: {n}, type: single, text: 'Spørsmål {n}: gjelder dette "
                f"kontoret?', options: [Ja, Nei, Vet ikke]}}"
            )
        elif n % 3 == 2:
            lines.append(
                f"  - {{no: {n}, type: integer, text: 'Spørsmål {n}: hvor mange?', "
                "min: 0, max: 1000}"
            )
        else:
            lines.append(f"  - {{no: {n}, type: text, text: 'Spørsmål {n}: kommentar'}}")
    return "\n".join(lines) + "\n"


def answers() -> dict[str, str]:
    data = {"_shown": " ".join(f"q{n}" for n in range(1, 31)), "action": "next"}
    for n in range(1, 31):
        data[f"q{n}"] = "1" if n % 3 == 1 else ("12" if n % 3 == 2 else "Fint")
    return data


def prepare(instance: Path, database_url: str | None, clients: int) -> list[str]:
    """A survey with one personal link per client; returns the link tokens."""
    env_before = dict(os.environ)
    os.environ["FIELDKIT_INSTANCE_PATH"] = str(instance)
    if database_url:
        os.environ["FIELDKIT_DATABASE_URL"] = database_url
    try:
        from fieldkit import create_app
        from fieldkit.core import operations
        from fieldkit.core.database import upgrade_schema
        from fieldkit.extensions import db
        from fieldkit.surveys.fieldwork import operations as surveys
        from fieldkit.surveys.questionnaires import operations as questionnaires
        from fieldkit.surveys.respond import links

        app = create_app()
        with app.app_context():
            upgrade_schema()
            slug = f"bench-{int(time.time())}"
            project = operations.create_project(slug, "Bench")
            record = questionnaires.import_questionnaire(
                project, "bench.yaml", questionnaire_yaml().encode()
            )
            survey = surveys.create_survey(record, "Bench", review_page=True)
            surveys.launch(survey)
            cases = [surveys.add_case(survey, f"c{i}") for i in range(clients)]
            db.session.commit()
            return [links.personal_token(c) for c in cases]
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def start_gunicorn(app_path: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "-k",
            "gthread",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_path,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                time.sleep(0.5)
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn did not start on port {port}")


class Client:
    """One browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None):
        headers = {"Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, content


#: What one request of each phase is.
PHASES = {
    "app-render": ("GET", "/svar/side/s1", False, 200),
    "app-submit": ("POST", "/svar/side/s1", True, 302),
    "floor-render": ("GET", "/page", False, 200),
    "floor-submit": ("POST", "/page", True, 204),
}
CLIENT_PROCESSES = 4


def _client_process(args) -> tuple[list[float], int]:
    """One load-generator process: its clients in threads, each looping until ``stop``."""
    port, states, phase, stop = args
    method, path, with_body, expected = PHASES[phase]
    body = answers()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop(state):
        client = Client(port)
        client.cookies = dict(state["cookies"])
        data = {**body, "csrf_token": state.get("csrf", "")} if with_body else None
        mine = []
        while time.time() < stop and len(mine) < 100_000:
            started = time.perf_counter()
            status, _ = client.request(method, path, data)
            mine.append(time.perf_counter() - started)
            if status != expected:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(state,)) for state in states]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def run_phase(port: int, states: list[dict], phase: str, seconds: float) -> dict[str, float]:
    """The clients run ``phase`` in closed loops for ``seconds``, spread over a few processes
    so that the load generator's own GIL does not add to the latencies it measures."""
    import multiprocessing

    stop = time.time() + seconds
    chunks = [states[i::CLIENT_PROCESSES] for i in range(CLIENT_PROCESSES)]
    began = time.monotonic()
    with multiprocessing.get_context("fork").Pool(CLIENT_PROCESSES) as pool:
        results = pool.map(_client_process, [(port, c, phase, stop) for c in chunks if c])
    elapsed = time.monotonic() - began
    latencies = sorted(x for lat, _ in results for x in lat)
    return {
        "requests": len(latencies),
        "throughput": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "errors": sum(e for _, e in results),
    }


def bench_fieldkit(port: int, tokens: list[str], seconds: float) -> tuple[dict, dict, int]:
    states = []
    page_bytes = 0
    for token in tokens:
        client = Client(port)
        status, _ = client.request("GET", f"/s/{token}")
        assert status == 302, status
        _, html = client.request("GET", "/svar")
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()
        status, _ = client.request("POST", "/svar/start", {"csrf_token": csrf})
        assert status == 302, status
        status, page = client.request("GET", "/svar/side/s1")
        assert status == 200, status
        page_bytes = len(page)
        states.append({"cookies": client.cookies, "csrf": csrf})
    render = run_phase(port, states, "app-render", seconds)
    submit = run_phase(port, states, "app-submit", seconds)
    return render, submit, page_bytes


def bench_floor(port: int, count: int, seconds: float) -> tuple[dict, dict]:
    states = [{"cookies": {}} for _ in range(count)]
    return (
        run_phase(port, states, "floor-render", seconds),
        run_phase(port, states, "floor-submit", seconds),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--database-url", default=os.environ.get("FIELDKIT_BENCH_DATABASE_URL"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        instance = Path(scratch) / "instance"
        tokens = prepare(instance, args.database_url, args.clients)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDKIT_")}
        env["FIELDKIT_INSTANCE_PATH"] = str(instance)
        if args.database_url:
            env["FIELDKIT_DATABASE_URL"] = args.database_url

        port = free_port()
        server = start_gunicorn("wsgi:app", port, env)
        try:
            app_render, app_submit, page_bytes = bench_fieldkit(port, tokens, args.seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

        from bench import floor_app

        floor_env = dict(env)
        floor_env["FLOOR_DATABASE_URL"] = (
            args.database_url or f"sqlite:///{Path(scratch) / 'floor.sqlite'}"
        )
        floor_env["FLOOR_PAGE_BYTES"] = str(page_bytes)
        floor_app.create_table(floor_env["FLOOR_DATABASE_URL"])
        port = free_port()
        server = start_gunicorn("bench.floor_app:app", port, floor_env)
        try:
            floor_render, floor_submit = bench_floor(port, args.clients, args.seconds)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    result = {
        "database": "PostgreSQL" if args.database_url else "SQLite",
        "clients": args.clients,
        "page_bytes": page_bytes,
        "fieldkit": {"render": app_render, "submit": app_submit},
        "floor": {"render": floor_render, "submit": floor_submit},
    }
    print(json.dumps(result, indent=2))
    failures = []
    for phase in ("render", "submit"):
        ratio = result["fieldkit"][phase]["throughput"] / result["floor"][phase]["throughput"]
        print(
            f"{phase}: {ratio:.2f} of the floor's throughput, "
            f"p99 {result['fieldkit'][phase]['p99_ms']:.1f} ms"
        )
        if ratio < 0.5:
            failures.append(f"{phase} throughput {ratio:.2f} of the floor (< 0.5)")
        if result["fieldkit"][phase]["p99_ms"] >= 100:
            failures.append(f"{phase} p99 {result['fieldkit'][phase]['p99_ms']:.1f} ms (>= 100)")
        if result["fieldkit"][phase]["errors"]:
            failures.append(f"{phase}: {result['fieldkit'][phase]['errors']} errors")
    for failure in failures:
        print("MISSED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
