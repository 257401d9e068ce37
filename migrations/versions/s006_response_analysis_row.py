"""response analysis row

Revision ID: s006
Revises: s005
Create Date: 2026-11-23 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 's006'
down_revision = 's005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('analysis_row', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('analysis_layout', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_responses_results_order', ['survey_id', 'status', 'discarded_at', 'submitted_at', 'submitted_on', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_results_order')
        batch_op.drop_column('analysis_layout')
        batch_op.drop_column('analysis_row')
