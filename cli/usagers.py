"""`coffre usagers …`: import, export, list, show, cards."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import func, select

from registry.i18n import CoffreError, t
from registry.models import Domiciliation, MailItem, Usager
from registry.services import usagers as svc
from registry.services.usager_csv import ImportReport, export_csv, import_csv

from . import context

app = typer.Typer(help="Registre des usagers.", no_args_is_help=True)
_SHOWN_REJECTS = 30


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="Fichier CSV."),
    encoding: str = typer.Option("utf-8", help="Encodage du fichier (cp1252 pour un export Excel ancien)."),
    rejects: Path | None = typer.Option(None, help="Écrire tous les rejets dans ce fichier CSV."),
) -> None:
    """Importer des usagers (colonnes : numero, nom, prenoms, date_naissance, …) ; ré-importer met à jour."""
    app_ctx = context.get(ctx)
    app_ctx.migrate()
    total = _count_lines(file)
    started = time.perf_counter()
    with context.counting_bar(app_ctx) as bar:
        task = bar.add_task("Import", total=total)
        try:
            with app_ctx.sessions.begin() as session:
                structure = app_ctx.structure(session)
                report = import_csv(
                    session,
                    structure.id,
                    file,
                    encoding=encoding,
                    actor="cli",
                    progress=lambda line: bar.update(task, completed=line) if line % 2000 == 0 else None,
                )
        except CoffreError as exc:
            app_ctx.err.print(str(exc), style="red")
            raise typer.Exit(2) from exc
    _print_report(app_ctx, report, time.perf_counter() - started, rejects)


def _count_lines(path: Path) -> int:
    with path.open("rb") as raw:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))


def _print_report(app_ctx: context.AppContext, report: ImportReport, seconds: float, rejects: Path | None) -> None:
    app_ctx.console.print(
        t(
            "cli.import.summary",
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=len(report.rejected),
            seconds=seconds,
        )
    )
    if report.rejected:
        table = Table("Ligne", "Numéro", "Motif du rejet")
        for rejection in report.rejected[:_SHOWN_REJECTS]:
            table.add_row(str(rejection.line), rejection.numero or "", rejection.reason)
        app_ctx.console.print(table)
        if len(report.rejected) > _SHOWN_REJECTS:
            app_ctx.console.print(t("cli.import.more_rejects", count=len(report.rejected) - _SHOWN_REJECTS))
    if rejects is not None:
        import csv

        with rejects.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["ligne", "numero", "motif"])
            writer.writerows((r.line, r.numero or "", r.reason) for r in report.rejected)
        app_ctx.console.print(t("cli.import.rejects_written", path=rejects))


@app.command("export")
def export(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", "-o", help="Fichier de sortie (sinon la sortie standard)."),
) -> None:
    """Exporter tous les usagers en CSV (ré-importable)."""
    app_ctx = context.get(ctx)
    with app_ctx.sessions.begin() as session:
        structure = app_ctx.structure(session)
        if out is None:
            export_csv(session, structure.id, sys.stdout, actor="cli")
            return
        with out.open("w", newline="", encoding="utf-8") as handle:
            count = export_csv(session, structure.id, handle, actor="cli")
    app_ctx.err.print(t("cli.export.done", count=count, path=out))


@app.command("list")
def list_(
    ctx: typer.Context,
    name: str = typer.Option("", "--nom", help="Filtrer sur le nom (tous les mots)."),
    limit: int = typer.Option(50, help="Nombre de lignes au plus."),
) -> None:
    """Lister les usagers (avec leurs homonymes signalés et leur courrier en attente)."""
    app_ctx = context.get(ctx)
    with app_ctx.sessions() as session:
        structure = app_ctx.structure(session)
        if name:
            rows = svc.search(session, structure.id, name, limit=limit)
        else:
            rows = list(
                session.scalars(
                    select(Usager).where(Usager.structure_id == structure.id).order_by(Usager.id).limit(limit)
                )
            )
        keys = [u.name_key for u in rows]
        twins = dict(
            session.execute(
                select(Usager.name_key, func.count())
                .where(Usager.structure_id == structure.id, Usager.name_key.in_(keys))
                .group_by(Usager.name_key)
            ).all()
        )
        total = session.scalar(select(func.count()).select_from(Usager).where(Usager.structure_id == structure.id))
        table = Table(
            "N°",
            "Nom",
            "Prénoms",
            "Naissance",
            "Homonymes",
            "Courrier en attente",
            title=f"{len(rows)} / {total} usager(s)",
        )
        for usager in rows:
            table.add_row(
                usager.numero,
                usager.nom.upper(),
                usager.prenoms,
                usager.date_naissance.strftime("%d/%m/%Y") if usager.date_naissance else "",
                str(twins.get(usager.name_key, 1) - 1) if twins.get(usager.name_key, 1) > 1 else "",
                str(svc.open_mail_count(session, usager.id) or ""),
            )
    app_ctx.console.print(table)


@app.command("show")
def show(ctx: typer.Context, numero: str) -> None:
    """Afficher le dossier d'un usager."""
    app_ctx = context.get(ctx)
    with app_ctx.sessions() as session:
        structure = app_ctx.structure(session)
        usager = _get(app_ctx, session, structure.id, numero)
        table = Table(show_header=False, title=f"Dossier n° {usager.numero}")
        for label, value in (
            ("Nom", usager.nom.upper()),
            ("Prénoms", usager.prenoms),
            ("Nom d'usage", usager.nom_usage),
            ("Surnom", usager.surnom),
            ("Sexe", usager.sexe),
            ("Né(e) le", usager.date_naissance),
            ("à", usager.lieu_naissance),
            ("Nationalité", usager.nationalite),
            ("Téléphone", usager.telephone),
            ("E-mail", usager.email),
            ("Canal", usager.channel),
            ("Cartes actives", sum(1 for c in usager.cards if c.revoked_at is None)),
            ("Homonymes", ", ".join(f"n° {h.numero}" for h in svc.homonyms(session, usager)) or "aucun"),
            ("Courrier en attente", svc.open_mail_count(session, usager.id)),
        ):
            table.add_row(label, "" if value is None else str(getattr(value, "value", value)))
        for dom in session.scalars(
            select(Domiciliation).where(Domiciliation.usager_id == usager.id).order_by(Domiciliation.id)
        ):
            period = f" du {dom.debut:%d/%m/%Y} au {dom.fin:%d/%m/%Y}" if dom.debut and dom.fin else ""
            table.add_row("Domiciliation", f"{dom.type.value} — {dom.status.value}{period}")
        mails = session.scalar(select(func.count()).select_from(MailItem).where(MailItem.usager_id == usager.id))
        table.add_row("Courriers reçus", str(mails))
    app_ctx.console.print(table)


card_app = typer.Typer(help="Cartes des usagers.", no_args_is_help=True)
app.add_typer(card_app, name="card")


@card_app.command("issue")
def card_issue(ctx: typer.Context, numero: str) -> None:
    """Émettre une nouvelle carte (l'ancienne est révoquée) ; le jeton n'est affiché qu'une fois."""
    app_ctx = context.get(ctx)
    with app_ctx.sessions.begin() as session:
        structure = app_ctx.structure(session)
        issued = svc.issue_card(session, _get(app_ctx, session, structure.id, numero), actor="cli")
    app_ctx.console.print(t("cli.card.issued", numero=numero, token=issued.token), markup=False)


@card_app.command("revoke")
def card_revoke(ctx: typer.Context, numero: str, reason: str = typer.Option("perdue", help="Motif.")) -> None:
    """Révoquer les cartes actives d'un usager (perte, vol…)."""
    app_ctx = context.get(ctx)
    with app_ctx.sessions.begin() as session:
        structure = app_ctx.structure(session)
        count = svc.revoke_card(session, _get(app_ctx, session, structure.id, numero), reason=reason, actor="cli")
    app_ctx.console.print(t("cli.card.revoked", count=count, numero=numero))


def _get(app_ctx: context.AppContext, session, structure_id: int, numero: str) -> Usager:  # type: ignore[no-untyped-def]
    usager = svc.by_numero(session, structure_id, numero)
    if usager is None:
        app_ctx.err.print(t("usager.not_found", numero=numero), style="red")
        raise typer.Exit(1)
    return usager
