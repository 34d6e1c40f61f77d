"""``sselab serve [STUDY_OR_DB]``: the local web workbench (see :mod:`sselab.web`).

Example
-------
::

    sselab serve my-study/                       # http://127.0.0.1:8765/
    sselab serve results.sqlite --port 9000
    sselab serve my-study/ --host 0.0.0.0 --token "$(openssl rand -hex 16)"
"""

from __future__ import annotations

from typing import Optional

import typer


def serve(
    target: Optional[str] = typer.Argument(
        None, metavar="[STUDY_OR_DB]",
        help="Study folder, manifest, SQLite file or database URL (default: the current folder)."),
    port: int = typer.Option(8765, "--port", help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface; anything but loopback needs --token."),
    token: Optional[str] = typer.Option(None, "--token", envvar="SSELAB_TOKEN",
                                        help="Secret every request must carry (X-Sselab-Token or ?token=)."),
    root: Optional[str] = typer.Option(None, "--root", help="Study folder for uploads (default: beside the database)."),
    workers: int = typer.Option(2, "--workers", help="Threads running fits."),
) -> None:
    """Start the web workbench and print its URL."""
    import uvicorn

    from ..web import WorkbenchConfig, create_app
    from ..web.security import check_bind

    from ._common import check_option

    check_option("--port", port, ge=1, le=65535)
    check_option("--workers", workers, ge=1, le=64)
    check_bind(host, token)
    config = WorkbenchConfig.from_target(target, root=root, host=host, token=token, workers=workers)
    app = create_app(config)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    typer.echo(f"sselab workbench for {config.root} (database {config.db_url.split('@')[-1]})")
    typer.echo(f"open {url}   (Ctrl+C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
    # Ctrl+C: uvicorn has stopped and the jobs were cancelled (lifespan shutdown); a fit still
    # computing in a thread cannot be interrupted, so end the process now instead of waiting for it.
    busy = app.state.workbench.jobs.busy_threads()
    if busy:
        import os
        import sys

        typer.echo(f"stopped; {busy} running job(s) cancelled")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
