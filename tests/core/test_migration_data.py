"""Upgrading a database that holds data: what a migration adds is right for the rows already
there (not only for an empty database, which is all ``test_database`` builds)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from fieldkit import create_app
from fieldkit.core import tokens
from fieldkit.extensions import db
from fieldkit.surveys.questionnaires import native
from fieldkit.surveys.respond.operations import completeness
from tests.conftest import drop_everything, make_config
from tests.paths import FIXTURES

FORM = FIXTURES / "ansatteskjema_storbysatsingen.yaml"


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of the kind the run tests (a scratch PostgreSQL database, or SQLite)."""
    base = os.environ.get("FIELDKIT_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    name = f"fieldkit_migdata_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _filler(column: sa.Column):
    """A value for a required column the test does not care about."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer | sa.Float | sa.Numeric):
        return 0
    if isinstance(kind, sa.DateTime):
        return datetime.now(UTC).replace(tzinfo=None)
    if isinstance(kind, sa.Date):
        return date.today()
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary):
        return b""
    length = getattr(kind, "length", None) or 32
    return uuid.uuid4().hex[:length]  # unique, for the hashes and nonces


def insert(connection, table: sa.Table, **values) -> int:
    """Insert a row as the schema of that revision has it: unnamed required columns filled."""
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is None:
            values[column.name] = _filler(column)
    result = connection.execute(table.insert().values(**values))
    return result.inserted_primary_key[0]


def test_upgrading_responses_given_before_completeness_codes_them_by_their_answers(
    scratch_url, tmp_path
):
    """``s004`` added ``completeness`` as 0 for every existing response: without the backfill
    (``m002``) every submitted response of an upgraded survey was a break-off (AAPOR 2.12/R)."""
    app = create_app(make_config(scratch_url, tmp_path / "instance"))
    questionnaire = native.load(FORM.read_text())
    # Everything but the table and the open texts: 19 of the 21 variables shown.
    full = {name: 1 for name in ("q1", "q2", "q9", "q10", "q12", "q14", "q16")}
    full |= {f"q6_{row}": 2 for row in ("aetat", "sosial", "helse", "andre")}
    full |= {"q3": 2.5, "q4": 12, "q5": "2004-03-01", "q11": 0.5, "q8": [1, 2]}
    full |= {"q7_kurs": [1], "q7_praksis": [2], "q7_loenn": [1]}
    few = {"q1": 1}
    with app.app_context():
        drop_everything()
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="s003")  # the schema before `completeness`
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        assert "completeness" not in metadata.tables["responses"].columns
        tables = metadata.tables
        with db.engine.begin() as connection:
            insert(connection, tables["users"], email="a@b.no", name="A")
            project = insert(connection, tables["projects"], slug="old", name="Old")
            record = insert(connection, tables["questionnaires"], project_id=project, title="S")
            version = insert(
                connection,
                tables["questionnaire_versions"],
                questionnaire_id=record,
                number=1,
                definition_json=native.to_json(questionnaire),
            )
            survey = insert(
                connection,
                tables["surveys"],
                project_id=project,
                questionnaire_version_id=version,
                title="Gammel undersøkelse",
                launched_at=datetime.now(UTC).replace(tzinfo=None),
                complete_threshold=0.8,
                partial_threshold=0.5,
                closes_at=datetime.now(UTC).replace(tzinfo=None) + timedelta(days=9),
            )
            ids = {}
            for key, answers, status in (
                ("full", full, "submitted"),
                ("few", few, "submitted"),
                ("open", full, "in_progress"),
                ("blank", {}, "submitted"),
            ):
                case = insert(connection, tables["cases"], survey_id=survey, external_id=key)
                ids[key] = insert(
                    connection,
                    tables["responses"],
                    id=str(uuid.uuid4()),
                    mode="web",
                    survey_id=survey,
                    case_id=case,
                    status=status,
                    answers=answers,
                )
        db.engine.dispose()

        upgrade(directory=directory)  # to head, through s004 and the backfill

        with db.engine.connect() as connection:
            shares = dict(
                connection.execute(sa.text("SELECT id, completeness FROM responses")).all()
            )
        expected = {
            ids["full"]: completeness(questionnaire, full),
            ids["few"]: completeness(questionnaire, few),
            ids["open"]: completeness(questionnaire, full),
            ids["blank"]: 0.0,
        }
        assert shares == pytest.approx(expected)
        assert expected[ids["full"]] == pytest.approx(19 / 21)
        assert expected[ids["few"]] == pytest.approx(1 / 19)  # conditions show 19 then

        from fieldkit.surveys.fieldwork.queries import code_counts
        from fieldkit.surveys.models import Survey

        codes = code_counts(db.session.get(Survey, survey))
        db.session.remove()
        db.engine.dispose()
    # Before the backfill: {"2.12": 3, "2.1121": 1}, every submitted response a break-off.
    assert codes == {"__total__": {"1.1": 1, "1.2": 1, "2.12": 2}}


def test_upgrading_unties_anonymous_responses_already_submitted_from_their_cases(
    scratch_url, tmp_path
):
    """Before ``m004`` an anonymous submission wrote the response and its case in one
    transaction (PostgreSQL: the same ``xmin``) and stored responses in the order cases
    started (SQLite: ``rowid``). The upgrade rewrites them in the order of their random ids,
    and forgets the member who keyed one in."""
    app = create_app(make_config(scratch_url, tmp_path / "instance"))
    form = FIXTURES / "deltakerskjema_storbysatsingen.yaml"
    postgresql = scratch_url.startswith("postgresql")
    with app.app_context():
        drop_everything()
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="m003")
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        tables = metadata.tables
        with db.engine.begin() as connection:
            member = insert(connection, tables["users"], email="a@b.no", name="A")
            project = insert(connection, tables["projects"], slug="old", name="Old")
            record = insert(connection, tables["questionnaires"], project_id=project, title="D")
            version = insert(
                connection,
                tables["questionnaire_versions"],
                questionnaire_id=record,
                number=1,
                definition_json=native.to_json(native.load(form.read_text())),
            )
            survey = insert(
                connection,
                tables["surveys"],
                project_id=project,
                questionnaire_version_id=version,
                title="Anonym",
                anonymous=True,
            )
        given = {}
        for n in range(12):
            with db.engine.begin() as connection:  # the case and its response together
                response_id = str(uuid.uuid4())
                insert(
                    connection,
                    tables["responses"],
                    id=response_id,
                    mode="web",
                    survey_id=survey,
                    status="submitted",
                    answers={"q1": 20 + n},
                    entered_by_id=member if n == 3 else None,
                )
                insert(
                    connection,
                    tables["cases"],
                    survey_id=survey,
                    external_id=f"d{n:02d}",
                    submitted_class="R",
                )
                given[response_id] = {"q1": 20 + n}
        db.engine.dispose()

        upgrade(directory=directory)

        with db.engine.connect() as connection:
            order = "ctid" if postgresql else "rowid"
            stored = connection.execute(
                sa.text(f"SELECT id, answers, entered_by_id FROM responses ORDER BY {order}")
            ).all()
            if postgresql:
                joined = connection.execute(
                    sa.text("SELECT 1 FROM cases c JOIN responses r ON c.xmin::text = r.xmin::text")
                ).all()
                xmins = connection.execute(sa.text("SELECT DISTINCT xmin::text FROM responses"))
                assert joined == [] and len(xmins.all()) == 1
        db.engine.dispose()
    assert [row.id for row in stored] == sorted(given)
    answers = {row.id: row.answers for row in stored}
    answers = {k: json.loads(v) if isinstance(v, str) else v for k, v in answers.items()}
    assert answers == given
    assert [row.entered_by_id for row in stored] == [None] * 12


def test_upgrading_gives_existing_cases_decline_links_of_their_own(scratch_url, tmp_path):
    """``m005`` gives every case a decline-link hash, the one its links would give today, so
    reminders to cases made before it carry a decline link that opens no questionnaire."""
    from fieldkit.surveys.models import Case
    from fieldkit.surveys.respond import links

    app = create_app(make_config(scratch_url, tmp_path / "instance"))
    with app.app_context():
        drop_everything()
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision="m003")
        metadata = sa.MetaData()
        metadata.reflect(db.engine)
        tables = metadata.tables
        with db.engine.begin() as connection:
            user = insert(connection, tables["users"], email="a@b.no", name="A")
            project = insert(connection, tables["projects"], slug="old", name="Old")
            record = insert(connection, tables["questionnaires"], project_id=project, title="S")
            version = insert(
                connection,
                tables["questionnaire_versions"],
                questionnaire_id=record,
                number=1,
                definition_json=native.to_json(native.load(FORM.read_text())),
            )
            survey = insert(
                connection,
                tables["surveys"],
                project_id=project,
                questionnaire_version_id=version,
                title="Gammel undersøkelse",
            )
            for key in ("a", "b"):
                case = insert(connection, tables["cases"], survey_id=survey, external_id=key)
                insert(
                    connection,
                    tables["responses"],
                    id=str(uuid.uuid4()),
                    mode="web",
                    survey_id=survey,
                    case_id=case,
                    status="submitted",
                    answers={"q1": 1},
                )
            insert(connection, tables["memberships"], project_id=project, user_id=user)
        db.engine.dispose()

        upgrade(directory=directory)

        cases = db.session.scalars(sa.select(Case).order_by(Case.external_id)).all()
        assert [c.decline_hash for c in cases] == [
            tokens.token_hash(links.decline_token(c)) for c in cases
        ]
        assert cases[0].decline_hash != cases[1].decline_hash
        assert all(links.case_for_decline_token(links.decline_token(c)) == c for c in cases)
        session_token = db.session.scalar(
            sa.text(f"SELECT session_token FROM users WHERE id = {user}")
        )
        assert len(session_token) == 32
        # Nothing that points at the altered tables went (SQLite's batch mode would drop them).
        count = "SELECT count(*) FROM {} WHERE {} IS NOT NULL"
        assert db.session.scalar(sa.text(count.format("responses", "case_id"))) == 2
        assert db.session.scalar(sa.text(count.format("memberships", "user_id"))) == 1
        db.session.remove()
        db.engine.dispose()
