"""a reason with a change to one day's workout

Revision ID: c9e2d4f1a6b8
Revises: 5b0c7e3a9d21
Create Date: 2026-12-07 08:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9e2d4f1a6b8"
down_revision: str | Sequence[str] | None = "5b0c7e3a9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workout_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workout_changes", schema=None) as batch_op:
        batch_op.drop_column("reason")
