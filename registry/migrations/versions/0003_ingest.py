"""ingest

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingest_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("folder_kind", sa.String(length=32), nullable=False),
        sa.Column("hint_numero", sa.String(length=32), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("raw_object_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("reason_key", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("quarantine_path", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["ingest_jobs.id"], name=op.f("fk_ingest_jobs_duplicate_of_id_ingest_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["raw_object_id"], ["vault_objects.id"], name=op.f("fk_ingest_jobs_raw_object_id_vault_objects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_jobs")),
    )
    with op.batch_alter_table("ingest_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_jobs_sha256"), ["sha256"], unique=False)
        batch_op.create_index("ix_ingest_jobs_status", ["status", "id"], unique=False)

    op.create_table(
        "ingest_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("first_page", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("usager_id", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("mail_item_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_ingest_results_document_id_documents")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["ingest_jobs.id"], name=op.f("fk_ingest_results_job_id_ingest_jobs")),
        sa.ForeignKeyConstraint(
            ["mail_item_id"], ["mail_items.id"], name=op.f("fk_ingest_results_mail_item_id_mail_items")
        ),
        sa.ForeignKeyConstraint(
            ["object_id"], ["vault_objects.id"], name=op.f("fk_ingest_results_object_id_vault_objects")
        ),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_ingest_results_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_results")),
        sa.UniqueConstraint("job_id", "item_index", name=op.f("uq_ingest_results_job_id_item_index")),
    )
    with op.batch_alter_table("ingest_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_results_job_id"), ["job_id"], unique=False)

    with op.batch_alter_table("mail_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("addressee_key", sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mail_items", schema=None) as batch_op:
        batch_op.drop_column("addressee_key")

    with op.batch_alter_table("ingest_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_results_job_id"))

    op.drop_table("ingest_results")
    with op.batch_alter_table("ingest_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_ingest_jobs_status")
        batch_op.drop_index(batch_op.f("ix_ingest_jobs_sha256"))

    op.drop_table("ingest_jobs")
