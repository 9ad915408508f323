"""session rating consent: a client's rating counts publicly only when they agree

Revision ID: 5b0c7e3a9d21
Revises: 6a1c0e5b9f21
Create Date: 2026-12-07 07:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b0c7e3a9d21"
down_revision: str | Sequence[str] | None = "6a1c0e5b9f21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Ratings given before this revision were never agreed to be public: they stay private.
    with op.batch_alter_table("coaching_sessions") as batch:
        batch.add_column(
            sa.Column(
                "rating_public", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
    # So no trainer's public rating is made of them any more.
    op.execute("UPDATE trainer_profiles SET rating = NULL, rating_count = 0")


def downgrade() -> None:
    with op.batch_alter_table("coaching_sessions") as batch:
        batch.drop_column("rating_public")
