"""user session token, decline links of their own

A user's session token: logging out or changing the password ends every copy of a session.
A case's decline link gets its own token (derived from the case's nonce and the secret key
for another purpose, as ``surveys.respond.links.decline_token`` does), so that a decline
link no longer opens the questionnaire.

Revision ID: m005
Revises: m004
Create Date: 2026-12-03 13:30:00.000000

"""
import base64
import hashlib
import hmac
import secrets

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'm005'
down_revision = 'm004'
branch_labels = None
depends_on = None


# Columns are added in place, never by batch mode's copy of the table: on SQLite (with
# foreign keys on) dropping the old ``users`` or ``cases`` table would take the memberships
# and responses that point at it along.


def upgrade():
    op.add_column(
        'users',
        sa.Column('session_token', sa.String(length=64), server_default='', nullable=False),
    )
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(24))
        )

    op.add_column(
        'cases',
        sa.Column('decline_hash', sa.String(length=64), server_default='', nullable=False),
    )
    cases = sa.table(
        'cases',
        sa.column('id', sa.Integer),
        sa.column('link_nonce', sa.String),
        sa.column('decline_hash', sa.String),
    )
    secret = current_app.config["SECRET_KEY"].encode()
    for case_id, nonce in connection.execute(sa.select(cases.c.id, cases.c.link_nonce)).all():
        digest = hmac.new(secret, b"decline-link|" + nonce.encode(), hashlib.sha256).digest()
        token = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        connection.execute(
            cases.update()
            .where(cases.c.id == case_id)
            .values(decline_hash=hashlib.sha256(token.encode()).hexdigest())
        )
    op.create_index(op.f('ix_cases_decline_hash'), 'cases', ['decline_hash'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_cases_decline_hash'), table_name='cases')
    op.drop_column('cases', 'decline_hash')
    op.drop_column('users', 'session_token')
