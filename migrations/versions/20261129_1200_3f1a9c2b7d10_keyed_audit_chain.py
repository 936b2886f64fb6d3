"""keyed audit chain

Revision ID: 3f1a9c2b7d10
Revises: ec540fea0f7e
Create Date: 2026-11-29 12:00:00+00:00
"""

from collections.abc import Sequence

revision: str = "3f1a9c2b7d10"
down_revision: str | None = "ec540fea0f7e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
