"""One self-contained HTML report per study (figures as base64 PNG), plus PNG/SVG and CSV files.

Reads only the results store: the report can be rebuilt at any time without refitting.

>>> write_report("results.sqlite", "report/")   # doctest: +SKIP
PosixPath('report/report.html')
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from ..atomic import write_bytes_atomic, write_text_atomic
from ..store import open_store
from . import figures, tables

_CSS = ("body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
        "table{border-collapse:collapse;font-size:13px;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 6px}"
        "figure{display:inline-block;margin:4px}img{max-width:520px}.bad{color:#b00}")


class _Figures:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.html: list[str] = []
        self.paths: list[Path] = []

    def add(self, fig: Any, name: str, caption: str) -> None:
        if fig is None:
            return
        png, svg = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png")
        fig.savefig(svg, format="svg")
        write_bytes_atomic(self.folder / f"{name}.png", png.getvalue())  # never a 0-byte figure after a kill
        write_bytes_atomic(self.folder / f"{name}.svg", svg.getvalue())
        plt.close(fig)
        self.paths.append(self.folder / f"{name}.png")
        b64 = base64.b64encode(png.getvalue()).decode("ascii")
        self.html.append(f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{b64}">'
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def take(self) -> str:
        out, self.html = "".join(self.html), []
        return out


def _table(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p>(none)</p>"
    return df.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0, escape=True)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def write_report(db: str | Path, out: str | Path, *, study: str | None = None, truth: dict[str, Any] | None = None) -> Path:
    """Write ``report.html``, ``figures/*.png|svg`` and ``tables/*.csv`` under ``out``; return the HTML path.

    ``truth`` (the virtual study's ``truth.json``) adds a truth column to the paper comparison.
    """
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    with open_store(db) as store:
        rows = store.analyses(study=study)
    figs = _Figures(out / "figures")
    parts = [f"<h1>sselab report{': ' + html.escape(study) if study else ''}</h1>"]
    tabs = {"transport": tables.transport(rows), "sigma_ion_series": tables.sigma_series(rows),
            "paper_vs_analysis": tables.paper_vs_analysis(rows, truth), "structure": tables.structure(rows)}
    for name, df in tabs.items():
        write_text_atomic(out / "tables" / f"{name}.csv", df.to_csv(index=False))
    parts += ["<h2>Paper vs this analysis</h2>", _table(tabs["paper_vs_analysis"]),
              "<h2>Transport</h2>", _table(tabs["transport"]), _table(tabs["sigma_ion_series"])]
    ok = [r for r in rows if r["status"] == "ok" and r["result"]]
    eis = [r for r in ok if r["method"] == "eis_fit"]
    parts.append("<h2>Impedance</h2>")
    groups: dict[tuple[str, str], list] = {}
    for r in eis:
        cell = (r["measurements"][0].get("cell_stack") if r["measurements"] else None) or "?"
        groups.setdefault((r["sample"], cell), []).append(r)
    for (sample, cell), rs in groups.items():
        figs.add(figures.nyquist(rs, f"{sample}: {cell}"), _safe(f"nyquist_{sample}_{cell}"), f"Nyquist plot with fits, {sample}, {cell}")
    for r in ok:
        if r["method"] == "deconvolution":
            figs.add(figures.arrhenius(r, r["sample"]), _safe(f"arrhenius_{r['sample']}"), f"Arrhenius plot, {r['sample']}")
    parts.append(figs.take())
    parts.append("<h2>DC polarisation</h2>")
    for sample in dict.fromkeys(r["sample"] for r in ok if r["method"] == "dc_transient"):
        figs.add(figures.transients([r for r in ok if r["method"] == "dc_transient" and r["sample"] == sample], sample),
                 _safe(f"ca_{sample}"), f"Chronoamperometry, {sample}")
    for r in ok:
        if r["method"] == "dc_electronic":
            figs.add(figures.iv(r, r["sample"]), _safe(f"iv_{r['sample']}"), f"I–V, {r['sample']}")
    parts.append(figs.take())
    parts.append("<h2>Cycling and voltammetry</h2>")
    for i, r in enumerate(ok):
        if r["method"] == "cycling":
            figs.add(figures.cycling(r), _safe(f"cycling_{r['sample']}_{i}"), f"Galvanostatic cycling, {r['sample']}")
        if r["method"] == "cv":
            figs.add(figures.voltammogram(r), _safe(f"cv_{r['sample']}_{i}"), f"Cyclic voltammogram, {r['sample']}")
    parts.append(figs.take())
    parts += ["<h2>Structure (XRD)</h2>", _table(tabs["structure"])]
    for r in ok:
        if r["method"] == "xrd_refine":
            figs.add(figures.xrd(r), _safe(f"xrd_{r['sample']}"), f"Rietveld refinement, {r['sample']}: observed, calculated, difference")
    parts.append(figs.take())
    xps = [r for r in ok if r["method"] == "xps_profile"]
    if xps:
        parts.append("<h2>XPS depth profile</h2>")
    for i, r in enumerate(xps):
        figs.add(figures.xps_profile(r), _safe(f"xps_profile_{r['sample']}_{i}"), f"XPS depth profile (atomic % vs sputter time), {r['sample']}")
        figs.add(figures.xps_spectra(r), _safe(f"xps_surface_{r['sample']}_{i}"), f"XPS surface spectra with fits, {r['sample']}")
    parts.append(figs.take())
    checks = [m for r in ok if r["method"] == "consistency" for m in r["result"].get("messages", [])]
    if checks:
        parts.append("<h2>Consistency checks</h2><ul>" + "".join(f'<li class="bad">{html.escape(m)}</li>' for m in checks) + "</ul>")
    failed = [r for r in rows if r["status"] != "ok"]
    if failed:
        parts.append("<h2>Failed analyses</h2><ul>" + "".join(
            f"<li>{html.escape(str(r['task_id']))}: {html.escape(str(r['message']))}</li>" for r in failed) + "</ul>")
    page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>sselab report</title>"
            f"<link rel='icon' href='data:,'><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")
    path = out / "report.html"
    write_text_atomic(path, page)
    write_text_atomic(out / "tables" / "summary.json", json.dumps({"n_analyses": len(rows), "n_failed": len(failed)}))
    return path
