"""The README's first command: `fieldkit serve --demo` on the embedded default, end to end."""

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.paths import ROOT
from tests.smtp import free_port


@pytest.fixture
def served(tmp_path):
    """`fieldkit serve --demo` in a fresh instance folder; yields (base URL, its output, env)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDKIT_")}
    env["FIELDKIT_INSTANCE_PATH"] = str(tmp_path / "instance")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fieldkit.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    output = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if "Booting worker" in line or "Listening at" in line:
                break
            assert process.poll() is None, "".join(output)
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        yield base, "".join(output), env, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def browser_session():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def log_in(opener, base, email, password):
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password})
    return opener.open(base + "/login", data=data.encode())


def test_serve_demo_prints_a_login_that_works(served, tmp_path):
    base, output, env, _process = served
    assert f"fieldkit is running at {base}/" in output
    email = re.search(r"Log in as:\s+(\S+)", output).group(1)
    password = re.search(r"Password:\s+(\S+)", output).group(1)

    opener = browser_session()
    login_page = opener.open(base + "/login").read().decode()
    assert '<html lang="nb">' in login_page and "Logg inn" in login_page
    page = log_in(opener, base, email, password).read().decode()
    assert "Storbysatsingen (demo)" in page
    assert opener.open(base + "/p/demo/").status == 200

    # Another user, not a member, is refused the demo project.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "fieldkit.cli",
            "user",
            "create",
            "ola@example.no",
            "--name",
            "Ola Nordmann",
            "--password",
            "et helt annet passord",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    other = browser_session()
    assert (
        "Prosjekter"
        in log_in(other, base, "ola@example.no", "et helt annet passord").read().decode()
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        other.open(base + "/p/demo/")
    assert refused.value.code == 403
    assert (tmp_path / "instance" / "fieldkit.sqlite").exists()
    assert (tmp_path / "instance" / "secret_key").exists()


def test_the_access_log_never_holds_a_link_token(served):
    """A personal link's token reaches the app, but the server's log shows only ``/s/…``."""
    from fieldkit.core.server import redact

    assert redact("/s/" + "A" * 43) == "/s/…"
    assert redact("/d/" + "B" * 43) == "/d/…"  # a summary document's download link
    assert redact("/svar/side/s1") == "/svar/side/s1"
    assert redact("/dashboard") == "/dashboard"
    base, _output, _env, process = served
    token = "Tok3n" + "x" * 38
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{base}/s/{token}?kilde=epost")
    assert missing.value.code == 404
    process.send_signal(signal.SIGTERM)
    log, _ = process.communicate(timeout=30)
    assert '"GET /s/… HTTP/1.1" 404' in log
    assert token not in log and "kilde" not in log


def test_every_token_route_is_redacted_in_the_access_log(served, tmp_path):
    """Each route with a token (read from ``app.url_map``: personal, open, resume, decline and
    download links) and the referent's ``/g?t=`` reach gunicorn's log without the token."""
    from fieldkit import create_app
    from fieldkit.core import redaction

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_PATH": tmp_path / "x"}
    )
    rules = redaction.token_rules(app)
    assert {"/s/<token>", "/o/<token>", "/r/<token>", "/n/<token>", "/d/<token>"} <= set(rules)
    prefixes = [rule.removesuffix("<token>") for rule in rules]
    assert all("<" not in prefix for prefix in prefixes)
    base, _output, _env, process = served
    tokens = {}
    for number, prefix in enumerate([*prefixes, "/g?t="]):
        token = f"Tok{number}en" + "z" * 37
        tokens[prefix] = token
        request = urllib.request.Request(
            f"{base}{prefix}{token}", headers={"Referer": f"{base}/s/{token}?kilde=epost"}
        )
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request)
        assert failed.value.code == 404
    process.send_signal(signal.SIGTERM)
    log, _ = process.communicate(timeout=30)
    for prefix, token in tokens.items():
        assert token not in log
        if prefix != "/g?t=":
            assert f'"GET {prefix}… HTTP/1.1" 404' in log
    assert '"GET /g HTTP/1.1" 404' in log
    assert "kilde" not in log


def test_a_new_token_route_is_redacted_without_a_change_to_redaction(app):
    from fieldkit.core import redaction

    app.add_url_rule("/x/<int:number>/<token>/pdf", "new_link", lambda number, token: "")
    redaction.init_app(app)
    assert redaction.redact("/x/7/" + "A" * 43 + "/pdf") == "/x/7/…/pdf"
    assert redaction.redact("/d/" + "B" * 43) == "/d/…"
    assert redaction.redact("/p/storby/surveys/3") == "/p/storby/surveys/3"


def test_the_development_server_log_holds_no_token(app, caplog):
    """``fieldkit run`` (Flask's development server) logs each request through werkzeug."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    token = "Tok3n" + "w" * 38
    with caplog.at_level("INFO", logger="werkzeug"):
        thread.start()
        try:
            for path in (f"/d/{token}", f"/n/{token}", f"/g?t={token}"):
                with pytest.raises(urllib.error.HTTPError):
                    urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}")
        finally:
            server.shutdown()
            thread.join(timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /d/… HTTP/1.1" in line for line in lines), lines
    assert any("GET /n/… HTTP/1.1" in line for line in lines), lines
    assert any("GET /g HTTP/1.1" in line for line in lines), lines
    assert token not in caplog.text


def test_a_failing_request_is_logged_without_its_link_token(app, caplog, monkeypatch):
    """Flask logs ``Exception on <path>``; under a personal link that path is the token."""
    from fieldkit.core import roles

    token = "Tok3n" + "y" * 38

    @app.route("/s/<token>/boom")
    def boom(token):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(roles.ENDPOINTS, "boom", roles.Rule.TOKEN)

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level("ERROR"):
        assert app.test_client().get(f"/s/{token}/boom").status_code == 500
    (record,) = [r for r in caplog.records if r.getMessage().startswith("Exception on")]
    assert record.getMessage().startswith("Exception on /s/…/boom [GET]\nTraceback")
    assert "RuntimeError (the message is not logged)" in record.getMessage()
    assert token not in caplog.text
