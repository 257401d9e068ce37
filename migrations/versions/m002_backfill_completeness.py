"""backfill completeness: responses given before s004 get their real share of questions answered

`s004` added `responses.completeness` with 0 for every existing row, so a survey upgraded from
before it counted every submitted response as a break-off (AAPOR's dispositions read the share
in SQL). This computes the share from each response's answers and its questionnaire version,
with the same function respondents' saves use. A share of 0 is a pure function of answers and
definition, so recomputing a row whose share is truly 0 changes nothing: running this on any
database is safe.

Revision ID: m002
Revises: m001
Create Date: 2026-12-03 09:40:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'm002'
down_revision = 'm001'
branch_labels = None
depends_on = None

CHUNK = 1000


def upgrade():
    # The questionnaire engine is the one place that knows what "answered" means (visibility
    # conditions, grids); a copy here would drift from it.
    from fieldkit.surveys.questionnaires import definition
    from fieldkit.surveys.respond.operations import completeness

    connection = op.get_bind()
    responses = sa.table(
        "responses",
        sa.column("id", sa.String),
        sa.column("completeness", sa.Float),
    )
    rows = connection.execute(
        sa.text(
            "SELECT r.id, r.answers, v.id AS version_id, v.definition_json"
            " FROM responses r"
            " JOIN surveys s ON s.id = r.survey_id"
            " JOIN questionnaire_versions v ON v.id = s.questionnaire_version_id"
            " WHERE r.completeness = 0"
            " ORDER BY v.id, r.id"
        )
    )
    parsed: dict[int, object] = {}
    updates = []
    for row in rows:
        if row.version_id not in parsed:
            parsed[row.version_id] = definition.from_dict(json.loads(row.definition_json))
        answers = json.loads(row.answers) if isinstance(row.answers, str) else row.answers
        share = completeness(parsed[row.version_id], answers or {})
        if share:
            updates.append({"rid": row.id, "share": share})
    for start in range(0, len(updates), CHUNK):
        connection.execute(
            responses.update()
            .where(responses.c.id == sa.bindparam("rid"))
            .values(completeness=sa.bindparam("share")),
            updates[start : start + CHUNK],
        )


def downgrade():
    pass  # the shares stay: they are right at every revision that has the column
