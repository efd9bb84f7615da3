"""Entry point of the `coffre` command."""

from __future__ import annotations

import getpass
import logging
import os
import secrets
import sys

import typer

from archive.factory import open_vault
from archive.vault import Vault
from lifecycle.env import JobEnv
from lifecycle.scheduler import InProcessScheduler
from registry import audit
from registry.demo import load_demo
from registry.i18n import t
from registry.models import Role
from registry.services.structures import ensure_structure
from registry.services.users import UserError, count_admins, create_user
from registry.settings import QueueMode, Settings

from . import archive, borne, context, lifecycle, signing, usagers
from .context import AppContext
from .ingest import coversheet_command, ingest, pipeline_command, quarantine_app

app = typer.Typer(
    help="Coffre : courrier, coffre-fort et attestations d'un service de domiciliation.", no_args_is_help=True
)
app.add_typer(usagers.app, name="usagers")
app.add_typer(archive.app, name="archive")
app.add_typer(signing.app, name="signing")
app.add_typer(lifecycle.app, name="lifecycle")
app.add_typer(quarantine_app, name="quarantine")
app.command("ingest")(ingest)
app.command("coversheet")(coversheet_command)
app.command("pipeline")(pipeline_command)
app.command("borne")(borne.borne)
audit_app = typer.Typer(help="Journal chaîné des actions.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@app.callback()
def _main(ctx: typer.Context, verbose: bool = typer.Option(False, "--verbose", "-v", help="Journal détaillé.")) -> None:
    settings = Settings()
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = AppContext(settings=settings)


@app.command()
def init(
    ctx: typer.Context,
    admin_user: str = typer.Option("admin", help="Identifiant du premier administrateur."),
    admin_password: str = typer.Option(
        "", envvar="COFFRE_ADMIN_PASSWORD", help="Mot de passe (sinon généré et affiché une fois)."
    ),
    ask_password: bool = typer.Option(False, "--ask-password", help="Saisir le mot de passe au clavier."),
) -> None:
    """Créer ou migrer la base, enregistrer la structure et le premier administrateur."""
    app_ctx = context.get(ctx)
    app_ctx.migrate()
    with app_ctx.sessions.begin() as session:
        structure = ensure_structure(session, app_ctx.settings.structure, actor="cli")
    open_vault(app_ctx.settings, app_ctx.sessions)  # vault directory or bucket, master key file
    with app_ctx.sessions.begin() as session:
        if count_admins(session):
            app_ctx.console.print(t("cli.init.up_to_date", structure=structure.name))
            return
        password, shown = _first_password(admin_password, ask_password)
        try:
            create_user(
                session, structure.id, admin_user, password, Role.ADMIN, full_name="Administrateur", actor="cli"
            )
        except UserError as exc:
            app_ctx.err.print(str(exc), style="red")
            raise typer.Exit(2) from exc
    app_ctx.console.print(t("cli.init.done", structure=structure.name, username=admin_user))
    if shown:
        app_ctx.console.print(t("cli.init.generated", password=password), markup=False)


def _first_password(given: str, ask: bool) -> tuple[str, bool]:
    if given:
        return given, False
    if ask:
        first = getpass.getpass("Mot de passe de l'administrateur : ")
        if first != getpass.getpass("Confirmation : "):
            raise typer.BadParameter(t("cli.passwords_differ"))
        return first, False
    return secrets.token_urlsafe(12), True


@app.command()
def run(
    ctx: typer.Context,
    host: str = typer.Option(None),
    port: int = typer.Option(None),
    scanner: bool = typer.Option(
        True, "--scanner/--without-scanner", help="Surveiller aussi les dossiers des scanners."
    ),
    workers: int = typer.Option(1, min=1, max=64, help="Processus serveur web (production : un par cœur)."),
) -> None:
    """Démarrer Coffre (mode intégré par défaut : SQLite, coffre-fort local, traitements en local)."""
    import uvicorn  # the web stack and pyHanko load here, not for every command (`coffre ingest` starts faster)

    from api.app import create_app

    app_ctx = context.get(ctx)
    settings = app_ctx.settings
    app_ctx.migrate()
    with app_ctx.sessions.begin() as session:
        ensure_structure(session, settings.structure, actor="cli")
    vault = open_vault(settings, app_ctx.sessions)
    from ingest.service import IngestService

    line = IngestService(settings) if scanner else None  # scanner folders → coffre-fort → workers
    if line is not None:
        line.start()
    scheduler = _scheduler(settings, app_ctx, vault)  # journal seal, notices, reminders, radiation, RGPD purge
    host, port = host or settings.api.host, port or settings.api.port
    app_ctx.console.print(
        t(
            "cli.run.banner",
            host=host,
            port=port,
            db=_redacted(settings.effective_database_url),
            storage=settings.storage.backend.value,
            queue=settings.queue.mode.value,
            folders=", ".join(map(str, settings.effective_scanner_folders)) if scanner else "—",
        ),
        markup=False,
    )
    try:
        if workers > 1:  # each process builds its app from the environment; limits are shared out between them
            os.environ["COFFRE_KIOSK__WORKERS"] = str(workers)
            uvicorn.run(
                "api.asgi:from_environment", factory=True, workers=workers, host=host, port=port, access_log=False
            )
        else:
            uvicorn.run(create_app(settings, app_ctx.engine), host=host, port=port, log_level="info", access_log=False)
    finally:
        if scheduler is not None:
            scheduler.stop()
        if line is not None:
            line.stop()


def _scheduler(settings: Settings, app_ctx: AppContext, vault: Vault) -> InProcessScheduler | None:
    """The in-process scheduler of the embedded default; with Celery, beat runs the same jobs instead."""
    if settings.queue.mode is QueueMode.CELERY:
        app_ctx.console.print(t("cli.run.beat"), markup=False)
        return None
    scheduler = InProcessScheduler(JobEnv(settings, app_ctx.sessions, vault_factory=lambda: vault))
    scheduler.start()
    return scheduler


@app.command()
def demo(
    ctx: typer.Context, count: int = typer.Option(200, help="Nombre d'usagers de démonstration."), seed: int = 7
) -> None:
    """Charger une structure de démonstration (usagers, homonymes, domiciliations, courrier)."""
    app_ctx = context.get(ctx)
    app_ctx.migrate()
    with app_ctx.sessions.begin() as session:
        structure = ensure_structure(session, app_ctx.settings.structure, actor="cli")
        summary = load_demo(session, structure, count=count, seed=seed, actor="cli")
    if summary is None:
        app_ctx.console.print(t("cli.demo.not_empty"))
        raise typer.Exit(1)
    for label, value in summary.items():
        app_ctx.console.print(f"  {label} : [bold]{value}[/bold]")
    app_ctx.console.print(t("cli.demo.next"))


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Vérifier la chaîne du journal de bout en bout."""
    app_ctx = context.get(ctx)
    with app_ctx.sessions() as session:
        result = audit.verify(session)
    if result.ok:
        app_ctx.console.print(t("cli.audit.ok", count=result.checked, head=result.head_hash[:16]))
        return
    assert result.problem is not None
    app_ctx.err.print(
        t("cli.audit.broken", event_id=result.problem.event_id, reason=result.problem.reason), style="red"
    )
    raise typer.Exit(1)


def _redacted(url: str) -> str:
    """A database URL without its password, for display."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """The console script: a database or storage that cannot be reached is a clear message, not a traceback."""
    from sqlalchemy.exc import OperationalError

    try:
        app()
    except OperationalError as exc:
        print(t("cli.database_unreachable", detail=type(exc.orig).__name__ if exc.orig else "?"), file=sys.stderr)
        raise SystemExit(2) from None


__all__ = ["AppContext", "app", "main"]
