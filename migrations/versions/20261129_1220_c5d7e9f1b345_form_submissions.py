"""form submissions

Revision ID: c5d7e9f1b345
Revises: 8b2e4d6f1a23
Create Date: 2026-11-29 12:20:00+00:00
"""

from collections.abc import Sequence

revision: str = "c5d7e9f1b345"
down_revision: str | None = "8b2e4d6f1a23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
