"""truncated blind indexes

Blind indexes were whole HMAC-SHA256 values (64 hex digits): with a backup and the keyring,
trying every NISS found an erased one. They now keep only the first bits of the same HMAC
(planned in centre/privacy/blind_index.py), so this migration needs no key: it cuts the
stored hex. Backups taken before it still hold whole HMACs.

Revision ID: 8b2e4d6f1a23
Revises: 3f1a9c2b7d10
Create Date: 2026-11-29 12:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8b2e4d6f1a23"
down_revision: str | None = "3f1a9c2b7d10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sizes this revision migrates to, frozen: a later plan needs a migration of its own.
BITS = {"niss": 10, "name_birthdate": 13}
BATCH = 1000

blind_indexes = sa.table(
    "blind_indexes",
    sa.column("id", sa.Integer),
    sa.column("purpose", sa.String),
    sa.column("value", sa.String),
)


def truncate(hex_value: str, bits: int) -> str:
    """The first `bits` bits of a hex HMAC, in ceil(bits / 4) hex digits, unused bits zero.

    The same form as centre.privacy.blind_index.truncate_index (copied, so this revision
    keeps doing what it did whatever that module becomes).
    """
    digits = -(-bits // 4)
    if len(hex_value) < digits:
        raise ValueError("a stored blind index is shorter than the size it is cut to")
    spare = digits * 4 - bits
    return format(int(hex_value[:digits], 16) >> spare << spare, f"0{digits}x")


def upgrade() -> None:
    connection = op.get_bind()
    change = (
        blind_indexes.update()
        .where(blind_indexes.c.id == sa.bindparam("row_id"))
        .values(value=sa.bindparam("cut"))
    )
    for purpose, bits in BITS.items():
        last_id = 0
        while True:
            rows = connection.execute(
                sa.select(blind_indexes.c.id, blind_indexes.c.value)
                .where(blind_indexes.c.purpose == purpose, blind_indexes.c.id > last_id)
                .order_by(blind_indexes.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            connection.execute(
                change, [{"row_id": row.id, "cut": truncate(row.value, bits)} for row in rows]
            )
            last_id = rows[-1].id


def downgrade() -> None:
    # A whole HMAC cannot be rebuilt from its first bits, and a migration has no keys. Cut
    # values would never equal the whole HMACs the older code searches for, so they go rather
    # than pass for indexes: after a downgrade, search by identity finds nobody until each
    # identity is saved again. The identities themselves stay, encrypted and intact.
    op.execute(blind_indexes.delete().where(blind_indexes.c.purpose.in_(list(BITS))))
