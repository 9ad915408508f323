"""delayed messages and job leases

Rest timers become rows any worker may send (``delayed_messages``), and each periodic job
takes a lease per period (``job_leases``), so several workers on one database run each job
once per period and a timer set on a worker that dies still fires.

Revision ID: 6a1c0e5b9f21
Revises: b3f1c2a9e7d4
Create Date: 2026-12-07 06:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "6a1c0e5b9f21"
down_revision: str | Sequence[str] | None = "b3f1c2a9e7d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delayed_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delayed_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_delayed_messages_key")),
    )
    with op.batch_alter_table("delayed_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delayed_messages_due_at"), ["due_at"], unique=False)

    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("period", sa.BigInteger(), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
    with op.batch_alter_table("delayed_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delayed_messages_due_at"))
    op.drop_table("delayed_messages")
