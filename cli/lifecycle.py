"""`coffre lifecycle …`: run the scheduled jobs once (cron, or to catch up after a stop)."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass

import typer

from archive.factory import open_vault
from lifecycle.env import JobEnv
from lifecycle.jobs import BY_NAME, run_all, run_job
from registry.i18n import t

from . import context

app = typer.Typer(help="Avis, rappels, retours, radiations et purge RGPD planifiés.", no_args_is_help=True)


@app.command("run")
def run(
    ctx: typer.Context,
    job: list[str] = typer.Option([], "--job", help=f"Tâche(s) à lancer : {', '.join(BY_NAME)} (toutes sinon)."),
) -> None:
    """Lancer maintenant les tâches planifiées (chacune ne fait que ce qui est dû : rien n'est envoyé deux fois)."""
    app_ctx = context.get(ctx)
    app_ctx.migrate()
    unknown = [name for name in job if name not in BY_NAME]
    if unknown:
        app_ctx.err.print(t("cli.lifecycle.unknown_job", name=unknown[0], names=", ".join(BY_NAME)), style="red")
        raise typer.Exit(2)
    vault = open_vault(app_ctx.settings, app_ctx.sessions)
    env = JobEnv(app_ctx.settings, app_ctx.sessions, vault_factory=lambda: vault)
    results = {name: run_job(env, name) for name in job} if job else run_all(env)
    for name, result in results.items():
        app_ctx.console.print(t("cli.lifecycle.done", name=name, result=_summary(result)), markup=False)


def _summary(result: object) -> str:
    """A job's result in one line: counts rather than lists of ids."""
    if result is None:
        return t("cli.lifecycle.nothing")
    fields = asdict(result) if is_dataclass(result) and not isinstance(result, type) else result
    if isinstance(fields, dict):
        return ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in fields.items() if "hash" not in k)
    return str(fields)
