"""form submissions: one-time tokens of every create form, in place of visits.form_token

Revision ID: c5d7e9f1b345
Revises: 8b2e4d6f1a23
Create Date: 2026-11-29 12:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import centre.db

revision: str = "c5d7e9f1b345"
down_revision: str | None = "8b2e4d6f1a23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_submissions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", centre.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_submissions")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_form_submissions_submitted_at"), ["submitted_at"], unique=False
        )
    # Tokens of visits already saved only mattered for a reload within minutes: not kept.
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_visits_form_token"), type_="unique")
        batch_op.drop_column("form_token")


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_token", sa.String(length=43), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_visits_form_token"), ["form_token"])
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_submitted_at"))
    op.drop_table("form_submissions")
