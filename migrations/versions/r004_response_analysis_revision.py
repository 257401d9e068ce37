"""response analysis revision: the export packs the analysis rows, not the respondent's save

Revision ID: r004
Revises: r003
Create Date: 2026-11-24 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'r004'
down_revision = 'r003'
branch_labels = None
depends_on = 's006'


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysis_revision', sa.Integer(), nullable=True))
    # Until now every write of the answers packed the row: a packed row is the present answers'.
    op.execute(
        'UPDATE responses SET analysis_revision = revision WHERE analysis_row IS NOT NULL'
    )


def downgrade():
    # The code before trusts every row whose layout matches: forget those packed from older
    # answers (answers saved after the last export).
    op.execute(
        'UPDATE responses SET analysis_row = NULL, analysis_layout = NULL '
        'WHERE analysis_revision IS NULL OR analysis_revision != revision'
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('analysis_revision')
