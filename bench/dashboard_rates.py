"""The fieldwork dashboard on a frame of 100,000 cases with 20 strata.

Everything the dashboard shows (dispositions by code, every AAPOR rate overall and by a frame
column, the completes per day, the frame's columns, the mailing markers) is computed the way the
page computes it, and the page itself is rendered; the floor, measured in the same run, is the
bare aggregate ``SELECT stratum, count(*) ... GROUP BY stratum`` over the same rows. Target: the
whole dashboard in well under a second.

    python bench/dashboard_rates.py [--cases 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FYLKER = [
    "Oslo",
    "Viken",
    "Innlandet",
    "Vestfold og Telemark",
    "Agder",
    "Rogaland",
    "Vestland",
    "Møre og Romsdal",
    "Trøndelag",
    "Nordland",
    "Troms og Finnmark",
]


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("FIELDKIT_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    scratch = tempfile.mkdtemp()
    os.environ["FIELDKIT_INSTANCE_PATH"] = scratch
    if args.database_url:
        os.environ["FIELDKIT_DATABASE_URL"] = args.database_url

    import sqlalchemy as sa

    from fieldkit import create_app
    from fieldkit.core import operations
    from fieldkit.core.database import upgrade_schema
    from fieldkit.core.models import Role
    from fieldkit.extensions import db
    from fieldkit.surveys.fieldwork import operations as surveys
    from fieldkit.surveys.fieldwork import queries
    from fieldkit.surveys.models import Case, Response
    from fieldkit.surveys.questionnaires import operations as questionnaires

    app = create_app({"WTF_CSRF_ENABLED": False})
    rng = random.Random(2004)
    with app.app_context():
        upgrade_schema()
        slug = f"bench-{uuid.uuid4().hex[:6]}"
        user = operations.create_user(
            f"{slug}@example.no", "Bench", "bench-password-1", Role.RESEARCHER
        )
        project = operations.create_project(slug, "Bench", actor=user)
        fixture = ROOT / "tests" / "fixtures" / "ansatteskjema_storbysatsingen.yaml"
        record = questionnaires.import_questionnaire(project, fixture.name, fixture.read_bytes())
        survey = surveys.create_survey(record, "Bench")
        surveys.launch(survey)
        db.session.commit()

        started = time.perf_counter()
        invited = datetime(2026, 3, 2, 8, tzinfo=UTC)
        case_rows, response_rows = [], []
        for n in range(args.cases):
            strata = {"fylke": rng.choice(FYLKER), "etat": rng.choice(["Aetat", "sosial"])}
            for k in range(18):
                strata[f"s{k:02d}"] = f"v{rng.randrange(12)}"
            roll = rng.random()
            case_rows.append(
                {
                    "survey_id": survey.id,
                    "external_id": f"c{n}",
                    "name": f"Kontor {n}",
                    "email": f"c{n}@example.no",
                    "contact_person": "",
                    "strata": strata,
                    "link_nonce": uuid.uuid4().hex,
                    "link_hash": uuid.uuid4().hex + uuid.uuid4().hex,
                    "eligible": rng.random() > 0.02,
                    "ineligible_reason": "",
                    "invited_at": invited,
                    "override_reason": "",
                    "bounced_at": invited if roll < 0.03 else None,
                    "opened_at": invited + timedelta(hours=2) if roll > 0.35 else None,
                    "created_at": invited,
                }
            )
        db.session.execute(sa.insert(Case), case_rows)
        db.session.commit()
        ids = db.session.scalars(
            sa.select(Case.id).where(Case.survey_id == survey.id, Case.opened_at.is_not(None))
        ).all()
        for case_id in ids:
            if rng.random() < 0.8:
                share = rng.choice([1.0, 0.9, 0.6, 0.3, 0.0])
                done = rng.random() < 0.75
                day = invited + timedelta(days=rng.randrange(20))
                response_rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "survey_id": survey.id,
                        "case_id": case_id,
                        "mode": "web",
                        "status": "submitted" if done else "in_progress",
                        "language": "nb",
                        "answers": {},
                        "warned": [],
                        "revision": 1,
                        "completeness": share,
                        "discard_reason": "",
                        "submitted_on": day.date() if done else None,
                        "submitted_at": day if done else None,
                    }
                )
        db.session.execute(sa.insert(Response), response_rows)
        db.session.commit()
        load_seconds = time.perf_counter() - started

        def dashboard_data():
            queries.survey_rates(survey, "fylke")
            queries.frame_columns(survey)
            queries.completes_by_day(survey)
            queries.mailing_markers(survey)

        stratum = queries.stratum_expression("fylke")

        def floor():
            db.session.execute(
                sa.select(stratum, sa.func.count())
                .where(Case.survey_id == survey.id)
                .group_by(stratum)
            ).all()

        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": "bench-password-1"})
        url = f"/p/{slug}/surveys/{survey.id}/dashboard?by=fylke"
        assert client.get(url).status_code == 200

        def page():
            assert client.get(url).status_code == 200

        data_seconds = best_of(3, dashboard_data)
        page_seconds = best_of(3, page)
        floor_seconds = best_of(3, floor)
        total = queries.survey_rates(survey, "fylke").total

    result = {
        "database": "PostgreSQL" if args.database_url else "SQLite",
        "cases": args.cases,
        "responses": len(response_rows),
        "strata_columns": 20,
        "load_seconds": round(load_seconds, 1),
        "dashboard_data_seconds": round(data_seconds, 3),
        "dashboard_page_seconds": round(page_seconds, 3),
        "floor_group_by_seconds": round(floor_seconds, 3),
        "page_over_floor": round(page_seconds / floor_seconds, 2),
        "RR1": total.as_dict()["rates"]["RR1"],
    }
    print(json.dumps(result, indent=2))
    if page_seconds >= 1.0:
        print(f"MISSED: the dashboard took {page_seconds:.2f} s (target: well under 1 s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
