"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_target"), ["target"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "structures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("address_lines", sa.JSON(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("town", sa.String(length=100), nullable=False),
        sa.Column("agrement_number", sa.String(length=64), nullable=False),
        sa.Column("prefecture", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("responsable", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_structures")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "responsable",
                "instructeur",
                "agent",
                "commission",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["structure_id"], ["structures.id"], name=op.f("fk_users_structure_id_structures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "usagers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("numero", sa.String(length=32), nullable=False),
        sa.Column("nom", sa.String(length=120), nullable=False),
        sa.Column("prenoms", sa.String(length=200), nullable=False),
        sa.Column("nom_usage", sa.String(length=120), nullable=True),
        sa.Column("surnom", sa.String(length=120), nullable=True),
        sa.Column(
            "sexe",
            sa.Enum("M", "F", "X", name="sexe", native_enum=False, create_constraint=True, length=32),
            nullable=True,
        ),
        sa.Column("date_naissance", sa.Date(), nullable=True),
        sa.Column("lieu_naissance", sa.String(length=200), nullable=True),
        sa.Column("nationalite", sa.String(length=100), nullable=True),
        sa.Column("telephone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column(
            "channel",
            sa.Enum("sms", "email", "none", name="channel", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("referent_id", sa.Integer(), nullable=True),
        sa.Column("name_key", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["referent_id"], ["users.id"], name=op.f("fk_usagers_referent_id_users")),
        sa.ForeignKeyConstraint(["structure_id"], ["structures.id"], name=op.f("fk_usagers_structure_id_structures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usagers")),
        sa.UniqueConstraint("structure_id", "numero", name=op.f("uq_usagers_structure_id_numero")),
    )
    with op.batch_alter_table("usagers", schema=None) as batch_op:
        batch_op.create_index("ix_usagers_name_key", ["structure_id", "name_key"], unique=False)

    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("usager_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_cards_issued_by_id_users")),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_cards_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_cards_token_hash")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cards_usager_id"), ["usager_id"], unique=False)

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("usager_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("version_id", sa.String(length=200), nullable=True),
        sa.Column("retention_until", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_documents_created_by_id_users")),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_documents_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_usager_id"), ["usager_id"], unique=False)

    op.create_table(
        "domiciliations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("usager_id", sa.Integer(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "premiere",
                "renouvellement",
                name="domiciliation_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "instruction",
                "attente_decision",
                "valide",
                "refus",
                "ajourne",
                "radie",
                name="domiciliation_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("debut", sa.Date(), nullable=True),
        sa.Column("fin", sa.Date(), nullable=True),
        sa.Column("motif_demande", sa.Text(), nullable=True),
        sa.Column("motif_status", sa.Text(), nullable=True),
        sa.Column("orientation", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_domiciliations_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domiciliations")),
    )
    with op.batch_alter_table("domiciliations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_domiciliations_usager_id"), ["usager_id"], unique=False)

    op.create_table(
        "procurations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("usager_id", sa.Integer(), nullable=False),
        sa.Column("mandataire_nom", sa.String(length=120), nullable=False),
        sa.Column("mandataire_prenoms", sa.String(length=200), nullable=False),
        sa.Column("mandataire_date_naissance", sa.Date(), nullable=True),
        sa.Column("mandataire_piece", sa.String(length=200), nullable=True),
        sa.Column("debut", sa.Date(), nullable=False),
        sa.Column("fin", sa.Date(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_procurations_created_by_id_users")),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_procurations_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurations")),
    )
    with op.batch_alter_table("procurations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procurations_usager_id"), ["usager_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domiciliation_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "accord",
                "refus",
                "ajournement",
                name="decision_outcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("motif", sa.Text(), nullable=True),
        sa.Column("commission_date", sa.Date(), nullable=False),
        sa.Column("signed_document_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["domiciliation_id"], ["domiciliations.id"], name=op.f("fk_decisions_domiciliation_id_domiciliations")
        ),
        sa.ForeignKeyConstraint(
            ["signed_document_id"], ["documents.id"], name=op.f("fk_decisions_signed_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decisions_domiciliation_id"), ["domiciliation_id"], unique=False)

    op.create_table(
        "domiciliation_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domiciliation_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "instruction",
                "attente_decision",
                "valide",
                "refus",
                "ajourne",
                "radie",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "instruction",
                "attente_decision",
                "valide",
                "refus",
                "ajourne",
                "radie",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_domiciliation_status_changes_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["domiciliation_id"],
            ["domiciliations.id"],
            name=op.f("fk_domiciliation_status_changes_domiciliation_id_domiciliations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domiciliation_status_changes")),
    )
    with op.batch_alter_table("domiciliation_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_domiciliation_status_changes_domiciliation_id"), ["domiciliation_id"], unique=False
        )

    op.create_table(
        "mail_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("usager_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "lettre",
                "recommande",
                "avis_de_passage",
                "colis",
                name="mail_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sender", sa.String(length=300), nullable=True),
        sa.Column("sender_org", sa.String(length=64), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "en_revue",
                "recu",
                "notifie",
                "remis",
                "retourne",
                name="mail_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("match_confidence", sa.Float(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("scan_document_id", sa.Integer(), nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.Column("last_reminder_at", sa.DateTime(), nullable=True),
        sa.Column("remise_at", sa.DateTime(), nullable=True),
        sa.Column("remise_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "remise_to",
            sa.Enum("usager", "mandataire", name="remise_to", native_enum=False, create_constraint=True, length=32),
            nullable=True,
        ),
        sa.Column("procuration_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["procuration_id"], ["procurations.id"], name=op.f("fk_mail_items_procuration_id_procurations")
        ),
        sa.ForeignKeyConstraint(["remise_by_id"], ["users.id"], name=op.f("fk_mail_items_remise_by_id_users")),
        sa.ForeignKeyConstraint(
            ["scan_document_id"], ["documents.id"], name=op.f("fk_mail_items_scan_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structures.id"], name=op.f("fk_mail_items_structure_id_structures")
        ),
        sa.ForeignKeyConstraint(["usager_id"], ["usagers.id"], name=op.f("fk_mail_items_usager_id_usagers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_items")),
    )
    with op.batch_alter_table("mail_items", schema=None) as batch_op:
        batch_op.create_index("ix_mail_items_usager_status", ["usager_id", "status"], unique=False)

    op.create_table(
        "decision_deciders",
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_decision_deciders_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_decision_deciders_user_id_users")),
        sa.PrimaryKeyConstraint("decision_id", "user_id", name=op.f("pk_decision_deciders")),
    )


def downgrade() -> None:
    op.drop_table("decision_deciders")
    with op.batch_alter_table("mail_items", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_items_usager_status")

    op.drop_table("mail_items")
    with op.batch_alter_table("domiciliation_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_domiciliation_status_changes_domiciliation_id"))

    op.drop_table("domiciliation_status_changes")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_domiciliation_id"))

    op.drop_table("decisions")
    with op.batch_alter_table("procurations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procurations_usager_id"))

    op.drop_table("procurations")
    with op.batch_alter_table("domiciliations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_domiciliations_usager_id"))

    op.drop_table("domiciliations")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_usager_id"))
        batch_op.drop_index(batch_op.f("ix_documents_sha256"))

    op.drop_table("documents")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cards_usager_id"))

    op.drop_table("cards")
    with op.batch_alter_table("usagers", schema=None) as batch_op:
        batch_op.drop_index("ix_usagers_name_key")

    op.drop_table("usagers")
    op.drop_table("users")
    op.drop_table("structures")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_target"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
