"""Ticks computed once per layout or drawing pass instead of dozens of times.

Matplotlib recomputes every axis' ticks (locations, labels, ``Tick`` objects) each time
something asks for them during one draw or layout pass: each tight box of the axes, the
spines, the placement of the axis labels and titles, the siblings of shared axes; 10–50
times per figure, most of the time of a figure with log axes.  Inside :func:`ticks_cached`
(:func:`sselab.report.style.lay_out` and :func:`~sselab.report.style.save` use it) an axis'
ticks are recomputed only when what they depend on changed, and ``Tick`` objects are made
only for the locations in view.  The figures drawn are the same (tests/report compare the
SVG of every report figure against matplotlib's own path).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

_TICKS = threading.local()


def _update_ticks_once(axis: Any) -> list:
    """``Axis._update_ticks`` that, inside :func:`ticks_cached`, recomputes an axis' ticks only
    when what they depend on changed (view interval, scale, locators and formatters, the axes'
    size in pixels, the dpi); otherwise it returns the ticks of the last call, whose positions and
    labels are still those.  Matplotlib recomputes every axis' ticks 10–50 times per draw or
    layout pass (each tight box of the axes, spines, label placement, siblings of shared axes):
    most of a log-axis figure's time."""
    cache = getattr(_TICKS, "cache", None)
    if cache is None:
        return _ORIGINAL_UPDATE_TICKS(axis)
    ax = axis.axes
    key = (tuple(axis.get_view_interval()), axis.get_scale(), id(axis.major.locator), id(axis.major.formatter),
           id(axis.minor.locator), id(axis.minor.formatter), tuple(ax.bbox.bounds), axis.get_figure(root=True).dpi)
    hit = cache.get(id(axis))
    if hit is not None and hit[0] == key and hit[1] is axis:
        return list(hit[2])
    ticks = _ORIGINAL_UPDATE_TICKS(axis) if ax.name == "3d" else _update_ticks_in_view(axis)
    cache[id(axis)] = (key, axis, list(ticks))
    return ticks


def _update_ticks_in_view(axis: Any) -> list:
    """Matplotlib 3.11's ``Axis._update_ticks`` (same locations, same labels, same ticks drawn)
    that makes and positions ``Tick`` objects only for the locations in view: a log axis'
    locator returns a decade or more beyond each end, and making a tick (three lines, two
    texts) costs about as much as drawing it.  The formatters still see every location (their
    format and offset depend on all of them)."""
    from matplotlib import transforms as mtransforms
    from matplotlib.ticker import NullLocator

    low, high = axis.get_view_interval()
    if low > high:
        low, high = high, low
    transform = axis.get_transform()
    interval_t = transform.transform([low, high])

    def in_view(loc: float) -> bool:
        try:
            loc_t = transform.transform(loc)
        except AssertionError:  # masked values from some scales, as matplotlib's own check
            return False
        return bool(mtransforms._interval_contains_close(interval_t, loc_t))

    drawn: list = []
    for kw, ticker, get_locs, get_ticks in ((axis._major_tick_kw, axis.major, axis.get_majorticklocs, axis.get_major_ticks),
                                            (axis._minor_tick_kw, axis.minor, axis.get_minorticklocs, axis.get_minor_ticks)):
        if not axis._tick_group_visible(kw) or isinstance(ticker.locator, NullLocator):
            continue
        locs = get_locs()
        labels = ticker.formatter.format_ticks(locs)
        kept = [(loc, label) for loc, label in zip(locs, labels) if in_view(loc)]
        ticks = get_ticks(len(kept))
        for tick, (loc, label) in zip(ticks, kept):
            tick.update_position(loc)
            tick.label1.set_text(label)
            tick.label2.set_text(label)
        drawn += ticks
    return drawn


def _install_tick_cache() -> Any:
    """Route ``Axis._update_ticks`` through :func:`_update_ticks_once` (matplotlib's own method
    runs whenever no :func:`ticks_cached` block is active in the calling thread); return
    matplotlib's method (kept on the class, so a reload of this module does not wrap itself)."""
    from matplotlib.axis import Axis

    original = Axis.__dict__.get("_sselab_original_update_ticks")
    if original is None:
        original = Axis._update_ticks
        Axis._sselab_original_update_ticks = original
    Axis._update_ticks = _update_ticks_once
    return original


_ORIGINAL_UPDATE_TICKS = _install_tick_cache()


@contextlib.contextmanager
def ticks_cached():
    """Within this block (this thread only), an axis' ticks are recomputed only when their
    inputs changed (:func:`_update_ticks_once`); the figures drawn are the same."""
    outer = getattr(_TICKS, "cache", None)
    if outer is None:
        _TICKS.cache = {}
    try:
        yield
    finally:
        if outer is None:
            _TICKS.cache = None
