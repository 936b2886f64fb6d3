"""visits indexed by person and time, for the person's pathway newest first

Revision ID: a4c6e8f0b2d4
Revises: eefdc66d6575
Create Date: 2026-11-29 14:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a4c6e8f0b2d4"
down_revision: str | None = "eefdc66d6575"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The pair serves every lookup by person the single-column index served, and the
    # pathway's "newest visits of this person" as an index walk.
    op.create_index("ix_visits_person_occurred", "visits", ["person_id", "occurred_at"])
    op.drop_index("ix_visits_person_id", table_name="visits")


def downgrade() -> None:
    op.create_index("ix_visits_person_id", "visits", ["person_id"])
    op.drop_index("ix_visits_person_occurred", table_name="visits")
