"""``sselab eis suggest``: rank candidate circuits for one spectrum or a temperature series."""

from __future__ import annotations

from pathlib import Path
from typing import List

import typer
from rich.console import Console
from rich.table import Table

from ..io import read


def suggest_command(
    files: List[Path] = typer.Argument(..., help="One spectrum, or a temperature series (one topology is chosen for all)."),
    extra: List[str] = typer.Option([], "--candidate", help="Also try this circuit (repeatable)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON: 'candidates' best first."),
) -> None:
    """Propose and rank equivalent circuits (DRT peaks + physical grammar; BIC + plausibility)."""
    from .selection import suggest

    spectra = [read(f, kind="spectrum")[0] for f in files]
    result = suggest(spectra, extra=extra)
    if json_out:
        from ..cli._common import echo_json

        echo_json(result.to_dict())
        return
    table = Table(title=f"circuits for {len(files)} spectrum file(s), best first")
    for col in ("circuit", "origin", "BIC", "verdict"):
        table.add_column(col)
    for c in result.candidates:
        table.add_row(c.circuit, c.origin, f"{c.bic:.1f}", "plausible" if c.plausible else "; ".join(c.rejections))
    Console().print(table)


def register_suggest(eis_app: typer.Typer) -> None:
    eis_app.command("suggest")(suggest_command)
