"""A day of fieldwork on the production stack of ``deploy/``, everything through nginx.

nginx (TLS, the shipped site) in front of two gunicorn app nodes (the shipped systemd command
line and gunicorn settings), two RQ workers, PostgreSQL and Redis, mail to a real SMTP server.
The researcher sends 100 invitations, 100 respondents answer from addresses of their own, a
link-guesser is shut out, an export and a conference summary are compiled by the workers. On
the way a worker is killed with ``kill -9`` in the middle of the mailing, one app node is
restarted and PostgreSQL is restarted. At the end no accepted answer is lost, every respondent
was invited exactly once, no job is left running, and the app saw each client's own address.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import secrets
import subprocess
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.deploy.stack import BIN, Browser, Reply, Stack, free_port, local
from tests.smtp import SMTPServer, self_signed_certificate

RESPONDENTS = 100
QUESTIONNAIRE = """title: Dagens undersøkelse
questions:
  - {no: 1, type: single, text: 'Har kontoret et samarbeid med Aetat?', options: [Ja, Nei]}
  - {no: 2, type: integer, text: 'Hvor mange ansatte har kontoret?', min: 0, max: 10000}
  - {no: 3, type: text, text: 'Kommentar'}
"""


def answers_of(number: int) -> dict[str, str]:
    return {"q1": str(1 + number % 2), "q2": str(number), "q3": f"Svar nummer {number}"}


def respondent_address(number: int) -> str:
    return f"127.0.1.{number + 1}"


@pytest.fixture
def scratch_database(needs_stack):
    base = os.environ["FIELDKIT_TEST_DATABASE_URL"]
    name = f"fieldkit_deploy_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + f"/{name}"
    for _attempt in range(20):  # PostgreSQL may still be coming back from its restart
        try:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            break
        except sa.exc.OperationalError:
            time.sleep(0.5)
    admin.dispose()


def restart_postgresql() -> None:
    """``systemctl restart postgresql``, as this machine runs it."""
    (version,) = os.listdir("/etc/postgresql")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )


def retrying(step, attempts: int = 60) -> Reply:
    """What a respondent does when the page does not come: waits a moment and tries again."""
    for _attempt in range(attempts):
        try:
            reply = step()
        except OSError:
            time.sleep(0.25)
            continue
        if reply.status < 500:
            return reply
        time.sleep(0.25)
    raise AssertionError("the page never came")


def respond(port: int, cafile: Path, number: int, link: str) -> str:
    """One respondent: opens the personal link, starts, answers the page, reviews, sends."""
    browser = Browser(port, respondent_address(number), cafile)
    reply = retrying(lambda: browser.get(link))
    assert reply.status == 302, reply.status
    welcome = retrying(lambda: browser.get(local(reply.location)))
    started = retrying(lambda: browser.submit(welcome, "/svar/start"))
    assert started.status == 302, started.text[:500]
    page = retrying(lambda: browser.get(local(started.location)))
    assert page.status == 200
    sent = retrying(lambda: browser.submit(page, page.url, action="next", **answers_of(number)))
    if sent.status == 302 and local(sent.location) == "/svar/oversikt":
        review = retrying(lambda: browser.get("/svar/oversikt"))
        assert review.status == 200
        sent = retrying(lambda: browser.submit(review, "/svar/oversikt"))
    if sent.status == 302:
        assert local(sent.location) == "/svar/takk", sent.location
        return "submitted"
    # The reply to a send that was applied got lost and the respondent sent again.
    assert "allerede" in sent.text, sent.text[:500]
    return "submitted before"


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")


def job_state(browser: Browser, job_id: str) -> dict:
    reply = retrying(lambda: browser.get(f"/jobs/{job_id}"))
    assert reply.status == 200, reply.status
    return json.loads(reply.body)


def test_a_day_of_fieldwork_through_nginx_survives_a_dead_worker_and_restarts(
    scratch_database, tmp_path
):
    from fieldkit import create_app
    from fieldkit.core.models import Job
    from fieldkit.extensions import db
    from fieldkit.surveys.fieldwork import operations as surveys
    from fieldkit.surveys.models import Mailing, Response, SentMessage, Survey
    from fieldkit.surveys.questionnaires import operations as questionnaires

    certificate, key = self_signed_certificate(tmp_path)
    smtp = SMTPServer(tmp_path).start()
    smtp.handler.delay = 0.05  # 100 messages take five seconds: time to kill a worker mid-way
    queue = f"fieldkit-deploy-{uuid.uuid4().hex[:8]}"
    secret = secrets.token_hex(32)
    instance = tmp_path / "instance"
    stack = Stack(tmp_path, {})
    base_url = f"https://127.0.0.1:{stack.https_port}"
    settings = {
        "FIELDKIT_PRODUCTION": "1",
        "FIELDKIT_SECRET_KEY": secret,
        "FIELDKIT_DATABASE_URL": scratch_database,
        "FIELDKIT_REDIS_URL": os.environ["FIELDKIT_TEST_REDIS_URL"],
        "FIELDKIT_JOB_QUEUE": queue,
        "FIELDKIT_BASE_URL": base_url,
        "FIELDKIT_TRUSTED_PROXIES": "1",
        "FIELDKIT_INSTANCE_PATH": str(instance),
        "FIELDKIT_SMTP_HOST": "127.0.0.1",
        "FIELDKIT_SMTP_PORT": str(smtp.port),
        "FIELDKIT_SMTP_STARTTLS": "0",
        "FIELDKIT_WEB_WORKERS": "2",
        # A dead worker's job is given up after 8 s without a heartbeat (default 60 s).
        "FIELDKIT_JOB_HEARTBEAT_SECONDS": "1",
        "FIELDKIT_JOB_ABANDONED_AFTER_SECONDS": "8",
    }
    stack.env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FIELDKIT_")},
        **settings,
        "PATH": f"{BIN}:{os.environ['PATH']}",
    }
    fieldkit = str(BIN / "fieldkit")
    for command in (["db", "upgrade"], ["demo"]):
        done = subprocess.run(
            [fieldkit, *command], env=stack.env, cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    password = re.search(r"Password:\s+(\S+)", done.stdout).group(1)

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": scratch_database,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": secret,
            "REDIS_URL": os.environ["FIELDKIT_TEST_REDIS_URL"],
            "JOB_QUEUE": queue,
            "BASE_URL": base_url,
        }
    )
    with app.app_context():
        from fieldkit.core.models import Project

        project = db.session.scalar(sa.select(Project).where(Project.slug == "demo"))
        record = questionnaires.import_questionnaire(project, "dag.yaml", QUESTIONNAIRE.encode())
        survey = surveys.create_survey(record, "Dagens undersøkelse")
        surveys.launch(survey)
        for number in range(RESPONDENTS):
            surveys.add_case(
                survey, f"kontor-{number}", name=f"Kontor {number}", email=f"k{number}@example.no"
            )
        db.session.commit()
        survey_id = survey.id
        conference_id = db.session.execute(
            sa.text("SELECT id FROM conferences ORDER BY id LIMIT 1")
        ).scalar_one()
        db.session.remove()
        db.engine.dispose()

    node_ports = [free_port(), free_port()]
    events: list[str] = []
    compiling: list[Reply] = []
    try:
        for port in node_ports:
            stack.start_node(port)
        stack.start_worker("1")
        stack.start_worker("2")
        stack.start_nginx(node_ports, certificate, key)

        # --- Morning: the researcher logs in and sends the invitations ------------------------
        researcher = Browser(stack.https_port, "127.0.0.2", certificate)
        login = researcher.get("/login")
        assert login.status == 200
        logged_in = researcher.submit(
            login, "/login", email="forsker@demo.fieldkit.no", password=password
        )
        assert logged_in.status == 302, logged_in.text[:300]
        mail_page = researcher.get(f"/p/demo/surveys/{survey_id}/mail")
        assert mail_page.status == 200
        started = researcher.submit(mail_page, f"/surveys/{survey_id}/mail/invitation")
        assert started.status == 302

        # A worker dies (kill -9) while it sends: a fifth of the way in.
        with app.app_context():

            def mailing_job():
                db.session.remove()
                return db.session.scalar(
                    sa.select(Job).where(Job.func.like("%run_mailing"), Job.progress_done >= 20)
                )

            job = wait_for(mailing_job, 60, "the mailing job has sent 20 messages")
        assert job.runner.startswith("rq "), job.runner
        horse = int(job.runner.rpartition(":")[2])
        victim = stack.worker_of(horse)
        stack.kill_worker(victim, horse)
        sent_before_kill = len(smtp.messages)
        assert 20 <= sent_before_kill < RESPONDENTS
        # systemd's Restart=always brings the worker back; the job it held is given up once its
        # heartbeat has stopped, and the researcher continues the mailing from its page.
        stack.start_worker(victim + "-again")
        given_up = wait_for(
            lambda: (state := job_state(researcher, job.id))["status"] == "failed" and state,
            60,
            "the dead worker's job is marked failed",
        )
        assert given_up["error"].startswith("Jobben stoppet uventet"), given_up
        mail_page = researcher.get(f"/p/demo/surveys/{survey_id}/mail")
        assert "Avbrutt" in mail_page.text
        resumed = researcher.submit(mail_page, "/resume")
        assert resumed.status == 302
        with app.app_context():

            def mailing_done():
                db.session.remove()
                return db.session.scalar(
                    sa.select(Mailing.status).where(Mailing.survey_id == survey_id)
                ) == "done" and not db.session.scalar(
                    sa.select(Job.id).where(Job.status.in_(["queued", "running"]))
                )

            wait_for(mailing_done, 90, "the continued mailing is done")
        # The message in hand when the worker died is listed as uncertain. The researcher looks
        # it up in the mail server's log by its Message-ID; one that never arrived is released
        # and sent (one that arrived is not sent twice).
        mail_page = researcher.get(f"/p/demo/surveys/{survey_id}/mail")
        listed = re.search(r"med ukjent utfall</h2>.*?<ul>(.*?)</ul>", mail_page.text, re.S)
        uncertain = re.findall(r"<code>([^<]+)</code>", listed.group(1)) if listed else []
        assert len(uncertain) <= 1, uncertain
        delivered = {str(m.message["Message-ID"]) for m in smtp.messages}
        if uncertain and html.unescape(uncertain[0]) not in delivered:
            released = researcher.submit(mail_page, "/mail/uncertain")
            assert released.status == 302
            # "… will be sent with the next mailing": invitations again, to those not invited.
            mail_page = researcher.get(f"/p/demo/surveys/{survey_id}/mail")
            again = researcher.submit(mail_page, f"/surveys/{survey_id}/mail/invitation")
            assert again.status == 302
        wait_for(lambda: len(smtp.messages) >= RESPONDENTS, 90, "every invitation is delivered")
        events.append(f"worker killed after {sent_before_kill} messages")

        # --- The day: 100 respondents, each from an address of its own ------------------------
        links = {}
        for message in smtp.messages:
            (recipient,) = message.rcpt_tos
            body = message.message.get_body(("plain",)).get_content()
            links.setdefault(recipient, []).append(re.search(r"https://\S+/s/\S+", body).group(0))
        results: dict[int, str] = {}

        def answer(number: int) -> None:
            (link,) = links[f"k{number}@example.no"][:1]
            results[number] = respond(stack.https_port, certificate, number, local(link))

        guessed = []

        def guess_links() -> None:
            guesser = Browser(stack.https_port, "127.0.2.1", certificate)
            for _attempt in range(25):
                guessed.append(retrying(lambda: guesser.get(f"/s/{secrets.token_urlsafe(24)}")))

        def disturb() -> None:
            wait_for(lambda: len(results) >= 25, 120, "25 respondents have answered")
            stack.stop_node(node_ports[0])  # systemctl restart fieldkit-web@<port>
            stack.start_node(node_ports[0])
            events.append("node restarted")
            wait_for(lambda: len(results) >= 50, 120, "50 respondents have answered")
            # The facilitator compiles the conference summary, and PostgreSQL restarts under it.
            summary = researcher.get(f"/p/demo/conferences/{conference_id}/summary")
            compiled = researcher.submit(summary, "/summary", format="pdf")
            assert compiled.status == 302, compiled.text[:500]
            compiling.append(compiled)
            if os.environ.get("FIELDKIT_TEST_DEPLOY_RESTART_POSTGRESQL", "1") == "1":
                restart_postgresql()  # 0 where others are using this PostgreSQL at the time
                events.append("postgresql restarted")

        troubles = [threading.Thread(target=disturb), threading.Thread(target=guess_links)]
        for thread in troubles:
            thread.start()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(answer, range(RESPONDENTS)))
        for thread in troubles:
            thread.join(timeout=120)
        assert events[1:3] == ["node restarted", "postgresql restarted"][: len(events) - 1]

        # --- Afternoon: the export, and the summary the workers compiled -----------------------
        results_page = retrying(lambda: researcher.get(f"/p/demo/surveys/{survey_id}/results"))
        export = retrying(lambda: researcher.submit(results_page, "/results/export", format="csv"))
        assert export.status == 302
        export_job = local(export.location).rstrip("/").rsplit("/", 1)[1]
        wait_for(lambda: job_state(researcher, export_job)["status"] == "done", 120, "the export")
        download = researcher.get(local(export.location) + "/download")
        assert download.status == 200
        rows = list(csv.DictReader(io.StringIO(download.body.decode("utf-8-sig"))))

        (compiled,) = compiling
        compile_job = re.search(r"job=([0-9a-f-]+)", compiled.location).group(1)
        ended = wait_for(
            lambda: (state := job_state(researcher, compile_job))["finished"] and state,
            180,
            "the summary's compilation ends",
        )
        if ended["status"] == "failed":  # the database went away under it: "Prøv igjen"
            events.append(f"compile failed: {ended['error']}")
            summary = researcher.get(local(compiled.location))
            compiled = researcher.submit(summary, f"/summary/jobs/{compile_job}/retry")
            assert compiled.status == 302
            compile_job = re.search(r"job=([0-9a-f-]+)", compiled.location).group(1)
            wait_for(lambda: job_state(researcher, compile_job)["status"] == "done", 180, "again")
        summary = researcher.get(local(compiled.location))
        document = re.search(rf"/conferences/{conference_id}/summary/(\d+)\"", summary.text)
        pdf = researcher.get(f"/p/demo/conferences/{conference_id}/summary/{document.group(1)}")
        assert pdf.body.startswith(b"%PDF")
    finally:
        stack.stop()
        smtp.stop()

    print("events:", events)
    # --- Nothing lost -------------------------------------------------------------------------
    assert sorted(results) == list(range(RESPONDENTS))
    # Every respondent was invited exactly once, though a worker died mid-mailing.
    invited = sorted(m.rcpt_tos[0] for m in smtp.messages)
    assert invited == sorted(f"k{number}@example.no" for number in range(RESPONDENTS))
    with app.app_context():
        stored = {
            case_id: (status, answers)
            for case_id, status, answers in db.session.execute(
                sa.select(Response.case_id, Response.status, Response.answers).where(
                    Response.survey_id == survey_id
                )
            )
        }
        external = dict(
            db.session.execute(
                sa.text("SELECT id, external_id FROM cases WHERE survey_id = :s"), {"s": survey_id}
            ).all()  # fmt: skip
        )
        assert len(stored) == RESPONDENTS
        for case_id, (status, answers) in stored.items():
            number = int(external[case_id].removeprefix("kontor-"))
            assert status.value == "submitted"
            assert answers == {
                "q1": str(1 + number % 2),
                "q2": number,
                "q3": f"Svar nummer {number}",
            }
        assert db.session.scalar(sa.select(sa.func.count(SentMessage.id))) == RESPONDENTS
        unfinished = db.session.scalars(
            sa.select(Job.status).where(Job.status.in_(["queued", "running"]))
        ).all()
        assert unfinished == []
        assert db.session.get(Survey, survey_id) is not None
        db.session.remove()
        db.engine.dispose()
    assert len(rows) == RESPONDENTS

    # The link-guesser was shut out; nobody else was (every respondent got through above).
    assert [reply.status for reply in guessed][-5:] == [429] * 5

    # The app saw the clients' own addresses (nginx's is 127.0.0.1), on both nodes.
    node_logs = [stack.log(f"node-{port}") for port in node_ports]
    for log in node_logs:
        assert re.search(r"^127\.0\.1\.\d+ ", log, re.MULTILINE), log[-2000:]
    seen = {m for log in node_logs for m in re.findall(r"^(127\.\d+\.\d+\.\d+) ", log, re.M)}
    assert {respondent_address(n) for n in range(RESPONDENTS)} <= seen
    # No personal link in any log.
    for log in [*node_logs, (tmp_path / "nginx-access.log").read_text()]:
        for link in (link for found in links.values() for link in found):
            assert local(link) not in log
