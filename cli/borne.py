"""`coffre borne`: the kiosk bridge (card reader → Coffre server → the page on loopback)."""

from __future__ import annotations

import typer

from registry.i18n import t

from . import context


def borne(
    ctx: typer.Context,
    serial_port: str = typer.Option(None, help="Port du lecteur de carte (sinon COFFRE_BORNE_SERIAL_PORT)."),
    listen_port: int = typer.Option(None, help="Port local de la page (sinon COFFRE_BORNE_LISTEN_PORT)."),
) -> None:
    """Faire tourner la borne : lire les cartes, interroger le serveur Coffre, afficher la page locale."""
    from kiosk.bridge import BridgeServer, create_app
    from kiosk.settings import BridgeSettings

    app_ctx = context.get(ctx)
    settings = BridgeSettings()
    overrides = {"serial_port": serial_port, "listen_port": listen_port}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    if not settings.kiosk_key.get_secret_value():
        app_ctx.err.print(t("borne.cli.no_key"), style="red", markup=False)
        raise typer.Exit(2)
    if not settings.serial_port:
        app_ctx.err.print(t("borne.cli.no_reader"), style="yellow", markup=False)
    banner = t(
        "borne.cli.banner",
        host=settings.listen_host,
        port=settings.listen_port,
        server=settings.base_url,
        reader=f"{settings.serial_port} ({settings.baudrate} bauds)" if settings.serial_port else "—",
    )
    app_ctx.console.print(banner, markup=False)
    BridgeServer(create_app(settings), host=settings.listen_host, port=settings.listen_port, log_level="info").run()
