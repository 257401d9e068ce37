"""The wheel: built from the checkout, installed in a fresh virtual environment outside it, it
upgrades its database, loads the demo and serves (templates, migrations and static files are
inside it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import venv

from tests.deploy.stack import free_port, wait_for_port
from tests.paths import ROOT


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def test_the_wheel_installs_upgrades_loads_the_demo_and_serves(tmp_path_factory):
    build = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(build), str(ROOT)])
    (wheel,) = build.glob("fieldkit-*.whl")
    prefix = tmp_path_factory.mktemp("venv")
    venv.create(prefix, with_pip=True)
    bin_dir = prefix / "bin"
    run([str(bin_dir / "pip"), "install", "-q", str(wheel)])

    # Run from a folder of its own, with no setting but the defaults: nothing of the checkout.
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDKIT_", "PYTHON"))}
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    fieldkit = str(bin_dir / "fieldkit")
    where = run(
        [str(bin_dir / "python"), "-c", "import fieldkit; print(fieldkit.__file__)"],
        cwd=elsewhere,
        env=env,
    ).stdout
    assert where.startswith(str(prefix)), where
    help_text = run([fieldkit, "--help"], cwd=elsewhere, env=env).stdout
    assert "survey" in help_text and "conference" in help_text
    run([fieldkit, "db", "upgrade"], cwd=elsewhere, env=env)
    demo = run([fieldkit, "demo"], cwd=elsewhere, env=env).stdout
    assert "forsker@demo.fieldkit.no" in demo
    # The installed default instance is <prefix>/var/fieldkit-instance, never site-packages.
    assert (prefix / "var" / "fieldkit-instance" / "fieldkit.sqlite").exists()

    port = free_port()
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "-c",
            "python:fieldkit.core.gunicorn_conf",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "fieldkit.wsgi:app",
        ],  # fmt: skip
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        base = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as reply:
            assert reply.status == 200
            assert json.load(reply) == {"checks": {"database": "ok"}, "status": "ok"}
        with urllib.request.urlopen(f"{base}/login", timeout=10) as reply:
            assert "<title>Logg inn – fieldkit</title>" in reply.read().decode()
        with urllib.request.urlopen(f"{base}/static/css/fieldkit.css", timeout=10) as reply:
            assert reply.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
