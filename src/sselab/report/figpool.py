"""Figures rendered in forked worker processes (:class:`FigurePool`), or here.

The report (:mod:`sselab.report.html`), the demo's paper page and anything else share one
pool: figure functions and their rows travel to a worker (:meth:`FigurePool.draw`), or drawn
figures pickled (:meth:`FigurePool.render`); each is laid out once and saved in every format
asked for.  A worker that dies is one :class:`~sselab.exceptions.SselabError`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from ..exceptions import SselabError
from . import style

class FigurePool:
    """Figures rendered by ``jobs`` forked worker processes (``jobs`` ≤ 1, or no fork: here).

    :meth:`render` draws nothing: it takes a drawn figure and its paths and has it laid out and
    saved (the expensive part: ~0.1–1 s each) by a worker, while the caller goes on; the
    report, the demo's paper page and anything else can share one pool, so that their figures
    render in parallel with each other and with the rest of the work.  Use it as a context
    manager: leaving the block waits for every figure and raises the first worker error.
    A figure that cannot be pickled is rendered here.
    """

    def __init__(self, jobs: int = 1) -> None:
        self._pool = _figure_pool(jobs)
        self._futures: list[Any] = []

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    def render(self, fig: Any, paths: list[Path], dpi: int | None = None) -> Any:
        """Save ``fig`` to each of ``paths`` (laid out once; PNG at ``dpi``, default
        :data:`style.PNG_DPI`; an SVG's rasters at :data:`SVG_IMAGE_DPI` whatever ``dpi``); return the worker's future, or None when it was saved here."""
        if self._pool is not None:
            try:
                blob = pickle.dumps(fig)
            except Exception:  # noqa: BLE001 - e.g. an axis with a lambda transform: render it here
                blob = None
            if blob is not None:
                style.plt.close(fig)
                future = self._pool.submit(_render, blob, paths, dpi)
                self._futures.append((future, paths[0]))
                return future
        _render_figure(fig, paths, dpi)
        return None

    def draw(self, func: Any, args: tuple, paths: list[Path], dpi: int | None = None) -> Any:
        """Draw ``func(*args)`` (a figure, or None when there is nothing to draw) and save it to
        each of ``paths``, in a worker (nothing drawn, pickled or unpickled here: ``func`` and
        ``args`` travel, e.g. a module function and the result rows it plots) or here; return a
        future of whether a figure was drawn (already done when drawn here)."""
        if self._pool is not None:
            future = self._pool.submit(_draw, func, args, paths, dpi)
            self._futures.append((future, paths[0]))
            return future
        from concurrent.futures import Future

        future = Future()
        future.set_result(_draw(func, args, paths, dpi))
        return future

    def wait(self) -> None:
        """Wait for every figure submitted so far; raise the first worker error."""
        futures, self._futures = self._futures, []
        for future, path in futures:
            _result(future, path)

    def close(self, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None

    def __enter__(self) -> "FigurePool":
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        try:
            if kind is None:
                self.wait()
        finally:
            self.close(cancel=kind is not None)


def _figure_pool(jobs: int) -> Any:
    """A forked process pool of ``jobs`` workers for rendering, or None (``jobs`` ≤ 1, or no fork)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if jobs <= 1 or "fork" not in mp.get_all_start_methods():
        return None
    return ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("fork"))


#: resolution of the rasters (micrographs, element maps) inside the report's SVG figures: a
#: 4.2-inch micrograph is shown ~400 CSS pixels wide, 150 dpi gives it 630 (300 dpi: 1,260, four
#: times the pixels to resample, encode and embed); lines and text in an SVG have no resolution
SVG_IMAGE_DPI = 150


def _result(future: Any, path: Path) -> Any:
    """``future.result()``; a worker that died (killed, out of memory) is one :class:`SselabError`."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise SselabError(f"a figure worker process died (killed or out of memory?) before {Path(path).name} was "
                          "written; run again, or with --jobs 1") from None


def _render_figure(fig: Any, paths: list[Path], dpi: int | None = None) -> None:
    """Lay ``fig`` out once and save it to each of ``paths`` (PNG at ``dpi``, default 300; the
    rasters inside an SVG at :data:`SVG_IMAGE_DPI`); close it."""
    raster = all(Path(p).suffix.lower() not in (".svg", ".pdf") for p in paths)
    box = style.lay_out(fig, (dpi or style.PNG_DPI) if raster else None)  # once for every format
    for k, path in enumerate(paths):
        svg = Path(path).suffix.lower() == ".svg"
        style.save(fig, path, close=k == len(paths) - 1, box=box, dpi=SVG_IMAGE_DPI if svg else dpi)


def _draw(func: Any, args: tuple, paths: list[Path], dpi: int | None = None) -> bool:
    """Draw ``func(*args)`` and save it to each of ``paths``; False when it drew no figure."""
    fig = func(*args)
    if fig is None:
        return False
    _render_figure(fig, paths, dpi)
    return True


def _render(blob: bytes, paths: list[Path], dpi: int | None = None) -> None:
    """Worker side of :class:`FigurePool`: unpickle a figure and save it in each format."""
    fig = pickle.loads(blob)
    _rekey_transform_parents(fig)
    _render_figure(fig, paths, dpi)


def _rekey_transform_parents(fig: Any) -> None:
    """Key every transform's parent registry of an unpickled ``fig`` by this process's ids.

    Matplotlib keys ``TransformNode._parents`` by ``id(parent)`` and pickles those keys, so
    an unpickled figure's registries hold the ids of the process that pickled it.  A transform
    created here (during layout) whose id equals such a stale key replaced a live parent's
    entry, and that parent was then never invalidated: e.g. a line kept the clip box of the
    axes' position before layout (pooled SVGs differed from serial ones by a stale clipPath,
    depending on the worker's heap, i.e. on what its parent process had drawn before).
    """
    import gc
    import weakref

    from matplotlib.artist import Artist
    from matplotlib.transforms import TransformNode

    seen: set[int] = set()
    todo: list[Any] = [fig]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, TransformNode) and obj._parents:
            live = [ref() for ref in obj._parents.values()]
            reg: dict[int, Any] = {}
            for parent in live:
                if parent is not None:
                    reg[id(parent)] = weakref.ref(parent, lambda _, pop=reg.pop, k=id(parent): pop(k, None))
            obj._parents = reg
            todo += [parent for parent in live if parent is not None]
        todo += [r for r in gc.get_referents(obj) if isinstance(r, (dict, list, tuple, Artist, TransformNode))]
