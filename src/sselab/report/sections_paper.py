"""The paper-comparison page of the demo: every number of the paper beside its recovered value.

:func:`write_paper_page` writes ``paper.html`` (one table row per paper number, with the verdict
and its reasons, the paper's internal inconsistencies with their arithmetic, the stated
assumptions) and ``paper_residuals.svg``: (recovered − truth)/stderr per row that has a
standard error, so a reader sees at once which recovered numbers lie within their uncertainty.
Its figures are SVG, as the report's (PNG on request: ``fmt="png"``).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Sequence

from . import style


#: resolution of ``paper_residuals.png`` when asked for as PNG (a screen figure: 139 rows of 6 pt labels stay legible)
RESIDUAL_DPI = 150


def _fmt(v: Any) -> str:
    return "" if v is None else f"{v:.5g}" if isinstance(v, float) else html.escape(str(v))


def residual_figure(rows: Sequence[dict[str, Any]], out: str | Path, pool: Any = None) -> str | None:
    """(recovered − truth)/stderr per row with all three numbers; None when there is none.
    ``pool``: a :class:`sselab.report.figpool.FigurePool` that renders it."""
    pts = [(f"{r['quantity']} — {r['sample']}", (r["recovered"] - r["truth"]) / r["stderr"]) for r in rows
           if r.get("recovered") is not None and r.get("truth") is not None and r.get("stderr")]
    if not pts:
        return None
    fig, ax = style.figure(6.5, 0.16 * len(pts) + 1.0)
    with style.styled():
        y = range(len(pts))
        ax.scatter([p[1] for p in pts], list(y), s=12, color="C0")
        ax.axvspan(-2, 2, color="0.9", zorder=0)
        ax.axvline(0, color="0.4", lw=0.8)
        ax.set_yticks(list(y))
        ax.set_yticklabels([p[0] for p in pts], fontsize=6)
        ax.invert_yaxis()
        ax.set_xlabel("(recovered − truth) / standard error")
    from .figpool import FigurePool

    # a PNG at 150 dpi: the page shows it at most ~1000 px wide (6.5 in), 300 dpi took 1.3 s to draw
    # and encode; as SVG (the page's default) ~0.2 s against ~0.8 s for the PNG, and a fifth of the bytes
    (pool or FigurePool(1)).render(fig, [Path(out)], dpi=RESIDUAL_DPI)
    return str(out)


def write_paper_page(rows: Sequence[dict[str, Any]], out_dir: str | Path, assumptions: Sequence[str] = (),
                     analyses: Sequence[dict[str, Any]] | None = None, pool: Any = None, fmt: str = "svg") -> str:
    """Write ``paper.html`` (and its residual figure) into ``out_dir``; return the page's path.
    With the study's stored ``analyses``, a section per figure of the paper the study holds
    (:func:`sselab.report.figures_paper.paper_figures`).  ``pool``: a
    :class:`sselab.report.figpool.FigurePool` that renders the figures (the page is written at once,
    the figures once the pool has been waited for).  ``fmt``: the figures' format, ``"svg"``
    (default) or ``"png"``."""
    from ..numfmt import format_uncertain
    from .figures_paper import check_format, paper_figures

    ext = check_format(fmt)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig = residual_figure(rows, out / f"paper_residuals.{ext}", pool)
    sections = ""
    if analyses:
        sections = "".join(f"<h2>{html.escape(t)}</h2><figure><img alt='{html.escape(t)}' src='{Path(p).name}' "
                           f"style='max-width:100%'><figcaption>{html.escape(c)}</figcaption></figure>"
                           for t, p, c in paper_figures(analyses, out, pool, fmt=ext))
    body = []
    notes: dict[str, int] = {}  # each distinct reason once, as a numbered note (a refinement's
    # dozen warnings would otherwise repeat on each of its rows)
    for r in rows:
        rec = "—" if r["recovered"] is None else format_uncertain(r["recovered"], r.get("stderr"), digits=5)
        cls = {"ok": "", "warning": "warn"}.get(r.get("status") or "", "bad")
        refs = [notes.setdefault(x, len(notes) + 1) for x in dict.fromkeys(r.get("reasons") or [])]
        cell = " ".join(f'<a href="#note{k}">[{k}]</a>' for k in refs)
        body.append(f'<tr class="{cls}"><td>{html.escape(r["quantity"])}</td><td>{html.escape(r["sample"])}</td>'
                    f"<td>{html.escape(rec)}</td><td>{_fmt(r['truth'])}</td><td>{_fmt(r['paper'])}</td>"
                    f"<td>{html.escape(r['unit'])}</td><td>{html.escape(str(r.get('status')))}</td>"
                    f"<td>{cell}</td></tr>")
    note_list = "".join(f'<li id="note{k}">{html.escape(x)}</li>' for x, k in notes.items())
    inconsistent = [r for r in rows if any("paper_inconsistent" in x for x in r.get("reasons") or [])]
    incon = "".join(f"<li>{html.escape(x)}</li>" for r in inconsistent for x in r["reasons"])
    assume = "".join(f"<li>{html.escape(a)}</li>" for a in assumptions)
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Mg3AsN: every paper number</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;font-size:90%}"
        "td,th{border-bottom:1px solid #ddd;padding:2px 6px;text-align:left}tr.warn{background:#fff6dd}"
        "tr.bad{background:#fde2e2}</style></head><body>"
        "<h1>Every number of the paper: recovered vs simulated truth vs paper</h1>"
        "<p>The simulated truth equals the paper's number by construction wherever the paper gives one; "
        "a row without a paper value is a stated assumption (listed below).</p>"
        "<table><tr><th>Quantity</th><th>Sample</th><th>Recovered</th><th>Truth (simulated)</th><th>Paper</th>"
        f"<th>Unit</th><th>Status</th><th>Reasons</th></tr>{''.join(body)}</table>"
        + (f"<h2>Notes (the reasons behind each status)</h2><ol>{note_list}</ol>" if note_list else "")
        + (f'<figure><img alt="residuals" src="{Path(fig).name}" style="max-width:100%"><figcaption>'
           "(recovered − truth)/standard error; the grey band is ±2.</figcaption></figure>" if fig else "")
        + sections
        + f"<h2>Internal inconsistencies of the paper</h2><ul>{incon or '<li>none found</li>'}</ul>"
        + f"<h2>Assumptions where the paper is silent</h2><ul>{assume or '<li>none</li>'}</ul></body></html>")
    path = out / "paper.html"
    path.write_text(page, encoding="utf-8")
    return str(path)
