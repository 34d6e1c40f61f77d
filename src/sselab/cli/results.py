"""``sselab results STUDY_OR_DB``: list what a study's results database holds.

STUDY_OR_DB is a manifest (its database: ``database:`` or ``<manifest dir>/sselab-results/
results.sqlite``), an SQLite file, or a database URL (``postgresql+psycopg://...``).

Examples
--------
``sselab results study.yaml --sample as-BM``; ``sselab results results.sqlite --format csv``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from ..exceptions import StoreError
from ._common import echo_json

FORMATS = ("table", "csv", "json")


def _open_target(target: str) -> tuple[Any, str | None]:
    """(Store, study name or None) for a manifest, an SQLite file or a URL."""
    from .. import store

    if "://" in target:
        return store.open(target), None
    path = Path(target)
    study = None
    if path.suffix.lower() in (".yaml", ".yml"):
        from ..study.manifest import load_manifest

        loaded = load_manifest(path)
        study = loaded.manifest.study
        db = loaded.db_path
        if isinstance(db, str):
            return store.open(db), study
        path = db
        if not path.is_file():
            raise StoreError(f"no results for study {study!r} yet: {path} does not exist (run the study first)")
    elif not path.is_file():
        raise StoreError(f"{path}: no such database file (give a manifest .yaml, an .sqlite file or a URL)")
    return store.open(path), study


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def _as_text(frame: pd.DataFrame) -> str:
    def value(row: pd.Series) -> str:
        if row["status"] != "ok":
            return f"ERROR: {row['message'] or ''}".strip()
        text = _fmt(row["value"])
        if _fmt(row["stderr"]):
            text += f" ± {_fmt(row['stderr'])}"
        if isinstance(row["unit"], str) and row["unit"]:
            text += f" {row['unit']}"
        return text

    shown = pd.DataFrame({
        "id": frame["analysis_id"],
        "sample": frame["sample"].fillna(""),
        "method": frame["method"],
        "cell": frame["cell_stack"].fillna(""),
        "T_K": frame["temperature_K"].map(_fmt),
        "file": frame["path"].map(lambda p: "" if not isinstance(p, str) else (p if p.startswith("<") else Path(p).name)),
        "name": frame["name"].fillna(""),
        "value": frame.apply(value, axis=1) if len(frame) else pd.Series(dtype=str),
        "accepted": frame["accepted"].map(lambda a: "yes" if a else ""),
    })
    return shown.to_string(index=False)


def results(
    target: str = typer.Argument(..., metavar="STUDY_OR_DB", help="Manifest (.yaml), SQLite file or database URL."),
    sample: str | None = typer.Option(None, "--sample", help="Only this sample."),
    method: str | None = typer.Option(None, "--method", help="Only this analysis method (e.g. eis_fit)."),
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
) -> None:
    """List stored results: one line per value (table/csv) or every analysis in full (json)."""
    if fmt not in FORMATS:
        raise StoreError(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
    db, study = _open_target(target)
    with db:
        if sample is not None and not db.analyses(study=study, sample=sample):
            known = sorted({a["sample"] for a in db.analyses(study=study) if a["sample"]})
            raise StoreError(f"no results for sample {sample!r} (samples with results: {', '.join(known) or 'none'})")
        if fmt == "json":
            echo_json({"database": db.display_url, "study": study,
                       "analyses": db.analyses(study=study, sample=sample, method=method)})
            return
        frame = db.table(study=study, sample=sample, method=method)
    if fmt == "csv":
        typer.echo(frame.to_csv(index=False), nl=False)
    elif frame.empty:
        typer.echo("no results stored yet")
    else:
        typer.echo(_as_text(frame))


def register(app: typer.Typer) -> None:
    """Add ``sselab results``."""
    app.command("results")(results)
