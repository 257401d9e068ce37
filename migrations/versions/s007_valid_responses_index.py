"""valid responses index: partial, so PostgreSQL reads them in order

Revision ID: s007
Revises: s006
Create Date: 2026-11-23 17:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 's007'
down_revision = 's006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_results_order')
        batch_op.create_index(
            'ix_responses_valid_order',
            ['survey_id', 'status', 'submitted_at', 'submitted_on', 'id'],
            unique=False,
            sqlite_where=sa.text('discarded_at IS NULL'),
            postgresql_where=sa.text('discarded_at IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(
            'ix_responses_valid_order',
            sqlite_where=sa.text('discarded_at IS NULL'),
            postgresql_where=sa.text('discarded_at IS NULL'),
        )
        batch_op.create_index('ix_responses_results_order', ['survey_id', 'status', 'discarded_at', 'submitted_at', 'submitted_on', 'id'], unique=False)
