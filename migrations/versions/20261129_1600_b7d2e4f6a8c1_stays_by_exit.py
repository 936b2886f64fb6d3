"""stays indexed by exit date, for tonight's guests and this morning's departures

Revision ID: b7d2e4f6a8c1
Revises: fdf0912362e9
Create Date: 2026-11-29 16:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b7d2e4f6a8c1"
down_revision: str | None = "fdf0912362e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The bed board reads the stays still running on a night (no exit yet, or an exit after
    # it) and those that ended the morning of it: a few rows out of years of stays, found
    # through the exit date instead of a scan of every stay ever entered.
    op.create_index("ix_stays_exit_on", "stays", ["exit_on"])


def downgrade() -> None:
    op.drop_index("ix_stays_exit_on", table_name="stays")
