"""`coffre ingest`, `coffre quarantine …`, `coffre coversheet`: the scanner path from the command line."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path, PurePath

import typer
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func, select

from ingest import coversheet
from ingest.context import Services
from ingest.errors import Quarantine
from ingest.executor import InProcessExecutor, recover_interrupted
from ingest.pipeline import reset_for_retry
from ingest.report import report_lines
from ingest.take import take
from registry.i18n import CoffreError, t
from registry.models import IngestJob
from registry.services.structures import ensure_structure
from registry.services.usagers import by_numero
from registry.settings import QueueMode, Settings
from scanner_watch import WatchOptions
from scanner_watch.patterns import PathRules

from . import context

log = logging.getLogger(__name__)
quarantine_app = typer.Typer(help="Fichiers mis de côté, avec leur motif.", no_args_is_help=True)


def ingest(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(
        None, exists=True, help="Fichiers ou dossiers (par défaut : les dossiers des scanners)."
    ),
    once: bool = typer.Option(False, "--once", help="Traiter ces fichiers puis s'arrêter."),
    report: Path | None = typer.Option(None, "--report", help="Écrire une ligne JSON par courrier ou document."),
    workers: int = typer.Option(0, help="Processus de traitement (0 = un par cœur)."),
    keep: bool | None = typer.Option(
        None, "--keep/--consume", help="Laisser les fichiers en place (défaut hors des dossiers des scanners)."
    ),
) -> None:
    """Traiter des scans : dépôt au coffre-fort, lecture de l'adresse, rapprochement, enregistrement."""
    app_ctx = context.get(ctx)
    app_ctx.migrate()
    settings = app_ctx.settings
    with app_ctx.sessions.begin() as session:
        ensure_structure(session, settings.structure, actor="cli")
    services = Services.open(settings)
    if not once:
        from ingest.service import IngestService

        with IngestService(settings, workers=workers or None) as service:
            app_ctx.console.print(t("cli.ingest.watching", folders=", ".join(map(str, service.folders))))
            service.wait()
        return
    if settings.queue.mode is not QueueMode.CELERY:  # one node: whatever was 'running' died with it
        recover_interrupted(services)
    files = list(_collect(paths or settings.effective_scanner_folders, settings.effective_scanner_folders))
    job_ids: list[int] = []  # every file's job, in the files' order
    runnable: list[int] = []  # the jobs to process: this run's new ones, then those an earlier run left queued

    def taken(bar: Progress) -> Iterator[int]:
        """Take each file (its deposit is durable before it leaves the folder), handing each new job on at once."""
        task = bar.add_task(t("cli.ingest.taking"), total=len(files))
        for path, relative, in_hot_folder in files:
            consume = in_hot_folder if keep is None else not keep
            done = take(services, path, relative, consume=consume)
            job_ids.append(done.job_id)
            bar.advance(task)
            if done.status == "queued":
                runnable.append(done.job_id)
                yield done.job_id
        with app_ctx.sessions() as session:  # left queued by an earlier run (storage down, a worker lost)
            queued = select(IngestJob.id).where(IngestJob.status == "queued").order_by(IngestJob.id)
            left = list(session.scalars(queued))
        for job_id in left:
            if job_id not in runnable:
                runnable.append(job_id)
                yield job_id

    if settings.queue.mode is QueueMode.CELERY:
        with _bar(app_ctx) as bar:
            list(taken(bar))
        if runnable:
            _run_on_celery(app_ctx, settings, runnable)
    else:  # the workers start on the first job while the next files are being taken
        executor = InProcessExecutor(settings, workers or None, services=services)
        try:
            with _bar(app_ctx) as bar:
                processing = bar.add_task(t("cli.ingest.processing"), total=None)
                executor.run(taken(bar), on_done=lambda _job, _status: bar.advance(processing))
        finally:
            executor.shutdown()
    job_ids = list(dict.fromkeys(job_ids + runnable))
    with app_ctx.sessions() as session:
        lines = report_lines(session, job_ids)
    if report is not None:
        with report.open("w", encoding="utf-8") as out:
            for line in lines:
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for line in lines:
        counts[str(line["status"])] = counts.get(str(line["status"]), 0) + 1
    app_ctx.console.print(
        t(
            "cli.ingest.summary",
            files=len(files),
            items=len(lines),
            detail=", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "—",
        )
    )


def _run_on_celery(app_ctx: context.AppContext, settings: Settings, job_ids: list[int], timeout: float = 3600) -> None:
    """Send the jobs to the Celery workers and follow them in the database until they are all finished."""
    from ingest.celery_app import make_celery

    celery = make_celery(settings)
    for job_id in job_ids:
        celery.send_task("coffre.ingest.run_job", args=[job_id])
    deadline = time.monotonic() + timeout
    with _bar(app_ctx) as bar:
        task = bar.add_task(t("cli.ingest.processing"), total=len(job_ids))
        while time.monotonic() < deadline:
            with app_ctx.sessions() as session:
                finished = (
                    session.scalar(
                        select(func.count())
                        .select_from(IngestJob)
                        .where(IngestJob.id.in_(job_ids), IngestJob.status.in_(("done", "quarantined", "duplicate")))
                    )
                    or 0
                )
            bar.update(task, completed=finished)
            if finished == len(job_ids):
                return
            time.sleep(0.5)


def _collect(paths: list[Path], hot_folders: list[Path]):  # type: ignore[no-untyped-def]
    """(path, relative path for folder conventions, inside a hot folder?) for every file under `paths`."""
    rules = PathRules(WatchOptions().ignore, ("quarantine",))
    for given in paths:
        given = given.resolve()
        root = next((h for h in hot_folders if given == h or h in given.parents), None)
        base = root or (given if given.is_dir() else given.parent)
        candidates = sorted(given.rglob("*")) if given.is_dir() else [given]
        for path in candidates:
            relative = PurePath(path.relative_to(base))
            if path.is_file() and not path.is_symlink() and not rules.skips(relative.parts, is_dir=False):
                yield path, relative, root is not None


def _bar(app_ctx: context.AppContext) -> Progress:
    return context.counting_bar(app_ctx)


def pipeline_command(ctx: typer.Context) -> None:
    """État de la chaîne de numérisation : en file, en cours (par étape), traités, en quarantaine."""
    from ingest.status import pipeline_status

    app_ctx = context.get(ctx)
    with app_ctx.sessions() as session:
        status = pipeline_status(session)
    table = Table(t("cli.pipeline.state"), t("cli.pipeline.files"), title=t("cli.pipeline.title"))
    table.add_row(t("cli.pipeline.queued"), str(status.queued))
    for stage, count in sorted(status.running.items()):
        table.add_row(t("cli.pipeline.running", stage=stage), str(count))
    table.add_row(t("cli.pipeline.done"), str(status.done))
    table.add_row(t("cli.pipeline.quarantined"), str(status.quarantined))
    table.add_row(t("cli.pipeline.duplicate"), str(status.duplicate))
    app_ctx.console.print(table)


@quarantine_app.command("list")
def quarantine_list(ctx: typer.Context, limit: int = typer.Option(100)) -> None:
    """Lister les fichiers en quarantaine et leur motif."""
    app_ctx = context.get(ctx)
    with app_ctx.sessions() as session:
        jobs = list(
            session.scalars(
                select(IngestJob).where(IngestJob.status == "quarantined").order_by(IngestJob.id.desc()).limit(limit)
            )
        )
    table = Table("N°", "Fichier", "Reçu le", "Motif", title=t("cli.quarantine.title", count=len(jobs)))
    for job in jobs:
        table.add_row(str(job.id), job.source_name, job.created_at.strftime("%d/%m/%Y %H:%M"), job.reason or "")
    app_ctx.console.print(table)


@quarantine_app.command("retry")
def quarantine_retry(ctx: typer.Context, job_id: int) -> None:
    """Relancer le traitement d'un fichier en quarantaine (après correction du dossier, par exemple)."""
    from ingest.pipeline import run_job

    app_ctx = context.get(ctx)
    services = Services.open(app_ctx.settings)
    try:
        reset_for_retry(services, job_id)
    except Quarantine as exc:
        app_ctx.err.print(str(exc), style="red")
        raise typer.Exit(1) from exc
    status = run_job(services, job_id)
    with app_ctx.sessions() as session:
        job = session.get(IngestJob, job_id)
        reason = job.reason if job else None
    app_ctx.console.print(t("cli.quarantine.retried", job_id=job_id, status=status, reason=reason or ""))
    if status == "quarantined":
        raise typer.Exit(1)


def coversheet_command(
    ctx: typer.Context,
    usager: str = typer.Option(..., "--usager", help="Numéro de dossier."),
    kind: str = typer.Option("justificatif", "--kind", help="Type de document (justificatif, avis_imposition…)."),
    out: Path = typer.Option(Path("feuille-de-garde.pdf"), "--out", "-o"),
) -> None:
    """Imprimer une feuille de garde (QR code) : les pages qui la suivent vont dans ce dossier."""
    app_ctx = context.get(ctx)
    with app_ctx.sessions() as session:
        structure = app_ctx.structure(session)
        found = by_numero(session, structure.id, usager)
        if found is None:
            app_ctx.err.print(t("usager.not_found", numero=usager), style="red")
            raise typer.Exit(1)
        label = f"{found.nom.upper()} {found.prenoms}".strip()
    try:
        out.write_bytes(
            coversheet.render_pdf(
                coversheet.CoverSheet(usager, kind), usager_label=label, structure_name=app_ctx.settings.structure.name
            )
        )
    except CoffreError as exc:
        app_ctx.err.print(str(exc), style="red")
        raise typer.Exit(1) from exc
    app_ctx.console.print(t("cli.coversheet.written", path=out))
