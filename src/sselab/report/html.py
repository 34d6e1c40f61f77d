"""One self-contained HTML report per study (figures embedded), plus the figure and CSV files.

Figures are written once, as SVG by default (vector, what the HTML embeds); PNG (300 dpi) on
request (``figure_formats=("png",)``, or both).  The HTML embeds the first format asked for.

Reads only the results store: the report can be rebuilt at any time without refitting.

>>> write_report("results.sqlite", "report/")   # doctest: +SKIP
PosixPath('report/report.html')
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_text_atomic
from ..store import open_store
from . import figures, microscopy, style, tables
from .figpool import FigurePool, _result  # FigurePool: also sselab.report.html.FigurePool (demo)

_CSS = ("body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
        "table{border-collapse:collapse;font-size:12px;margin:1em 0;max-width:100%;display:block;overflow-x:auto}"
        "td,th{border:1px solid #bbb;padding:3px 6px;text-align:right}th{background:#f3f3f3}"
        "td:first-child,th:first-child{text-align:left}"
        "figure{display:inline-block;margin:4px;vertical-align:top}img{max-width:100%;height:auto}"
        "figcaption{font-size:12px;color:#444;max-width:520px}.bad{color:#b00}.warn{color:#a60}.ok{color:#070}")


FIGURE_FORMATS = ("svg", "png")
_TOKEN = re.compile("\x00figure[0-9]+\x00")  # a figure's place in the page until it is rendered
_MIME = {"svg": "image/svg+xml", "png": "image/png"}


class _Figures:
    """Figures of the report, each written once per asked format through the project style
    (atomic writes, 300 dpi PNG); the HTML embeds the first.

    With a parallel :class:`FigurePool` (``jobs`` > 1, or the caller's ``pool``) the figures
    of :meth:`draw` are drawn and rendered by the pool's workers (this process sends the
    figure function and its rows), in parallel with each other and with the rest of the
    report; :meth:`finish` waits for them and puts each into the page.
    """

    def __init__(self, folder: Path, formats: tuple[str, ...] = ("svg",), jobs: int = 1,
                 pool: FigurePool | None = None) -> None:
        unknown = [f for f in formats if f not in FIGURE_FORMATS]
        if unknown or not formats:
            raise ValueError(f"figure formats must be some of {', '.join(FIGURE_FORMATS)}; got {', '.join(formats)}")
        self.folder = folder
        self.formats = tuple(dict.fromkeys(formats))
        self.html: list[str] = []
        self.paths: list[Path] = []
        self._pending: dict[str, tuple[Any, list[Path], str, str]] = {}
        self._own = pool is None
        self._pool = FigurePool(jobs) if pool is None else pool

    def draw(self, func: Any, args: tuple, name: str, caption: str) -> None:
        """The figure ``func(*args)`` (None: no figure) under ``name`` with ``caption``, drawn
        where it is rendered (in the pool's worker when the pool is parallel)."""
        paths = [self.folder / f"{name}.{fmt}" for fmt in self.formats]
        future = self._pool.draw(func, args, paths)
        token = f"\x00figure{len(self._pending)}\x00"  # as :data:`_TOKEN` matches
        self._pending[token] = (future, paths, name, caption)
        self.html.append(token)

    def _tag(self, first: Path, name: str, caption: str) -> str:
        b64 = base64.b64encode(first.read_bytes()).decode("ascii")
        return (f'<figure><img alt="{html.escape(name)}" src="data:{_MIME[self.formats[0]]};base64,{b64}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>")

    def take(self) -> str:
        out, self.html = "".join(self.html), []
        return out

    def abandon(self) -> None:
        """Stop a pool this object started (pending figures cancelled): the report failed."""
        self._pending = {}
        if self._own:
            self._pool.close(cancel=True)

    def finish(self, page: str) -> str:
        """``page`` with every figure rendered in the pool in its place (waits for them).

        The tokens are replaced in one pass over the page: one ``str.replace`` per figure
        copied the whole page each time (61 figures, a page growing to ~10 MB of embedded SVG:
        ~0.2–0.5 s CPU in the demo)."""
        ok = False
        try:
            tags: dict[str, str] = {}
            for token, (future, paths, name, caption) in self._pending.items():
                drawn = _result(future, paths[0])  # waits; raises the worker's error; False: no figure
                if drawn:
                    self.paths += paths
                tags[token] = self._tag(paths[0], name, caption) if drawn else ""
            if tags:
                page = _TOKEN.sub(lambda m: tags.get(m.group(0), m.group(0)), page)
            ok = True
        finally:
            self._pending = {}
            if self._own:
                self._pool.close(cancel=not ok)
        return page


def _table(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p>(none)</p>"
    return tables.humanise(df).to_html(index=False, na_rep="", border=0, escape=True, classes="data")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _verdict_html(rows: list[dict[str, Any]]) -> str:
    """Every analysis whose result is not ok, with its reasons (failed first)."""
    from ..verdict import verdict_of

    items = []
    for r in rows:
        if r["status"] != "ok":  # the task itself raised
            items.append((2, r, f"task failed: {r['message']}"))
            continue
        v = verdict_of(r["result"] or {})
        if v.status != "ok":
            first = ("kk_invalid", "misfit", "single_spectrum_of_many", "not_steady", "paper_inconsistent")
            worst_first = sorted(v.reasons, key=lambda x: (x.severity != "failed", x.code not in first))
            shown = [x.message if len(x.message) <= 300 else x.message[:297] + "…" for x in worst_first[:3]]
            more = f" (+{len(v.reasons) - 3} more in the results database)" if len(v.reasons) > 3 else ""
            items.append((2 if v.status == "failed" else 1, r, "; ".join(shown) + more))
    if not items:
        return "<p>Every analysis passed its checks.</p>"
    items.sort(key=lambda x: (-x[0], style.natural_key(x[1]["sample"] or ""), str(x[1]["task_id"])))
    li = "".join(f'<li class="{"bad" if k == 2 else "warn"}"><b>{"failed" if k == 2 else "warning"}</b> '
                 f"{html.escape(str(r['task_id']))}: {html.escape(msg)}</li>" for k, r, msg in items)
    return f"<ul>{li}</ul>"


def _reading_html(measurements: list[dict[str, Any]]) -> str:
    """Every file not read whole (a reader dropped rows, a declared count not met), with its
    reasons; empty when every reading recorded in the store was ok."""
    items = []
    for m in measurements:
        v = m.get("reading_verdict")
        if not v or v["status"] == "ok":
            continue
        msg = "; ".join(f"{r['code']}: {r['message']}" for r in v["reasons"])
        items.append(f'<li class="{"bad" if v["status"] == "failed" else "warn"}"><b>{html.escape(v["status"])}</b> '
                     f"{html.escape(str(m['sample']))}/{html.escape(str(m['path']))}: {html.escape(msg)}</li>")
    if not items:
        return ""
    return "<h2>Readings</h2><p>Files the readers did not take whole; the results from them carry it.</p>" \
           f"<ul>{''.join(items)}</ul>"


def _summary(r: dict[str, Any]) -> str:
    """One line per analysis around transport: its main number and verdict."""
    from ..numfmt import format_uncertain as fu

    x = r["result"]
    day = 24 * (x.get("slope_stderr_ohm_per_h") or 0) or None
    main = {"stacks": lambda: f"{x.get('conductor')} conductor, t_el = {fu(x.get('t_el'), x.get('t_el_stderr'))}",
            "eis_series": lambda: f"Ea = {fu(x.get('Ea_eV'), x.get('Ea_stderr_eV'), 'eV')}, σ at "
                                  f"{(x.get('sigma_RT_temperature_K') or 0) - 273.15:.0f} °C = "
                                  f"{fu(x.get('sigma_RT_S_per_cm'), x.get('sigma_RT_stderr_S_per_cm'), 'S/cm')}",
            "ageing": lambda: f"{x.get('parameter')}: {x.get('verdict')}, {fu(x.get('slope_ohm_per_day'), day, 'Ω/day')}",
            "bruce_vincent": lambda: f"t+ = {fu(x.get('t_plus'), x.get('t_plus_stderr'))}",
            "ccd": lambda: f"CCD = {x.get('ccd_mA_per_cm2')} mA/cm²"}[r["method"]]()
    return f"{r['sample']} — {r['method']}: {main} ({x.get('status', 'ok')})"


def write_report(db: str | Path, out: str | Path, *, study: str | None = None, truth: dict[str, Any] | None = None,
                 reference: bool | None = None, figure_formats: tuple[str, ...] = ("svg",), jobs: int = 1,
                 pool: FigurePool | None = None) -> Path:
    """Write ``report.html``, ``figures/*.svg`` (``figure_formats``: "svg", "png" or both; the
    HTML embeds the first) and ``tables/*.csv`` under ``out``; return the HTML path.

    The paper comparison is shown when the study reproduces the reference paper
    (``reference=True``, or ``truth`` given: the virtual study's ``truth.json`` adds a truth
    column); other studies get only the sections their analyses fill.  ``jobs`` > 1 renders
    the figures in that many worker processes (same files); ``pool``: a :class:`FigurePool`
    shared with other work (e.g. the demo's paper page), used instead and left open.
    """
    out = Path(out)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    with open_store(db) as store:
        rows = store.analyses(study=study)
        readings = _reading_html(store.measurements(study=study))
    # samples in natural order, each sample's analyses by task id: the store's order is the order
    # the tasks finished in (with --jobs N it varies run to run, and so would the figure names)
    rows = sorted(rows, key=lambda r: (style.natural_key(r["sample"] or ""), style.natural_key(r["task_id"])))
    reference = (truth is not None) if reference is None else reference
    figs = _Figures(out / "figures", tuple(figure_formats), jobs=jobs, pool=pool)
    try:
        parts = [f"<h1>sselab report{': ' + html.escape(study) if study else ''}</h1>",
                 "<h2>Verdicts</h2>", _verdict_html(rows), readings]
        tabs = {"transport": tables.transport(rows), "sigma_ion_series": tables.sigma_series(rows),
                "structure": tables.structure(rows), "eis_validity": tables.eis_validity(rows),
                "microscopy": microscopy.table(rows), "atoms": tables.atoms(rows)}
        if reference:
            tabs["paper_vs_analysis"] = tables.paper_vs_analysis(rows, truth)
        for name, df in tabs.items():
            write_text_atomic(out / "tables" / f"{name}.csv", tables.csv_safe(df).to_csv(index=False))
        if reference:
            parts += ["<h2>Paper vs this analysis</h2>", _table(tabs["paper_vs_analysis"])]
        ok = [r for r in rows if r["status"] == "ok" and r["result"]]
        if not tabs["transport"].empty or not tabs["sigma_ion_series"].empty:
            parts += ["<h2>Transport</h2>", _table(tabs["transport"]), _table(tabs["sigma_ion_series"])]
        eis = [r for r in ok if r["method"] == "eis_fit"]
        groups: dict[tuple[str, str], list] = {}
        for r in eis:
            cell = (r["measurements"][0].get("cell_stack") if r["measurements"] else None) or "cell not stated"
            groups.setdefault((r["sample"], cell), []).append(r)
        if groups:
            parts.append("<h2>Impedance</h2>")
            if not tabs["eis_validity"].empty:
                parts += ["<p>Model-free validity of each fitted spectrum: linear Kramers–Kronig test (as "
                          "<code>sselab eis kk</code>) and Z-HIT (pass: |Z| within 5 % of its reconstruction).</p>", _table(tabs["eis_validity"])]
        for (sample, cell), rs in groups.items():
            figs.draw(figures.nyquist, (rs, f"{sample}: {cell}"), _safe(f"nyquist_{sample}_{cell}"),
                     f"Nyquist plot with fits (equal scales; + marks each frequency decade), {sample}, {cell}")
            figs.draw(figures.bode, (rs, f"{sample}: {cell}"), _safe(f"bode_{sample}_{cell}"), f"Bode plot with fits, {sample}, {cell}")
        decs = [r for r in ok if r["method"] == "deconvolution"]
        figs.draw(figures.arrhenius_overlay, (decs,), "arrhenius", "Arrhenius plot of σ_ion, all samples (eBE deconvolution)")
        parts.append(figs.take())
        ca = [r for r in ok if r["method"] in ("dc_transient", "dc_electronic")]
        if ca:
            parts.append("<h2>DC polarisation</h2>")
        for sample in dict.fromkeys(r["sample"] for r in ok if r["method"] == "dc_transient"):
            figs.draw(figures.transients, ([r for r in ok if r["method"] == "dc_transient" and r["sample"] == sample], sample),
                     _safe(f"ca_{sample}"), f"Chronoamperometry, {sample}")
        for r in ok:
            if r["method"] == "dc_electronic":
                figs.draw(figures.iv, (r, r["sample"]), _safe(f"iv_{r['sample']}"), f"I–V, {r['sample']}")
        parts.append(figs.take())
        cyc = [r for r in ok if r["method"] in ("cycling", "cv")]
        if cyc:
            parts.append("<h2>Cycling and voltammetry</h2>")
        for i, r in enumerate(cyc):
            if r["method"] == "cycling":
                figs.draw(figures.cycling, (r,), _safe(f"cycling_{r['sample']}_{i}"),
                         f"Galvanostatic cycling, {r['sample']}: whole test, first and last cycles, overpotential per cycle")
            if r["method"] == "cv":
                figs.draw(figures.voltammogram, (r,), _safe(f"cv_{r['sample']}_{i}"), f"Cyclic voltammogram, {r['sample']}")
        parts.append(figs.take())
        if not tabs["structure"].empty:
            parts += ["<h2>Structure (XRD)</h2>", _table(tabs["structure"])]
        if not tabs["atoms"].empty:
            parts += ["<h3>Atomic parameters (Table 1 of the reference paper)</h3>", _table(tabs["atoms"])]
        for r in ok:
            if r["method"] == "xrd_refine":
                figs.draw(figures.xrd, (r,), _safe(f"xrd_{r['sample']}"), f"Rietveld refinement, {r['sample']}: observed, calculated, difference")
        from . import figures_paper

        figs.draw(figures_paper.wh_figure, ([(r["sample"], r["result"].get("williamson_hall") or {}) for r in ok
                                             if r["method"] == "xrd_refine"],), "williamson_hall",
                 "Williamson–Hall plots: β cosθ against 4 sinθ of each main phase's isolated reflections (D, ε)")
        parts.append(figs.take())
        xps = [r for r in ok if r["method"] == "xps_profile"]
        if xps:
            parts.append("<h2>XPS depth profile</h2>")
        for i, r in enumerate(xps):
            figs.draw(figures.xps_profile, (r,), _safe(f"xps_profile_{r['sample']}_{i}"), f"XPS depth profile (atomic % vs sputter time), {r['sample']}")
            figs.draw(figures.xps_spectra, (r,), _safe(f"xps_surface_{r['sample']}_{i}"),
                     f"XPS surface spectra: data, components, envelope, background and residual, {r['sample']}")
        parts.append(figs.take())
        if not tabs["microscopy"].empty:  # SEM / EDS
            parts += ["<h2>Microscopy (SEM, EDS)</h2>", _table(tabs["microscopy"])]
            microscopy.section(ok, figs, _safe, (Path(db).resolve().parent, Path(db).resolve().parent.parent))
            parts.append(figs.take())
        more = [r for r in ok if r["method"] in ("stacks", "eis_series", "ageing", "bruce_vincent", "ccd")]
        if more:  # the analyses around transport (sselab.study.analyses_paper)
            parts.append("<h2>Stack comparison, series, ageing, transference number, CCD</h2><ul>"
                         + "".join(f"<li>{html.escape(_summary(r))}</li>" for r in more) + "</ul>")
        for r in more:
            made = ((figures_paper.ageing_figure, (r["result"],)) if r["method"] == "ageing"  # stacks: Nyquist plots above
                    else (figures_paper.trace_figure, (r["result"], f"CCD test, {r['sample']}")) if r["method"] == "ccd" else None)
            if made is not None:
                figs.draw(*made, _safe(f"{r['method']}_{r['sample']}"), f"{r['method'].replace('_', ' ')}, {r['sample']}")
        parts.append(figs.take())
        checks = [c for r in ok if r["method"] == "consistency" for c in r["result"].get("checks", [])]
        if checks:  # an agreement is not drawn like a disagreement
            parts.append("<h2>Consistency checks</h2><ul>" + "".join(
                f'<li class="{"ok" if c.get("consistent") else "bad"}">{html.escape(str(c.get("message", "")))}</li>'
                for c in checks) + "</ul>")
        failed = [r for r in rows if r["status"] != "ok"]
        page = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>sselab report</title>"
                f"<link rel='icon' href='data:,'><style>{_CSS}</style></head><body>{''.join(parts)}</body></html>")
        page = figs.finish(page)
    except BaseException:  # the pool this report started stops (figures not yet begun are cancelled)
        figs.abandon()
        raise
    path = out / "report.html"
    write_text_atomic(path, page)
    write_text_atomic(out / "tables" / "summary.json", json.dumps({"n_analyses": len(rows), "n_failed": len(failed)}))
    return path

