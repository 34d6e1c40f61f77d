"""``sselab info FILE...``: what sselab sees in a file (reader, kind, spectra/regions, points,
axis ranges with units, columns and sign conventions used, warnings); ``--json`` too."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..io.describe import describe_file
from ._common import echo_json, exit_for, verdict_line


def _fmt(v: float | None) -> str:
    return "—" if v is None else f"{v:.6g}"


def _text(d: dict) -> list[str]:
    lines = [f"{d['file']}: {d['count']} {d['kind']} measurement(s), reader {d['reader']}"]
    for k, m in enumerate(d["measurements"]):
        head = f"  [{k}] {m['kind']}, {m['points']} points"
        if "regions" in m:
            head += f", {len(m['regions'])} regions: " + ", ".join(r["name"] for r in m["regions"])
        lines.append(head)
        if k >= 3 and k < d["count"] - 1:
            lines.append(f"  ... {d['count'] - k - 1} more (see --json)")
            break
        for name, a in m["axes"].items():
            lines.append(f"      {name}: {_fmt(a['first'])} → {_fmt(a['last'])} {a['unit']}"
                         f" (range {_fmt(a['min'])}–{_fmt(a['max'])})")
        for key in ("temperature_K", "area_cm2", "scan_rate_V_per_s", "excitation_energy_eV", "wavelength_A"):
            if key in m:
                lines.append(f"      {key}: {m[key]}")
        if k == 0:
            for note in m["notes"]:
                lines.append(f"      note: {note}")
    lines.append("  " + verdict_line(d))
    return lines


def info_command(
    files: List[Path] = typer.Argument(..., help="Measurement files."),
    kind: Optional[str] = typer.Option(None, "--kind", help="Read as this kind (spectrum, transient, ...)."),
    as_json: bool = typer.Option(False, "--json", help="Print the description as JSON."),
) -> None:
    """What sselab sees in each file: reader, kind, points, axis ranges, columns, warnings."""
    results = [describe_file(f, kind) for f in files]
    if as_json:
        echo_json(results if len(results) > 1 else results[0])
    else:
        for d in results:
            typer.echo("\n".join(_text(d)))
    exit_for(*results)


def register(app: typer.Typer) -> None:
    app.command("info")(info_command)
