"""`coffre archive …`: export, verify-export, audit, seal, keys, legal hold."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn
from rich.table import Table
from sqlalchemy import func, select

from archive.crypto import write_key_file
from archive.export import export_bag, verify_bag
from archive.factory import open_vault
from archive.seal import seal_journal
from archive.vault import Vault
from registry.i18n import CoffreError, t
from registry.models import VaultObject
from registry.services import usagers as usager_svc

from . import context

app = typer.Typer(help="Coffre-fort : export, contrôle d'intégrité, scellement du journal, clés.", no_args_is_help=True)
ACTOR = "cli"


def _vault(app_ctx: context.AppContext) -> Vault:
    app_ctx.migrate()
    return open_vault(app_ctx.settings, app_ctx.sessions)


def _usager_id(app_ctx: context.AppContext, numero: str) -> int:
    with app_ctx.sessions() as session:
        structure = app_ctx.structure(session)
        usager = usager_svc.by_numero(session, structure.id, numero)
        if usager is None:
            app_ctx.err.print(t("usager.not_found", numero=numero), style="red")
            raise typer.Exit(1)
        return usager.id


@app.command("export")
def export(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="Dossier de sortie (vide ou absent)."),
    usager: str | None = typer.Option(None, "--usager", help="Numéro de dossier ; sans lui, toute la structure."),
) -> None:
    """Exporter un coffre-fort (réversibilité) au format BagIt : fichiers en clair, empreintes, journal."""
    app_ctx = context.get(ctx)
    vault = _vault(app_ctx)
    usager_id = _usager_id(app_ctx, usager) if usager else None
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=app_ctx.err, transient=True
        ) as bar:
            task = bar.add_task("Export", total=vault.count(actor=ACTOR, usager_id=usager_id))
            summary = export_bag(vault, out, actor=ACTOR, usager_id=usager_id, progress=lambda n: bar.advance(task, n))
    except CoffreError as exc:
        app_ctx.err.print(str(exc), style="red")
        raise typer.Exit(2) from exc
    app_ctx.console.print(t("cli.archive.exported", documents=summary.documents, events=summary.events, path=out))


@app.command("verify-export")
def verify_export(ctx: typer.Context, path: Path = typer.Argument(..., exists=True, file_okay=False)) -> None:
    """Vérifier un export hors ligne (manifestes sha256 du sac BagIt)."""
    app_ctx = context.get(ctx)
    problems = verify_bag(path)
    if problems:
        for problem in problems:
            app_ctx.err.print(problem, style="red", markup=False)
        app_ctx.err.print(t("cli.archive.export_invalid", count=len(problems)), style="red")
        raise typer.Exit(1)
    app_ctx.console.print(t("cli.archive.export_valid", path=path))


@app.command("audit")
def audit_(ctx: typer.Context, deep: bool = typer.Option(False, help="Déchiffrer aussi chaque objet.")) -> None:
    """Relire et recalculer l'empreinte de tout le coffre-fort ; les objets KO sont signalés aux administrateurs."""
    app_ctx = context.get(ctx)
    vault = _vault(app_ctx)
    with app_ctx.sessions() as session:
        total = (
            session.scalar(
                select(func.coalesce(func.sum(VaultObject.stored_size), 0)).where(VaultObject.status == "stored")
            )
            or 0
        )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
        console=app_ctx.err,
        transient=True,
    ) as bar:
        task = bar.add_task("Contrôle", total=total)
        report = vault.check(actor=ACTOR, deep=deep, progress=lambda n: bar.advance(task, n))
    app_ctx.console.print(
        t("cli.archive.audit", checked=report.checked, ok=report.ok, ko=len(report.failures), mb=report.bytes / 1e6)
    )
    if report.failures:
        table = Table("Objet", "Clé", "Motif", title=t("cli.archive.ko_title"))
        for failure in report.failures:
            table.add_row(str(failure.object_id), failure.key, failure.reason)
        app_ctx.console.print(table)
        raise typer.Exit(1)


@app.command("seal")
def seal(ctx: typer.Context) -> None:
    """Sceller maintenant la tête du journal (objet WORM)."""
    from signing.factory import journal_timestamper  # pyHanko loads for this command only

    app_ctx = context.get(ctx)
    result = seal_journal(_vault(app_ctx), actor=ACTOR, timestamper=journal_timestamper(app_ctx.settings))
    app_ctx.console.print(t("cli.archive.sealed", event_id=result.head_event_id, head=result.head_hash[:16]))


@app.command("rotate-key")
def rotate_key(ctx: typer.Context) -> None:
    """Créer une nouvelle clé maîtresse et y ré-envelopper les clés des usagers (les données ne bougent pas)."""
    app_ctx = context.get(ctx)
    if app_ctx.settings.archive.master_keys:
        app_ctx.err.print(t("cli.archive.rotate_env"), style="red")
        raise typer.Exit(2)
    vault = _vault(app_ctx)
    new_ring = vault.keyring.with_new_key()
    write_key_file(app_ctx.settings.master_key_file, new_ring)  # old keys kept until the rewrap is done
    count = vault.rotate_master_key(new_ring, actor=ACTOR)
    app_ctx.console.print(t("cli.archive.rotated", count=count, key_id=new_ring.current))


@app.command("hold")
def hold(
    ctx: typer.Context,
    object_id: int,
    off: bool = typer.Option(False, "--off"),
    reason: str = typer.Option(..., help="Motif (réquisition, contentieux…)."),
) -> None:
    """Poser (ou lever avec --off) un gel juridique sur un objet."""
    app_ctx = context.get(ctx)
    try:
        _vault(app_ctx).set_legal_hold(object_id, not off, actor=ACTOR, reason=reason)
    except CoffreError as exc:
        app_ctx.err.print(str(exc), style="red")
        raise typer.Exit(1) from exc
    app_ctx.console.print(t("cli.archive.hold_off" if off else "cli.archive.hold_on", object_id=object_id))
