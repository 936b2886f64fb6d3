"""truncated blind indexes

Revision ID: 8b2e4d6f1a23
Revises: 3f1a9c2b7d10
Create Date: 2026-11-29 12:10:00+00:00
"""

from collections.abc import Sequence

revision: str = "8b2e4d6f1a23"
down_revision: str | None = "3f1a9c2b7d10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
