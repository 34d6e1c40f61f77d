"""The project's figure style: publication defaults and the field's standard axes.

One place for how sselab draws: fonts and sizes a journal prints legibly, 300 dpi for PNG
(vector for SVG/PDF), units in axis labels (``Z' / Ω``), equal-aspect Nyquist plots with
decade markers, Bode plots with a linear phase axis, Arrhenius plots with a °C top axis.
The CLI's ``--plot``, the report and the web's PNG exports all draw through here.

Examples
--------
>>> import numpy as np
>>> fig, ax = figure(3.3, 3.0)
>>> f = np.logspace(5, -1, 61); z = 10 + 100 / (1 + 1j * 2 * np.pi * f * 1e-4)
>>> nyquist_axes(ax, f, z)
>>> fig.canvas.draw(); bb = ax.get_window_extent(); (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
>>> round(float((x1 - x0) / bb.width / ((y1 - y0) / bb.height)), 2)  # Ω per pixel, x over y
1.0
"""

from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path
from typing import Any, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import LogFormatterSciNotation, MultipleLocator  # noqa: E402

from . import ticks as _ticks  # noqa: E402
from .ticks import ticks_cached  # noqa: E402

#: Resolution of raster exports (journals ask for ≥ 300 dpi).
PNG_DPI = 300

RC = {
    "font.size": 9,
    "axes.labelsize": 9,
    "axes.titlesize": 9,
    "legend.fontsize": 7.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "savefig.dpi": PNG_DPI,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
    "figure.dpi": 100,
}


def figure(w: float = 3.5, h: float = 3.0, nrows: int = 1, ncols: int = 1, **kw: Any):
    """A new figure in the project's style (``w``, ``h`` in inches)."""
    with plt.rc_context(RC):
        fig, ax = plt.subplots(nrows, ncols, figsize=(w, h), constrained_layout=True, **kw)
    fig.set_dpi(100)
    return fig, ax


_SUPERSCRIPT = str.maketrans("0123456789-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")


def power_of_ten(exponent: int, mantissa: float | None = None) -> str:
    """``10ⁿ`` (or ``m×10ⁿ``) in plain Unicode: the same label as mathtext's ``$10^{n}$`` without
    the mathtext parser (a third of a figure's rendering time when every log tick went through it).

    >>> power_of_ten(-3), power_of_ten(4, 2), power_of_ten(0)
    ('10⁻³', '2×10⁴', '10⁰')
    """
    head = "" if mantissa is None or mantissa == 1 else f"{mantissa:g}×"
    return f"{head}10{str(int(exponent)).translate(_SUPERSCRIPT)}"


class PlainLogFormatter(LogFormatterSciNotation):
    """Matplotlib's log-axis labels (which ticks are labelled is unchanged: decades, and minor
    ticks when an axis spans few decades) written as ``10⁻³`` / ``2×10⁻³`` in Unicode rather
    than mathtext."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = super().__call__(x, pos)
        return _plain_math(text)


_MATH_POWER = re.compile(r"\$\\mathdefault\{(-?)(?:([0-9.]+)\\times)?10\^\{(-?\d+)\}\}\$")
_MATH_PLAIN = re.compile(r"\$\\mathdefault\{(-?)([0-9.e+-]+)\}\$")  # near 10⁰: plain numbers


def _plain_math(text: str) -> str:
    """``$\\mathdefault{2\\times10^{-3}}$`` → ``2×10⁻³``; anything else unchanged."""
    m = _MATH_POWER.fullmatch(text)
    if m:
        return ("−" if m.group(1) else "") + power_of_ten(int(m.group(3)), float(m.group(2)) if m.group(2) else None)
    m = _MATH_PLAIN.fullmatch(text)
    if m:
        return ("−" if m.group(1) else "") + m.group(2)
    return text


def plain_log_labels(fig: Any) -> None:
    """Swap matplotlib's default (mathtext) log-axis formatters of every axes of ``fig`` for
    :class:`PlainLogFormatter` (same ticks labelled, same text, no mathtext parsing)."""
    axes = list(fig.get_axes())
    axes += [c for ax in axes for c in getattr(ax, "child_axes", [])]  # secondary axes
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            for get, put in ((axis.get_major_formatter, axis.set_major_formatter),
                             (axis.get_minor_formatter, axis.set_minor_formatter)):
                f = get()
                if type(f) is LogFormatterSciNotation:
                    put(PlainLogFormatter(base=f._base, labelOnlyBase=f.labelOnlyBase,
                                          minor_thresholds=f.minor_thresholds, linthresh=f._linthresh))


def styled():
    """Context manager applying the project's rcParams (wrap drawing code in it)."""
    return plt.rc_context(RC)


def lay_out(fig: Any, dpi: float | None = None) -> Any:
    """Lay ``fig`` out once and return its tight bounding box in inches (padded by
    ``savefig.pad_inches``); the figure keeps the positions and loses its layout engine, so
    every later ``savefig(bbox_inches=box)`` is a single drawing pass.  ``dpi``: the resolution
    of the raster the figure will be saved as, at which its text is measured (hinted glyphs are
    a few % wider or narrower at each resolution: a long tick label measured at the figure's
    100 dpi and drawn at 150 ran out of the box); None: the figure's (vector outputs).

    ``savefig`` with a layout engine and ``bbox_inches="tight"`` draws a figure four times
    (layout, a draw to place the texts, the tight box, the output); this draws it twice (the
    layout with a raster renderer whose text sizes it keeps, the tight box from the same
    renderer).  Log-axis labels are switched to :class:`PlainLogFormatter` first.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    plain_log_labels(fig)
    if not isinstance(fig.canvas, FigureCanvasAgg):  # e.g. unpickled in a worker: a base canvas
        FigureCanvasAgg(fig)
    if dpi is not None and dpi != fig.dpi:
        fig.set_dpi(dpi)
    with plt.rc_context(RC), ticks_cached():
        _ticks.minor_marks(fig)  # ticks made under the style's rcParams, as matplotlib's would be
        renderer = fig.canvas.get_renderer()
        engine = fig.get_layout_engine()
        if engine is not None:
            if not (_fit_single_axes(fig, renderer, engine) or _fit_axes_column(fig, renderer, engine)):
                engine.execute(fig)
            fig.set_layout_engine(None)
        box = fig.get_tightbbox(renderer)
    return box.padded(plt.rcParams["savefig.pad_inches"])


def _axes_only(fig: Any, engine: Any) -> bool:
    """Whether ``fig`` is under constrained layout with nothing drawn on the figure itself (texts,
    legends, images, super-titles or -labels): the figures :func:`_fit_single_axes` and
    :func:`_fit_axes_column` lay out directly."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    return isinstance(engine, ConstrainedLayoutEngine) and not (
        fig.texts or fig.legends or fig.images or fig.get_suptitle() or fig.get_supxlabel() or fig.get_supylabel())


def _fit_single_axes(fig: Any, renderer: Any, engine: Any) -> bool:
    """A figure of one axes (its secondary axes included) and nothing drawn on the figure
    itself: place the axes so that it and its decorations fill the figure within the
    constrained-layout pads, from one measurement of its decorations (constrained layout
    measures twice and solves a grid).  False, untouched, for any other figure."""
    axes = fig.get_axes()
    if len(axes) != 1 or not _axes_only(fig, engine):
        return False
    ax = axes[0]
    outer = ax.get_tightbbox(renderer, for_layout_only=True)
    if outer is None:
        return False
    inner = ax.get_position(original=True).transformed(fig.transFigure)
    w, h = fig.get_size_inches() * fig.dpi
    pad = engine.get()
    wp, hp = pad["w_pad"] * fig.dpi, pad["h_pad"] * fig.dpi
    x0, y0 = inner.x0 - outer.x0 + wp, inner.y0 - outer.y0 + hp
    x1, y1 = w - (outer.x1 - inner.x1) - wp, h - (outer.y1 - inner.y1) - hp
    if x1 - x0 < 0.2 * w or y1 - y0 < 0.2 * h:  # decorations too large for a one-shot fit
        return False
    ax.set_position([x0 / w, y0 / h, (x1 - x0) / w, (y1 - y0) / h])
    return True


def _fit_axes_column(fig: Any, renderer: Any, engine: Any) -> bool:
    """Axes stacked in one column of one grid of equal rows (a Bode plot: |Z| over the phase)
    and nothing drawn on the figure itself: constrained layout's first pass computed directly
    (one measurement of each axes' decorations at its original place; left and right margins
    the widest of the column's, each row its own top and bottom margins, the pads and row
    spacing of the layout engine, equal heights).  Constrained layout does this pass twice and
    solves a grid for it.  False, untouched, for any other figure."""
    axes = fig.get_axes()
    if len(axes) < 2 or not _axes_only(fig, engine) or any(ax.child_axes for ax in axes):
        return False
    specs = [ax.get_subplotspec() for ax in axes]
    if any(s is None for s in specs):
        return False
    grid = specs[0].get_gridspec()
    nrows, ncols = grid.get_geometry()
    rows = sorted(range(len(axes)), key=lambda k: specs[k].rowspan.start)
    if (ncols != 1 or nrows != len(axes) or any(s.get_gridspec() is not grid for s in specs)
            or [specs[k].rowspan for k in rows] != [range(i, i + 1) for i in range(nrows)]
            or len(set(grid.get_height_ratios() or [1])) != 1 or getattr(grid, "hspace", None) is not None
            or type(grid).__name__ != "GridSpec"):
        return False
    w, h = fig.get_size_inches() * fig.dpi
    pad = engine.get()
    wp, hp = pad["w_pad"] * fig.dpi, pad["h_pad"] * fig.dpi
    between = max(hp, pad["hspace"] / 2 / nrows * h)  # the row spacing each side of an inner edge
    outer, inner = [], []
    for k in rows:
        legend = axes[k].get_legend()
        if legend is not None:  # a legend running out of its axes moves with the layout: solve it
            lb, ab = legend.get_window_extent(renderer), axes[k].bbox
            if lb.x0 < ab.x0 - 0.5 or lb.x1 > ab.x1 + 0.5 or lb.y0 < ab.y0 - 0.5 or lb.y1 > ab.y1 + 0.5:
                return False
        box = axes[k].get_tightbbox(renderer, for_layout_only=True)
        if box is None:
            return False
        outer.append(box)
        inner.append(axes[k].get_position(original=True).transformed(fig.transFigure))
    left = wp + max(0.0, max(i.x0 - o.x0 for i, o in zip(inner, outer)))
    right = wp + max(0.0, max(o.x1 - i.x1 for i, o in zip(inner, outer)))
    tops = [(hp if r == 0 else between) + max(0.0, o.y1 - i.y1) for r, (i, o) in enumerate(zip(inner, outer))]
    bottoms = [(hp if r == nrows - 1 else between) + max(0.0, i.y0 - o.y0) for r, (i, o) in enumerate(zip(inner, outer))]
    height = (h - sum(tops) - sum(bottoms)) / nrows
    if w - left - right < 0.2 * w or height < 0.2 * h / nrows:  # decorations too large for a one-shot fit
        return False
    top = h
    for r, k in enumerate(rows):
        top -= tops[r]
        axes[k].set_position([left / w, (top - height) / h, (w - left - right) / w, height / h])
        top -= height + bottoms[r]
    return True


def save(fig: Any, out: str | Path, *, close: bool = True, box: Any = None, dpi: int | None = None) -> str:
    """Save ``fig`` by extension (PNG at ``dpi``, default 300, SVG/PDF as vectors), atomically
    (:mod:`sselab.atomic`: a kill never leaves a 0-byte figure), cropped to its content.
    ``box``: the figure's :func:`lay_out` box when it was already laid out (one figure saved
    in several formats is laid out once)."""
    from ..atomic import write_bytes_atomic, write_text_atomic

    out = Path(out)
    if box is None:  # a raster is laid out at its own resolution
        box = lay_out(fig, None if out.suffix.lower() in (".svg", ".pdf") else dpi or PNG_DPI)
    fmt = out.suffix.lower().lstrip(".")
    # SVG into a text buffer, encoded once: given bytes, matplotlib wraps them in a codecs writer
    # that encodes each of the ~100,000 small writes of a figure's markup (same bytes either way)
    buf: Any = io.StringIO() if fmt == "svg" else io.BytesIO()
    with plt.rc_context(RC), ticks_cached():
        fig.savefig(buf, format=fmt, dpi=dpi or PNG_DPI, bbox_inches=box)
    data = buf.getvalue()
    (write_text_atomic if isinstance(data, str) else write_bytes_atomic)(out, data)
    if close:
        plt.close(fig)
    return str(out)


PLOT_FORMATS = ("png", "svg", "pdf")


def check_plot_path(path: str | Path, *, prefix_ok: bool = False) -> Path:
    """Validate a ``--plot`` path before any work is done: a known extension (or, with
    ``prefix_ok``, no extension: a prefix for several figures) and a writable folder.  Raises
    :class:`~sselab.exceptions.SselabError` with one line otherwise."""
    from ..exceptions import SselabError

    p = Path(path)
    ext = p.suffix.lower().lstrip(".")
    if ext not in PLOT_FORMATS and not (prefix_ok and ext == ""):
        raise SselabError(f"--plot {path}: unknown figure format {p.suffix or '(none)'!r}; use .png, .svg or .pdf")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise SselabError(f"--plot {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise SselabError(f"--plot {path}: folder {folder} is not writable")
    return p


def nyquist_axes(ax: Any, frequency_Hz: np.ndarray | None, z: np.ndarray, *, fit_z: np.ndarray | None = None,
                 fit_frequency_Hz: np.ndarray | None = None, label: str | None = None, color: Any = None,
                 decade_markers: bool = True, decade_labels: bool = True, masked: np.ndarray | None = None) -> None:
    """Z' vs −Z'' with equal scales on both axes (semicircles look like semicircles), filled
    markers for fitted points and hollow ones for ``masked`` points, the model as a smooth
    line, and the data point nearest each frequency decade labelled (10ⁿ Hz)."""
    z = np.asarray(z)
    m = np.zeros(z.shape, bool) if masked is None else np.asarray(masked, bool)
    (pts,) = ax.plot(z.real[~m], -z.imag[~m], "o", ms=3, label=label, color=color)
    color = pts.get_color()
    if m.any():
        ax.plot(z.real[m], -z.imag[m], "o", ms=3, mfc="none", color=color)
    if fit_z is not None:
        ax.plot(np.real(fit_z), -np.imag(fit_z), "-", lw=1.0, color=color)
    if decade_markers and frequency_Hz is not None and len(frequency_Hz) > 2:
        f = np.asarray(frequency_Hz, float)
        lo, hi = math.ceil(np.log10(f.min())), math.floor(np.log10(f.max()))
        span = max(float(np.ptp(z.real)), float(np.ptp(z.imag)), 1e-300)
        labelled: list[complex] = []
        marked: list[int] = []
        for d in range(hi, lo - 1, -1):  # high frequencies first: crowded near the origin
            i = int(np.argmin(np.abs(np.log10(f) - d)))
            if abs(np.log10(f[i]) - d) > 0.15:
                continue
            marked.append(i)
            if decade_labels and all(abs(z[i] - p) > 0.06 * span for p in labelled):  # no overprinted labels
                labelled.append(z[i])
                ax.annotate(f"{power_of_ten(d)} Hz", (z.real[i], -z.imag[i]), textcoords="offset points", xytext=(3, 4),
                            fontsize=6, color="0.25")
        if marked:  # one line of markers for all decades (one artist, not one per decade: same marks)
            ax.plot(z.real[marked], -z.imag[marked], "+", ms=5 if decade_labels else 4, mew=0.9, color="k", zorder=5)
    equal_scales(ax)
    ax.set_xlabel("Z' / Ω")
    ax.set_ylabel("−Z'' / Ω")


def equal_scales(ax: Any, pad: float = 0.04) -> None:
    """Equal Ω per cm on both axes, the box shaped to the data (not the limits stretched):
    x from the data's ends, y from min(0, data) so the real axis is in view."""
    xs, ys = [], []
    for line in ax.get_lines():
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        xs.append(x[np.isfinite(x)])
        ys.append(y[np.isfinite(y)])
    x = np.concatenate(xs) if xs else np.zeros(1)
    y = np.concatenate(ys) if ys else np.zeros(1)
    if x.size == 0 or y.size == 0:
        return
    x0, x1 = min(x.min(), 0.0) if x.min() < 0 else x.min(), x.max()
    y0, y1 = min(y.min(), 0.0), max(y.max(), 0.0)
    span = max(x1 - x0, y1 - y0, 1e-300)
    ax.set_xlim(x0 - pad * span, x1 + pad * span)
    ax.set_ylim(y0 - pad * span, y1 + pad * span)
    ax.set_aspect("equal", adjustable="box")
    if (x1 - x0) < 0.6 * (y1 - y0):  # a tall, narrow box: few x labels, or they run together
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(3))


def bode_axes(ax_mag: Any, ax_phase: Any, frequency_Hz: np.ndarray, z: np.ndarray, *,
              fit_frequency_Hz: np.ndarray | None = None, fit_z: np.ndarray | None = None,
              label: str | None = None, color: Any = None) -> None:
    """|Z| (log) and −phase (linear, degrees, ticks every 15° or 30°) against frequency."""
    f = np.asarray(frequency_Hz, float)
    z = np.asarray(z)
    (p,) = ax_mag.loglog(f, np.abs(z), "o", ms=3, mfc="none", label=label, color=color)
    color = p.get_color()
    ph = -np.angle(z, deg=True)
    ax_phase.semilogx(f, ph, "s", ms=3, mfc="none", color=color)
    if fit_z is not None and fit_frequency_Hz is not None:
        ax_mag.loglog(fit_frequency_Hz, np.abs(fit_z), "-", lw=1.0, color=color)
        ph_fit = -np.angle(fit_z, deg=True)
        ax_phase.semilogx(fit_frequency_Hz, ph_fit, "-", lw=1.0, color=color)
        ph = np.concatenate([ph, ph_fit])
    lo = min(0.0, 15 * math.floor(np.nanmin(ph) / 15))
    hi = max(15.0, 15 * math.ceil(np.nanmax(ph) / 15 + 0.2))
    prev_lo, prev_hi = ax_phase.get_ylim() if ax_phase.has_data() and getattr(ax_phase, "_sselab_set", False) else (lo, hi)
    lo, hi = min(lo, prev_lo), max(hi, prev_hi)
    ax_phase.set_ylim(lo, hi)
    ax_phase._sselab_set = True  # type: ignore[attr-defined]
    ax_phase.yaxis.set_major_locator(MultipleLocator(15 if hi - lo <= 60 else 30))
    ax_mag.set_ylabel("|Z| / Ω")
    ax_phase.set_ylabel("−phase / °")
    ax_phase.set_xlabel("f / Hz")


def celsius_top_axis(ax: Any) -> Any:
    """A top axis in °C for an Arrhenius plot whose x axis is 1000/T [1/K]."""
    def to_c(x):
        x = np.asarray(x, float)
        with np.errstate(divide="ignore"):
            return np.where(x > 0, 1000.0 / np.where(x > 0, x, 1) - 273.15, np.nan)

    def to_x(c):
        c = np.asarray(c, float)
        return np.where(c > -273.15, 1000.0 / (c + 273.15), np.nan)

    top = ax.secondary_xaxis("top", functions=(to_c, to_x))
    top.set_xlabel("T / °C")
    ax.tick_params(top=False)
    return top


def natural_key(text: Any) -> tuple:
    """Sort key that orders ``as-BM, 500C, 600C, 700C, 800C`` and ``S2 < S10`` as a person would."""
    parts = re.split(r"(\d+(?:\.\d+)?)", str(text))
    return tuple((1, float(p)) if i % 2 else (0, p.lower()) for i, p in enumerate(parts) if p != "")


def sorted_naturally(items: Sequence[Any], key=lambda x: x) -> list[Any]:
    return sorted(items, key=lambda x: natural_key(key(x)))
