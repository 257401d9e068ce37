"""Submit one response to an anonymous survey that already has N submitted responses.

An anonymous submission rewrites the survey's submitted responses in the order of their random
ids (``respond.operations.remix_submitted``: on PostgreSQL one DELETE ... RETURNING / INSERT
statement, on SQLite the rowids renumbered), so that no transaction id or storage order tells
which case gave which response. This measures what that costs.

Builds a scratch instance (SQLite, or ``--database-url``) with two surveys of the participants'
questionnaire (``tests/fixtures/deltakerskjema_storbysatsingen.yaml``), one anonymous and one
not, each with N submitted responses (``--responses``, default 2,000: "at most a few thousand"
per survey). Then, ``--runs`` times, for each survey a case starts a response, answers and
submits; only ``responses.submit`` is timed:

- the floor: the submission in the survey that is not anonymous (one conditional UPDATE);
- the anonymous submission (the UPDATE, the re-mix of N + 1 rows, the case in its own
  transaction).

Printed: both, best of the runs, and per-row cost of the re-mix. Target: the anonymous submit
takes at most ``TARGET`` x (floor + the time to read the survey's N responses in full, which
any rewrite of them must at least do, measured in the same run).

    python bench/anonymous_submit.py [--responses 2000] [--database-url URL] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

TARGET = 3.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    instance = Path(tempfile.mkdtemp(prefix="anonymous-bench-"))
    os.environ["FIELDKIT_INSTANCE_PATH"] = str(instance)
    if args.database_url:
        os.environ["FIELDKIT_DATABASE_URL"] = args.database_url
    try:
        return run(args, root)
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def run(args, root: Path) -> int:
    from fieldkit import create_app

    create_app().app_context().push()
    import sqlalchemy as sa

    from fieldkit.core import operations
    from fieldkit.core.database import upgrade_schema
    from fieldkit.extensions import db
    from fieldkit.surveys.fieldwork import operations as surveys
    from fieldkit.surveys.models import Response
    from fieldkit.surveys.questionnaires import operations as questionnaires
    from fieldkit.surveys.respond import operations as responses

    upgrade_schema()
    fixture = root / "tests" / "fixtures" / "deltakerskjema_storbysatsingen.yaml"
    project = operations.create_project(f"bench{uuid.uuid4().hex[:6]}", "Benchmark")
    record = questionnaires.import_questionnaire(project, fixture.name, fixture.read_bytes())
    plain = surveys.create_survey(record, "Ikke anonym", anonymous=False)
    anonymous = surveys.create_survey(record, "Anonym", anonymous=True)
    for survey in (plain, anonymous):
        surveys.launch(survey)
    db.session.commit()
    rng = random.Random(15)
    today = datetime.now(UTC).date()
    for survey in (plain, anonymous):
        rows = [
            {
                "id": str(uuid.uuid4()),
                "survey_id": survey.id,
                "answers": {
                    "q1": rng.randint(18, 67),
                    "q2": rng.choice("12"),
                    "q3": rng.choice(["Grunnskole", "Videregående", "Fagbrev", "Høyskole"]),
                    "q5": "Kurs og arbeidspraksis, " * rng.randint(1, 6),
                    "q6": rng.choice("1234"),
                },
                "status": "submitted",
                "mode": "web",
                "language": "nb",
                "warned": [],
                "completeness": 0.4,
                "revision": 3,
                "submitted_on": today,
                "discard_reason": "",
            }
            for _ in range(args.responses)
        ]
        db.session.execute(sa.insert(Response), rows)
    db.session.commit()
    assert anonymous.anonymous and not plain.anonymous

    def one_submit(survey, n: int) -> float:
        case = surveys.add_case(survey, f"{survey.id}-{n}")
        db.session.commit()
        response = responses.start_for_case(survey, case)
        responses.save_answers(response, {"q1": 40, "q2": "1", "q3": "Fagbrev"}, ["q1", "q2", "q3"])
        t0 = time.perf_counter()
        assert responses.submit(response)
        return time.perf_counter() - t0

    def read_all(survey) -> float:
        db.session.commit()
        t0 = time.perf_counter()
        db.session.execute(
            sa.select(Response.__table__).where(Response.survey_id == survey.id)
        ).all()
        elapsed = time.perf_counter() - t0
        db.session.commit()
        return elapsed

    floors, reads, anonymous_times = [], [], []
    for n in range(args.runs):
        floors.append(one_submit(plain, n))
        reads.append(read_all(anonymous))
        anonymous_times.append(one_submit(anonymous, n))
    floor, read, measured = min(floors), min(reads), min(anonymous_times)
    rows = args.responses + args.runs
    ratio = measured / (floor + read)
    dialect = db.engine.dialect.name
    print(f"{dialect}, {args.responses} submitted responses, best of {args.runs} runs")
    print(f"  floor: submit, survey not anonymous   {floor * 1000:8.1f} ms")
    print(f"  floor: read the survey's responses    {read * 1000:8.1f} ms")
    print(f"  anonymous submit (with the re-mix)    {measured * 1000:8.1f} ms")
    print(f"  re-mix per response                   {(measured - floor) / rows * 1e6:8.1f} µs")
    print(f"  ratio to (submit + read) floor        {ratio:8.2f} (target <= {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
