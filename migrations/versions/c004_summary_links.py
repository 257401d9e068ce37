"""summary download links and the send method

Revision ID: c004
Revises: c003
Create Date: 2026-11-23 14:14:23.449709

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c004"
down_revision = "c003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "conference_summary_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_conference_summary_links_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["conference_summary_documents.id"],
            name=op.f("fk_conference_summary_links_document_id_conference_summary_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_summary_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_conference_summary_links_token_hash")),
    )
    with op.batch_alter_table("conference_summary_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conference_summary_links_document_id"), ["document_id"], unique=False
        )

    with op.batch_alter_table("conference_summary_sends", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "method",
                sa.Enum(
                    "attachment",
                    "link",
                    name="conference_send_method",
                    native_enum=False,
                    length=20,
                ),
                server_default="attachment",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("link_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_conference_summary_sends_link_id_conference_summary_links"),
            "conference_summary_links",
            ["link_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("conference_summary_sends", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_conference_summary_sends_link_id_conference_summary_links"),
            type_="foreignkey",
        )
        batch_op.drop_column("link_id")
        batch_op.drop_column("method")

    with op.batch_alter_table("conference_summary_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conference_summary_links_document_id"))

    op.drop_table("conference_summary_links")
