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
from pathlib import Path

import pytest

from tests.deploy.stack import free_port, wait_for_port
from tests.paths import ROOT


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The README's first steps: the wheel built in the checkout, installed in a new venv."""
    build = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(build), str(ROOT)])
    (wheel,) = build.glob("fieldkit-*.whl")
    prefix = tmp_path_factory.mktemp("venv")
    venv.create(prefix, with_pip=True)
    run([str(prefix / "bin" / "pip"), "install", "-q", str(wheel)])
    return prefix


def test_the_wheel_installs_upgrades_loads_the_demo_and_serves(installed, tmp_path_factory):
    prefix = installed
    bin_dir = prefix / "bin"

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


def test_the_readme_production_steps_with_the_shipped_settings(installed, tmp_path):
    """The shipped ``deploy/fieldkit.env`` (its values filled in) read by a shell, ``db
    upgrade``, the first admin, and an app node started as its systemd unit starts it."""
    bin_dir = installed / "bin"
    settings = (ROOT / "deploy" / "fieldkit.env").read_text()
    filled = {
        "FIELDKIT_SECRET_KEY": "a" * 64,
        "FIELDKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'fieldkit.sqlite'}",
        "FIELDKIT_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    lines = []
    for line in settings.splitlines():
        name = line.partition("=")[0]
        if name in ("FIELDKIT_REDIS_URL", "FIELDKIT_SMTP_HOST"):
            continue  # no Redis or mail server in this test: jobs in threads, mail to the outbox
        lines.append(f"{name}={filled[name]}" if name in filled else line)
    env_file = tmp_path / "fieldkit.env"
    env_file.write_text("\n".join(lines) + "\n")
    port = free_port()
    script = f"""
set -eu
set -a; . {env_file}; set +a
{bin_dir}/fieldkit db upgrade
printf 'hemmelig-passord-1\\nhemmelig-passord-1\\n' | \\
  {bin_dir}/fieldkit user create admin@example.no --name "Admin" --role admin
exec {bin_dir}/gunicorn -c {ROOT / "deploy" / "gunicorn.conf.py"} --bind 127.0.0.1:{port} \\
  fieldkit.wsgi:app
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDKIT_", "PYTHON"))}
    server = subprocess.Popen(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, server, seconds=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as reply:
            assert reply.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10) as reply:
            # Production mode: the session cookie is only ever sent over HTTPS.
            assert "Secure" in reply.headers["Set-Cookie"]
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Created admin admin@example.no" in output, output
