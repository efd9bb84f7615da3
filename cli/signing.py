"""`coffre signing …`: renew archive timestamps of B-LTA documents."""

from __future__ import annotations

import typer

from archive.factory import open_vault
from registry.i18n import CoffreError, t

from . import context

app = typer.Typer(help="Signatures électroniques (PAdES) : horodatage d'archive.", no_args_is_help=True)
ACTOR = "cli"


@app.command("extend")
def extend(
    ctx: typer.Context,
    before_days: int = typer.Option(
        None, "--before-days", help="Renouveler si le certificat du dernier horodatage expire dans ce délai (jours)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Lister sans horodater."),
) -> None:
    """Ré-horodater (B-LTA) les attestations et décisions avant l'expiration du certificat de l'horodateur."""
    from signing.extend import extend_due  # pyHanko loads for this command only
    from signing.factory import seal_signer

    app_ctx = context.get(ctx)
    app_ctx.migrate()
    settings = app_ctx.settings
    vault = open_vault(settings, app_ctx.sessions)
    days = before_days if before_days is not None else settings.signing.extend_before_days
    try:
        with seal_signer(settings) as signer:
            result = extend_due(vault, signer, before_days=days, actor=ACTOR, dry_run=dry_run)
    except CoffreError as exc:
        app_ctx.err.print(str(exc), style="red")
        raise typer.Exit(2) from exc
    key = "cli.signing.extend.dry_run" if dry_run else "cli.signing.extend.done"
    app_ctx.console.print(t(key, checked=result.checked, extended=len(result.extended), days=days))
    for object_id, error in result.failed:
        app_ctx.err.print(t("cli.signing.extend.failed", object_id=object_id, error=error), style="red", markup=False)
    if result.failed:
        raise typer.Exit(1)
