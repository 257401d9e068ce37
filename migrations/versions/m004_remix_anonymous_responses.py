"""re-mix anonymous responses: untie the responses already submitted from their cases

Until now an anonymous submission wrote the response and its case in one transaction, so on
PostgreSQL ``cases.xmin = responses.xmin`` paired every case with its answers, and on SQLite the
responses' ``rowid`` followed the order the cases opened their links; a response keyed in by a
member kept that member (``entered_by_id``), whom the audit log names with the case. This
forgets the member of every submitted anonymous response and rewrites each anonymous survey's
submitted responses in the order of their random ids (``remix_submitted``, what each anonymous
submission now does): they get this migration's transaction id, and a storage order that says
nothing. No schema change; the data stays as it is.

Revision ID: m004
Revises: m003
Create Date: 2026-12-03 13:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'm004'
down_revision = 'm003'
branch_labels = None
depends_on = None


def upgrade():
    from fieldkit.surveys.respond.operations import remix_submitted

    connection = op.get_bind()
    # The table as this revision has it, not as the models of a later one would.
    responses = sa.Table("responses", sa.MetaData(), autoload_with=connection)
    surveys = sa.table("surveys", sa.column("id", sa.Integer), sa.column("anonymous", sa.Boolean))
    anonymous = connection.execute(
        sa.select(surveys.c.id).where(surveys.c.anonymous.is_(True)).order_by(surveys.c.id)
    ).scalars().all()
    for survey_id in anonymous:
        connection.execute(
            responses.update()
            .where(responses.c.survey_id == survey_id, responses.c.status == "submitted")
            .values(entered_by_id=None)
        )
        remix_submitted(connection, survey_id, responses)


def downgrade():
    pass  # nothing to undo: the rows hold what they held, in another order
