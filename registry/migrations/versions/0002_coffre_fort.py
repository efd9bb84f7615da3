"""coffre-fort and match feedback

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("usager_id", sa.Integer(), nullable=True),
        sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("master_key_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_data_keys_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
        sa.UniqueConstraint("owner", name=op.f("uq_data_keys_owner")),
    )
    op.create_table(
        "vault_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("version_id", sa.String(length=200), nullable=False),
        sa.Column("usager_id", sa.Integer(), nullable=True),
        sa.Column("data_key_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_size", sa.BigInteger(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("retention_until", sa.Date(), nullable=False),
        sa.Column("legal_hold", sa.Boolean(), nullable=False),
        sa.Column("depositor", sa.String(length=100), nullable=False),
        sa.Column("deposited_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(), nullable=True),
        sa.Column("check_ok", sa.Boolean(), nullable=True),
        sa.Column("check_detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["data_key_id"], ["data_keys.id"], name=op.f("fk_vault_objects_data_key_id_data_keys")),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_vault_objects_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vault_objects")),
        sa.UniqueConstraint("key", "version_id", name=op.f("uq_vault_objects_key_version_id")),
    )
    with op.batch_alter_table("vault_objects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vault_objects_sha256"), ["sha256"], unique=False)
        batch_op.create_index("ix_vault_objects_usager", ["usager_id", "status"], unique=False)

    op.create_table(
        "destruction_proofs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("version_id", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(), nullable=False),
        sa.Column("storage_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_id"], ["vault_objects.id"], name=op.f("fk_destruction_proofs_object_id_vault_objects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_proofs")),
    )
    with op.batch_alter_table("destruction_proofs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_destruction_proofs_object_id"), ["object_id"], unique=False)

    op.create_table(
        "journal_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("head_event_id", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["object_id"], ["vault_objects.id"], name=op.f("fk_journal_seals_object_id_vault_objects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_seals")),
    )
    op.create_table(
        "match_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("mail_item_id", sa.Integer(), nullable=True),
        sa.Column("name_key", sa.String(length=400), nullable=False),
        sa.Column("sender_key", sa.String(length=300), nullable=True),
        sa.Column("usager_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_match_feedback_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["mail_item_id"], ["mail_items.id"], name=op.f("fk_match_feedback_mail_item_id_mail_items")
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structures.id"], name=op.f("fk_match_feedback_structure_id_structures")
        ),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_match_feedback_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_feedback")),
    )
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.create_index("ix_match_feedback_name", ["structure_id", "name_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_match_feedback_name")

    op.drop_table("match_feedback")
    op.drop_table("journal_seals")
    with op.batch_alter_table("destruction_proofs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_destruction_proofs_object_id"))

    op.drop_table("destruction_proofs")
    with op.batch_alter_table("vault_objects", schema=None) as batch_op:
        batch_op.drop_index("ix_vault_objects_usager")
        batch_op.drop_index(batch_op.f("ix_vault_objects_sha256"))

    op.drop_table("vault_objects")
    op.drop_table("data_keys")
