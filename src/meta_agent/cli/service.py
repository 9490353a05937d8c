"""``meta-agent serve`` and ``meta-agent token``: the HTTP service and who may use it."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from meta_agent.cli.run_commands import DatabaseOption, RunsDirOption, SandboxOption

if TYPE_CHECKING:
    from meta_agent.service.store import ServiceStore

token_app = typer.Typer(help="Create, list and revoke the service's API tokens.")

RunsDir = Annotated[Path | None, typer.Option("--runs-dir", help="Folder for run folders.")]


def _store(runs_dir: Path | None) -> ServiceStore:
    from meta_agent.config import load_settings
    from meta_agent.service.store import ServiceStore

    return ServiceStore.for_settings(load_settings(runs_dir=runs_dir))


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Who the token is for (the owner of its runs).")],
    admin: Annotated[bool, typer.Option("--admin", help="May see every user's runs.")] = False,
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Wall-clock limit of their runs, seconds.")
    ] = None,
    cpu: Annotated[int | None, typer.Option("--cpu", help="CPU limit of their runs, s.")] = None,
    memory_mb: Annotated[
        int | None, typer.Option("--memory-mb", help="Memory limit of their runs, MB.")
    ] = None,
    runs_dir: RunsDir = None,
) -> None:
    """Print a new token for NAME; it is stored hashed and shown only this once."""
    limits = {"timeout_seconds": timeout, "cpu_seconds": cpu, "memory_mb": memory_mb}
    given = {key: float(value) for key, value in limits.items() if value is not None}
    typer.echo(_store(runs_dir).create_token(name, admin=admin, limits=given))


@token_app.command("list")
def token_list(runs_dir: RunsDir = None) -> None:
    """List the tokens' owners (never the tokens)."""
    for info in _store(runs_dir).tokens():
        state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
        role = "admin" if info.admin else "user"
        limits = ", ".join(f"{k}={v:g}" for k, v in info.limits.items()) or "default limits"
        typer.echo(f"{info.name}\t{role}\tcreated {info.created_at}\t{state}\t{limits}")


@token_app.command("revoke")
def token_revoke(name: str, runs_dir: RunsDir = None) -> None:
    """Revoke NAME's token at once; its runs stay on the record."""
    _store(runs_dir).revoke_token(name)
    typer.echo(f"Revoked the token of {name}.")


def is_loopback(host: str) -> bool:
    """True for an address (or name) that only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(
                ipaddress.ip_address(info[4][0]).is_loopback
                for info in socket.getaddrinfo(host, None)
            )
        except OSError:
            return False


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    workers: Annotated[int, typer.Option(help="Runs executed at the same time.")] = 2,
    pool: Annotated[int, typer.Option(help="Warm sandboxes kept ready (0: none).")] = 1,
    alerts: Annotated[
        Path | None, typer.Option("--alerts", help="Alert rules and webhooks (YAML).")
    ] = None,
    database: DatabaseOption = None,
    runs_dir: RunsDirOption = None,
    sandbox: SandboxOption = None,
) -> None:
    """Serve the HTTP API: every call needs a token from `meta-agent token create`."""
    import uvicorn

    from meta_agent.config import load_settings
    from meta_agent.errors import ConfigError
    from meta_agent.logs import configure_logging
    from meta_agent.service import create_app
    from meta_agent.service.alerts import Alerts, load_alert_config
    from meta_agent.service.store import ServiceStore

    settings = load_settings(database_url=database, runs_dir=runs_dir, sandbox=sandbox)
    rules = Alerts(load_alert_config(alerts)) if alerts is not None else None
    store = ServiceStore.for_settings(settings)
    if not store.has_active_token():
        if not is_loopback(host):
            raise ConfigError(
                f"Refusing to listen on {host} with no API token configured: create one with "
                "`meta-agent token create NAME` first, or listen on 127.0.0.1."
            )
        typer.echo(
            "No API token exists yet, so no call can succeed: `meta-agent token create NAME`.",
            err=True,
        )
    if workers < 1:
        raise ConfigError("--workers must be at least 1.")
    configure_logging()
    app = create_app(settings, worker_threads=workers, pool_size=max(pool, 0), alerts=rules)
    uvicorn.run(app, host=host, port=port, log_level="info")


def mcp(
    database: DatabaseOption = None,
    runs_dir: RunsDirOption = None,
    sandbox: SandboxOption = None,
) -> None:
    """Serve Meta-Agent to an assistant over stdio (Model Context Protocol)."""
    import logging

    from meta_agent.config import load_settings
    from meta_agent.service.mcp_server import build_server

    logging.basicConfig(level=logging.WARNING)  # stderr; stdout is the protocol's
    settings = load_settings(database_url=database, runs_dir=runs_dir, sandbox=sandbox)
    build_server(settings).run("stdio")


def detach_request(request: str, service: str | None, token: str | None, as_json: bool) -> None:
    """``ask --detach``: queue the request on the service, approved, and print its id."""
    import json

    from meta_agent.service.client import ServiceClient

    with ServiceClient(service, token) as client:
        run = client.submit(request, approve=True)
    if as_json:
        typer.echo(json.dumps(run))
    else:
        typer.echo(run["id"])
        state = run["status"] + (f": {run['error']}" if run.get("error") else "")
        typer.echo(f"{state}. Follow it with `meta-agent runs watch {run['id']}`.", err=True)
    if run["status"] == "rejected":
        raise typer.Exit(3)


def watch_run(run_id: str, service: str | None, token: str | None, as_json: bool) -> None:
    """``runs watch``: the log as it is written (stderr), then the outcome; exit code by status."""
    import json

    from meta_agent.cli.running import EXIT_FOR_STATUS
    from meta_agent.service.client import ServiceClient

    with ServiceClient(service, token) as client:
        for event, data in client.log_lines(run_id):
            if event == "log":
                typer.echo(data, err=True)
        run = client.get(run_id)
    if as_json:
        typer.echo(json.dumps(run))
    else:
        typer.echo(f"{run['id']}: {run['status']}" + (f" ({run['error']})" if run["error"] else ""))
        for name in run["artifacts"]:
            typer.echo(f"  {name}")
    code = EXIT_FOR_STATUS.get(run["status"], 1)
    if code:
        raise typer.Exit(code)
