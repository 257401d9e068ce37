"""Load test: 30 referent tablets autosaving every 2 seconds against gunicorn on loopback.

Starts ``gunicorn -w 2 --threads 4 wsgi:app`` on a scratch instance (SQLite, or the database
in ``FIELDKIT_DATABASE_URL``), opens one referent link per group like a tablet does (session
cookie and CSRF token from the page), and lets every tablet save a change every 2 seconds for
``--seconds``: it writes points and then keeps editing them with versioned updates, while it
also polls the group's state every ``--poll`` seconds like the tablet page does. Afterwards
it checks that no update was lost (every point's final text in the database equals the last
text its tablet sent) and reports p50/p99 save latency. The floor, measured in the same run
with the same clients and pace, is the latency of ``/healthz`` (one trivial database query).

Exit status 1 when an update is lost, a save fails, or p99 save latency exceeds
``--max-p99-ms``.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret-key-0123456789abcdef0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(instance: Path, groups: int) -> list[tuple[int, str, list[int]]]:
    """Create a project, a conference with ``groups`` groups; return (group, token, tasks)."""
    os.environ["FIELDKIT_INSTANCE_PATH"] = str(instance)
    os.environ["FIELDKIT_SECRET_KEY"] = SECRET
    from fieldkit import create_app
    from fieldkit.conferences.setup import links, operations
    from fieldkit.core import operations as core
    from fieldkit.core.database import upgrade_schema
    from fieldkit.extensions import db

    app = create_app()
    with app.app_context():
        upgrade_schema()
        project = core.create_project("bench", "Bench")
        conference = operations.import_conference(
            project, ROOT / "fieldkit/conferences/data/dialogkonferanse_storbysatsingen.yaml"
        )
        made = [operations.add_group(conference.rounds[0]) for _ in range(groups)]
        db.session.commit()
        result = [
            (
                g.id,
                links.token_for(links.active_link(g)),
                [t.id for t in g.round.tasks],
            )
            for g in made
        ]
        db.session.remove()
        db.engine.dispose()
    return result


def final_texts(instance: Path) -> dict[tuple[int, str], str]:
    from fieldkit import create_app
    from fieldkit.conferences.models import Point
    from fieldkit.extensions import db

    app = create_app()
    with app.app_context():
        return {(p.group_id, p.key): p.text for p in db.session.query(Point)}


class Tablet(threading.Thread):
    """One referent tablet: opens its link, then saves a change every ``interval`` seconds."""

    def __init__(self, base, group_id, token, tasks, seconds, interval, start_at, poll=0.0):
        super().__init__(daemon=True)
        self.base, self.group_id, self.token, self.tasks = base, group_id, token, tasks
        self.seconds, self.interval, self.start_at = seconds, interval, start_at
        self.poll = poll
        self.poll_latencies: list[float] = []
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.sent: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.retries = 0

    def run(self) -> None:
        session = requests.Session()
        page = session.get(f"{self.base}/g?t={self.token}", timeout=30)
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        headers = {"X-CSRFToken": csrf}
        url = f"{self.base}/g/{self.group_id}/api/ops"
        time.sleep(max(0, self.start_at - time.monotonic()))
        end = time.monotonic() + self.seconds
        if self.poll:
            # The tablet page also asks for the group's state every few seconds.
            poller = threading.Thread(target=self.run_poll, args=(session.cookies, end))
            poller.daemon = True
            poller.start()
        tick = 0
        while time.monotonic() < end:
            began = time.monotonic()
            if tick < 6:  # the first ticks write points, the rest edit them
                key = f"g{self.group_id}-p{tick}-bench"
                text = f"Moment {tick} fra gruppe {self.group_id}"
                op = {
                    "op": "create",
                    "key": key,
                    "task_id": self.tasks[tick % len(self.tasks)],
                    "text": text,
                }
            else:
                key = f"g{self.group_id}-p{tick % 6}-bench"
                text = f"Moment {tick % 6} fra gruppe {self.group_id}, versjon {tick}"
                op = {"op": "update", "key": key, "base_version": self.versions[key], "text": text}
            op["id"] = tick
            try:
                # Like the tablet's queue, send again when the connection drops (a kept-alive
                # connection closed by the server as it is reused); the save is idempotent.
                for attempt in range(3):
                    try:
                        response = session.post(
                            url, json={"ops": [op]}, headers=headers, timeout=30
                        )
                        break
                    except requests.ConnectionError:
                        if attempt == 2:
                            raise
                        self.retries += 1
                elapsed = time.monotonic() - began
                result = response.json()["results"][0]
                if response.status_code != 200 or not result["ok"]:
                    self.errors.append(f"{response.status_code} {result}")
                else:
                    self.latencies.append(elapsed)
                    self.sent[key] = text
                    self.versions[key] = result["point"]["version"]
            except Exception as exc:  # noqa: BLE001 - every failure is counted and shown
                self.errors.append(repr(exc))
            tick += 1
            time.sleep(max(0, began + self.interval - time.monotonic()))

    def run_poll(self, cookies, end: float) -> None:
        session = requests.Session()
        session.cookies.update(cookies)
        url = f"{self.base}/g/{self.group_id}/api/state"
        time.sleep(self.poll / 2)
        while time.monotonic() < end:
            began = time.monotonic()
            try:
                if session.get(url, timeout=30).status_code == 200:
                    self.poll_latencies.append(time.monotonic() - began)
            except requests.ConnectionError:
                pass
            time.sleep(max(0, began + self.poll - time.monotonic()))


class Prober(threading.Thread):
    """The floor: the same pace of requests to /healthz."""

    def __init__(self, base, seconds, interval, start_at):
        super().__init__(daemon=True)
        self.base, self.seconds, self.interval, self.start_at = base, seconds, interval, start_at
        self.latencies: list[float] = []

    def run(self) -> None:
        session = requests.Session()
        time.sleep(max(0, self.start_at - time.monotonic()))
        end = time.monotonic() + self.seconds
        while time.monotonic() < end:
            began = time.monotonic()
            try:
                response = session.get(f"{self.base}/healthz", timeout=30)
            except requests.ConnectionError:  # a kept-alive connection closed as it is reused
                response = session.get(f"{self.base}/healthz", timeout=30)
            if response.status_code == 200:
                self.latencies.append(time.monotonic() - began)
            time.sleep(max(0, began + self.interval - time.monotonic()))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tablets", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--floor-seconds", type=float, default=20)
    parser.add_argument("--max-p99-ms", type=float, default=500)
    parser.add_argument(
        "--poll", type=float, default=3.0, help="seconds between state polls (0: none)"
    )
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="fieldkit-bench-"))
    groups = prepare(instance, args.tablets)
    port = free_port()
    env = dict(os.environ, FIELDKIT_INSTANCE_PATH=str(instance), FIELDKIT_SECRET_KEY=SECRET)
    server = subprocess.Popen(
        ["gunicorn", "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        start = time.monotonic() + 1
        probers = [
            Prober(
                base, args.floor_seconds, args.interval, start + i * args.interval / args.tablets
            )
            for i in range(args.tablets)
        ]
        for p in probers:
            p.start()
        for p in probers:
            p.join()
        start = time.monotonic() + 2
        tablets = [
            Tablet(
                base,
                gid,
                token,
                tasks,
                args.seconds,
                args.interval,
                start + i * args.interval / args.tablets,
                args.poll,
            )
            for i, (gid, token, tasks) in enumerate(groups)
        ]
        for t in tablets:
            t.start()
        for t in tablets:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)

    stored = final_texts(instance)
    expected = {(t.group_id, k): v for t in tablets for k, v in t.sent.items()}
    lost = [k for k, v in expected.items() if stored.get(k) != v]
    saves = [x for t in tablets for x in t.latencies]
    errors = [e for t in tablets for e in t.errors]
    floor = [x for p in probers for x in p.latencies]
    db_kind = (
        "PostgreSQL" if "postgresql" in os.environ.get("FIELDKIT_DATABASE_URL", "") else "SQLite"
    )
    print(f"database: {db_kind}; gunicorn -w 2 --threads 4 on loopback")
    print(f"tablets: {args.tablets}, one save every {args.interval:g} s for {args.seconds:g} s")
    retries = sum(t.retries for t in tablets)
    print(
        f"saves: {len(saves)} ok, {len(errors)} failed, {retries} sent again after a dropped "
        f"connection; points: {len(expected)}; lost updates: {len(lost)}"
    )
    print(
        f"save latency ms: p50 {1000 * statistics.median(saves):.1f}, "
        f"p99 {1000 * percentile(saves, 0.99):.1f}, max {1000 * max(saves):.1f}"
    )
    polls = [x for t in tablets for x in t.poll_latencies]
    if polls:
        print(
            f"state polls (every {args.poll:g} s per tablet): {len(polls)}, ms: p50 "
            f"{1000 * statistics.median(polls):.1f}, p99 {1000 * percentile(polls, 0.99):.1f}"
        )
    print(
        f"floor (/healthz, same pace) ms: p50 {1000 * statistics.median(floor):.1f}, "
        f"p99 {1000 * percentile(floor, 0.99):.1f}"
    )
    for error in errors[:5]:
        print("error:", error)
    ok = not lost and not errors and 1000 * percentile(saves, 0.99) <= args.max_p99_ms
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
