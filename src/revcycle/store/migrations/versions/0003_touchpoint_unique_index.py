"""touchpoint: the (source_system, external_id) key as a unique index instead of a table constraint

A unique index can be dropped and rebuilt around a bulk load (SQLite cannot drop a table constraint's index);
it enforces and serves look-ups exactly as the constraint did.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 03:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NAME = "uq_touchpoint_source_system_external_id"


def upgrade() -> None:
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.drop_constraint(_NAME, type_="unique")
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.create_index(_NAME, ["source_system", "external_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.drop_index(_NAME)
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.create_unique_constraint(_NAME, ["source_system", "external_id"])
