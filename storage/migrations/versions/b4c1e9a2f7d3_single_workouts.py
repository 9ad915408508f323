"""single workouts and how-tos: one-off programs, per-day workout changes, trainers' demos

Revision ID: b4c1e9a2f7d3
Revises: d7274a04aeda
Create Date: 2026-12-07 06:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "b4c1e9a2f7d3"
down_revision: str | Sequence[str] | None = "d7274a04aeda"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_one_off", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.create_table(
        "workout_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coaching_session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=True),
        sa.Column("replacement_exercise_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("modified_by", sa.Integer(), nullable=True),
        sa.Column("modified_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            storage.types.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            storage.types.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["coaching_session_id"],
            ["coaching_sessions.id"],
            name=op.f("fk_workout_changes_coaching_session_id_coaching_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercises.id"],
            name=op.f("fk_workout_changes_exercise_id_exercises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["replacement_exercise_id"],
            ["exercises.id"],
            name=op.f("fk_workout_changes_replacement_exercise_id_exercises"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["modified_by"],
            ["users.id"],
            name=op.f("fk_workout_changes_modified_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workout_changes")),
    )
    with op.batch_alter_table("workout_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workout_changes_coaching_session_id"),
            ["coaching_session_id"],
            unique=False,
        )
    op.create_table(
        "exercise_demos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainer_user_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column("media_kind", sa.String(length=16), nullable=True),
        sa.Column("cues", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            storage.types.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            storage.types.UTCDateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint("length(cues) <= 800", name=op.f("ck_exercise_demos_cues_len")),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercises.id"],
            name=op.f("fk_exercise_demos_exercise_id_exercises"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_user_id"],
            ["users.id"],
            name=op.f("fk_exercise_demos_trainer_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_demos")),
        sa.UniqueConstraint(
            "trainer_user_id", "exercise_id", name=op.f("uq_exercise_demos_trainer")
        ),
    )
    with op.batch_alter_table("exercise_demos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exercise_demos_exercise_id"), ["exercise_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exercise_demos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_demos_exercise_id"))
    op.drop_table("exercise_demos")
    with op.batch_alter_table("workout_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workout_changes_coaching_session_id"))
    op.drop_table("workout_changes")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("is_one_off")
