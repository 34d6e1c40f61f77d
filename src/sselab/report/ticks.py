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

from matplotlib.artist import Artist

_TICKS = threading.local()
_INSTALL_LOCK = threading.Lock()


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


def _get_layout_once(text: Any, renderer: Any) -> Any:
    """``Text._get_layout`` that, inside :func:`ticks_cached`, lays out a text once per renderer
    and everything the layout depends on (string, font, rotation, alignment, line spacing,
    math parsing, dpi): matplotlib lays out each tick label, axis label and title afresh on every
    extent query, re-reading the font's tables each time (~30 % of a figure's layout)."""
    cache = getattr(_TICKS, "layouts", None)
    if cache is None or text.get_wrap():  # wrapped text depends on its position
        return _ORIGINAL_GET_LAYOUT(text, renderer)
    key = (id(renderer), text.get_text(), hash(text._fontproperties), text.get_usetex(), text._parse_math,
           text.get_rotation(), text.get_rotation_mode(), text._horizontalalignment, text._verticalalignment,
           text._get_multialignment(), text._linespacing, text.get_figure(root=True).dpi, getattr(_TICKS, "rc", None))
    hit = cache.get(key)
    if hit is not None and hit[0] is renderer:
        bbox, info, descent = hit[1]
        return bbox.frozen(), list(info), descent
    layout = _ORIGINAL_GET_LAYOUT(text, renderer)
    cache[key] = (renderer, (layout[0].frozen(), list(layout[1]), layout[2]))
    return layout


def _text_metrics_once(renderer: Any, text: str, fontprop: Any, ismath: Any, dpi: float) -> Any:
    """``matplotlib.text._get_text_metrics_with_cache`` kept across figures inside
    :func:`ticks_cached`: matplotlib caches a string's width, height and descent per renderer
    object, and each figure (each layout, each SVG) has its own, so the same tick labels are
    measured again in every figure (~1 ms each).  The measurement depends on the renderer's kind
    and resolution, the string, the font and the math mode, the key here."""
    rc = getattr(_TICKS, "rc", None)
    if getattr(_TICKS, "cache", None) is None or rc is None:
        return _ORIGINAL_TEXT_METRICS(renderer, text, fontprop, ismath, dpi)
    kind = type(getattr(renderer, "_renderer", renderer))  # the SVG/PDF mixed-mode renderer's current one
    # the font a FontProperties names (a generic family), the hinting and mathtext's fonts come
    # from rcParams: the cache outlives the block, whose rcParams are part of the key
    key = (kind, renderer.points_to_pixels(72.0), text, hash(fontprop), ismath, dpi, rc)
    hit = _METRICS.get(key)
    if hit is None:
        if len(_METRICS) > 50_000:
            _METRICS.clear()
        hit = _METRICS[key] = _ORIGINAL_TEXT_METRICS(renderer, text, fontprop, ismath, dpi)
    return hit


_METRICS: dict = {}

#: the rcParams a string's measured size depends on beyond its FontProperties (which font a
#: generic family resolves to, hinting and kerning, mathtext's and TeX's fonts)
_METRIC_RC = ("font.family", "font.sans-serif", "font.serif", "font.monospace", "font.cursive", "font.fantasy",
              "font.stretch", "font.style", "font.variant", "font.weight", "text.hinting", "text.hinting_factor",
              "text.kerning_factor", "text.latex.preamble", "mathtext.fontset", "mathtext.fallback", "mathtext.default",
              "mathtext.rm", "mathtext.it", "mathtext.bf", "mathtext.bfit", "mathtext.sf", "mathtext.tt", "mathtext.cal")


def _metric_rc() -> tuple:
    """The current values of :data:`_METRIC_RC` (hashable), part of :func:`_text_metrics_once`'s key."""
    from matplotlib import rcParams

    return tuple(tuple(v) if isinstance(v, list) else v for v in (rcParams.get(k) for k in _METRIC_RC))


def _install_tick_cache() -> Any:
    """Route ``Axis._update_ticks`` through :func:`_update_ticks_once` and ``Text._get_layout`` through
    :func:`_get_layout_once` (matplotlib's own methods
    runs whenever no :func:`ticks_cached` block is active in the calling thread); return
    matplotlib's method (kept on the class, so a reload of this module does not wrap itself)."""
    import matplotlib
    from matplotlib.axis import Axis

    global _ORIGINAL_UPDATE_TICKS
    if matplotlib.__version__ != WRITTEN_FOR:  # the in-view copy follows this version's method
        return Axis._update_ticks
    original = Axis.__dict__.get("_sselab_original_update_ticks")
    if original is None:
        original = Axis._update_ticks
        Axis._sselab_original_update_ticks = original
    _ORIGINAL_UPDATE_TICKS = original  # before the hook: another thread may draw as soon as it is in
    Axis._update_ticks = _update_ticks_once
    global _ORIGINAL_GET_LAYOUT
    from matplotlib.text import Text

    layout = Text.__dict__.get("_sselab_original_get_layout")
    if layout is None:
        layout = Text._get_layout
        Text._sselab_original_get_layout = layout
    _ORIGINAL_GET_LAYOUT = layout
    Text._get_layout = _get_layout_once
    global _ORIGINAL_TEXT_METRICS
    import matplotlib.text as mtext

    _ORIGINAL_TEXT_METRICS = getattr(mtext, "_sselab_original_text_metrics", mtext._get_text_metrics_with_cache)
    mtext._sselab_original_text_metrics = _ORIGINAL_TEXT_METRICS
    mtext._get_text_metrics_with_cache = _text_metrics_once
    return original


#: the matplotlib release whose ``Axis._update_ticks`` :func:`_update_ticks_in_view` follows; with
#: any other release matplotlib's own method is left in place (figures drawn as before, slower)
WRITTEN_FOR = "3.11.2"

#: matplotlib's ``Axis._update_ticks``, once :func:`ticks_cached` has installed the cache (importing
#: this module changes nothing in matplotlib; the first :func:`ticks_cached` block does)
_ORIGINAL_UPDATE_TICKS: Any = None
_ORIGINAL_GET_LAYOUT: Any = None  # matplotlib's ``Text._get_layout``, likewise
_ORIGINAL_TEXT_METRICS: Any = None  # matplotlib's ``text._get_text_metrics_with_cache``, likewise


@contextlib.contextmanager
def ticks_cached():
    """Within this block (this thread only), an axis' ticks are recomputed only when their
    inputs changed (:func:`_update_ticks_once`); the figures drawn are the same.  The first
    call installs :func:`_update_ticks_once` on matplotlib's ``Axis`` (outside such blocks it
    runs matplotlib's own method)."""
    global _ORIGINAL_UPDATE_TICKS
    if _ORIGINAL_UPDATE_TICKS is None:
        with _INSTALL_LOCK:  # two threads' first blocks install once
            if _ORIGINAL_UPDATE_TICKS is None:
                _ORIGINAL_UPDATE_TICKS = _install_tick_cache()
    outer, outer_rc = getattr(_TICKS, "cache", None), getattr(_TICKS, "rc", None)
    if outer is None:
        _TICKS.cache, _TICKS.layouts = {}, {}
    _TICKS.rc = _metric_rc()  # a nested block may run under other rcParams
    try:
        yield
    finally:
        _TICKS.rc = outer_rc
        if outer is None:
            _TICKS.cache = _TICKS.layouts = None


class _MinorMarks:
    """The minor tick marks of one axis drawn as one marker line per side (what matplotlib draws
    as one ``Tick`` artist per location: two lines, two texts and a grid line made, positioned
    and drawn each, ~1 ms per tick; a Bode plot has ~150).  Same marker, size, width, colour,
    transform and locations (the axis' minor locator asked at draw time, overlaps with major
    ticks removed and only locations in view, as matplotlib does); see :func:`minor_marks`."""

    def __init__(self, axis: Any, locator: Any) -> None:
        self.axis, self.locator = axis, locator
        self.template = axis._get_tick(major=False)  # the tick matplotlib would make (tick_params applied)
        self.kw = dict(axis._minor_tick_kw)
        self.interval = tuple(axis.get_view_interval())
        self.null: Any = None  # the NullLocator that :func:`minor_marks` gave the axis in its place

    def _current(self) -> bool:
        """Whether these marks still stand for the axis' minor ticks, as the figure is drawn
        again (a figure kept open and changed after it was saved): False once the axis got
        other minor ticks (a new locator, another scale, ``minorticks_on``/``off``), and, when
        new view limits make matplotlib label minor ticks (a log axis zoomed into a decade),
        the original locator is handed back to the axis (matplotlib's labelled ticks, drawn
        with the axis) and False."""
        axis = self.axis
        if self.null is None or axis.minor.locator is not self.null:
            return False
        if axis._minor_tick_kw != self.kw:  # tick_params(which="minor", ...) since
            self.template, self.kw = axis._get_tick(major=False), dict(axis._minor_tick_kw)
        interval = tuple(axis.get_view_interval())
        if interval != self.interval:
            t = self.template
            if (t.label1.get_visible() or t.label2.get_visible()) and any(
                    axis.minor.formatter.format_ticks(list(self.locations()))):
                axis.minor.locator = self.locator  # shared axes share this Ticker
                return False
            self.interval = interval
        return True

    def locations(self) -> Any:
        """The minor locations matplotlib would draw now (``Axis.get_minorticklocs`` with the
        original locator, then the in-view test of ``Axis._update_ticks``)."""
        import numpy as np
        from matplotlib import transforms as mtransforms

        axis = self.axis
        locs = np.asarray(self.locator(), float)
        transform = axis._scale.get_transform()
        lo, hi = sorted(transform.transform(axis.get_view_interval()))
        if locs.size and axis.remove_overlapping_locs:
            major = np.asarray(axis.major.locator(), float)
            if major.size:
                close = np.isclose(transform.transform(locs)[:, None], transform.transform(major)[None, :],
                                   atol=(hi - lo) * 1e-5, rtol=0).any(axis=1)
                locs = locs[~close]
        full = axis.get_transform()
        interval = full.transform([min(axis.get_view_interval()), max(axis.get_view_interval())])
        keep = []
        for loc in locs:
            try:
                if mtransforms._interval_contains_close(interval, full.transform(loc)):
                    keep.append(loc)
            except AssertionError:
                pass
        return np.asarray(keep, float)

    def draw(self, renderer: Any) -> None:
        import numpy as np

        axis = self.axis
        if not self._current() or not (axis.get_visible() and axis.axes.axison) or not self.template.get_visible():
            return
        locs = self.locations()
        if not locs.size:
            return
        for line, side in ((self.template.tick1line, 0.0), (self.template.tick2line, 1.0)):
            if line.get_visible():
                other = np.full(locs.shape, side)
                line.set_data((locs, other) if axis.axis_name == "x" else (other, locs))
                line.draw(renderer)


def minor_marks(fig: Any) -> None:
    """Draw the unlabelled minor ticks of every axis of ``fig`` as :class:`_MinorMarks` (same
    marks, a fraction of the artists): each such axis gets a ``NullLocator`` for its minor
    ticks (so matplotlib makes no ``Tick`` for them) and an artist, drawn with the axis, that
    asks the original locator at draw time.  Axes whose minor ticks carry labels (a log axis
    over a decade or two) or grid lines keep matplotlib's ticks.  Call it once, before layout
    (the figure's view limits as they will be drawn).  With a matplotlib other than
    :data:`WRITTEN_FOR` it does nothing (matplotlib's own ticks: this uses its private API)."""
    import matplotlib
    from matplotlib.ticker import NullLocator

    if matplotlib.__version__ != WRITTEN_FOR:
        return
    axes = list(fig.get_axes())
    axes += [c for ax in axes for c in getattr(ax, "child_axes", []) if c not in axes]
    found: list[tuple[Any, Any]] = []
    for ax in axes:
        for axis in (ax.xaxis, ax.yaxis):
            locator = axis.minor.locator
            if isinstance(locator, NullLocator) or not axis._tick_group_visible(axis._minor_tick_kw):
                continue
            marks = _MinorMarks(axis, locator)
            t = marks.template
            labelled = (t.label1.get_visible() or t.label2.get_visible()) and any(
                axis.minor.formatter.format_ticks(list(marks.locations())))
            if labelled or t.gridline.get_visible():
                continue
            found.append((axis, marks))
    for axis, marks in found:
        artist = _MarksArtist(marks)
        artist.set_zorder(axis.get_zorder())
        axis.axes.add_artist(artist)
        artist.set_in_layout(False)
    for axis, marks in found:
        if not isinstance(axis.minor.locator, NullLocator):  # shared axes share their Ticker
            axis.set_minor_locator(NullLocator())
        marks.null = axis.minor.locator



class _MarksArtist(Artist):
    """:class:`_MinorMarks` as an artist of its axes (drawn with the axes' other children at the
    axis' z-order; in no layout)."""

    def __init__(self, marks: _MinorMarks) -> None:
        super().__init__()
        self.marks = marks

    def draw(self, renderer: Any) -> None:
        self.marks.draw(renderer)
        self.stale = False
