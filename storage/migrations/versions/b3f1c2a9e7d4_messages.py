"""messages: when a person was last seen (quiet hours); conversations about workouts

Revision ID: b3f1c2a9e7d4
Revises: b4c1e9a2f7d3
Create Date: 2026-12-07 06:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "b3f1c2a9e7d4"
down_revision: str | Sequence[str] | None = "b4c1e9a2f7d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_seen_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "workout_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("relationship_id", sa.Integer(), nullable=False),
        sa.Column("client_profile_id", sa.Integer(), nullable=False),
        sa.Column("coaching_session_id", sa.Integer(), nullable=True),
        sa.Column("session_record_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("author_user_id", sa.Integer(), nullable=True),
        sa.Column("from_trainer", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column(
            "media_kind",
            sa.Enum(
                "photo",
                "video",
                "voice",
                name="thread_media_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column("file_unique_id", sa.String(length=64), nullable=True),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("timestamp_s", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
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
        sa.CheckConstraint("length(text) <= 4000", name=op.f("ck_workout_messages_text_len")),
        sa.ForeignKeyConstraint(
            ["author_user_id"],
            ["users.id"],
            name=op.f("fk_workout_messages_author_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["client_profile_id"],
            ["client_profiles.id"],
            name=op.f("fk_workout_messages_client_profile_id_client_profiles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coaching_session_id"],
            ["coaching_sessions.id"],
            name=op.f("fk_workout_messages_coaching_session_id_coaching_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_workout_messages_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["relationship_id"],
            ["relationships.id"],
            name=op.f("fk_workout_messages_relationship_id_relationships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["workout_messages.id"],
            name=op.f("fk_workout_messages_reply_to_id_workout_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_record_id"],
            ["session_records.id"],
            name=op.f("fk_workout_messages_session_record_id_session_records"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workout_messages")),
    )
    with op.batch_alter_table("workout_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workout_messages_client_profile_id"), ["client_profile_id"], unique=False
        )
        batch_op.create_index(
            "ix_workout_messages_thread",
            ["relationship_id", "coaching_session_id", "session_record_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("workout_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_workout_messages_thread")
        batch_op.drop_index(batch_op.f("ix_workout_messages_client_profile_id"))
    op.drop_table("workout_messages")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
