"""one head: the feature branches of the history meet, so a plain `fieldkit db upgrade` works

Revision ID: m001
Revises: 0002, c004, f001, r004, s007
Create Date: 2026-12-03 08:50:00.000000

"""

# revision identifiers, used by Alembic.
revision = 'm001'
down_revision = ('0002', 'c004', 'f001', 'r004', 's007')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
