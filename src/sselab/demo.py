"""The demo: the virtual Mg3AsN study simulated, analysed by the pipeline, reported, compared.

:func:`run_demo` writes the virtual study (:func:`sselab.simulate.virtual_study.write_virtual_study`)
into ``out/study``, runs the pipeline into ``out/study/sselab-results/results.sqlite``, writes the
HTML report into ``out/report`` and returns the key recovered values beside the simulation's
truth and the paper's numbers: transport (σ_ion, Ea, σ_el, t_ion) and structure (as-BM's
Rietveld a, ρ, D, ε against Table 2; the rows come from :func:`sselab.report.tables.paper_vs_analysis`)
and microscopy (crystal size range, SE layer thickness, EDS formula; :mod:`sselab.simulate.microscopy`).  ``quick=True`` keeps only v1's single-spectrum round trip.
The full run also returns ``rows``: every number the paper reports (:func:`sselab.demo_rows.paper_rows`),
all recovered by the pipeline from files of the virtual study (a number the study did not simulate
would appear with ``recovered = None``, ``status = "not simulated"``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from .demo_rows import _num


def _impedance_part(out: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    from .eis import fit_circuit
    from .eis.plots import plot_fit
    from .io import read
    from .io.writers import write_spectrum_mpt
    from .simulate.paper import EBE_STACK_CIRCUIT, PAPER, MaterialModel, ebe_stack_spectrum

    model = MaterialModel()
    T = 373.15
    truth = model.ebe_stack_values(T)
    spectrum = ebe_stack_spectrum(T, model, noise=0.003, seed=1)
    raw = out / "raw" / "eis" / "as-BM_Mg-eBE-SE-eBE-Mg_100C.mpt"
    raw.parent.mkdir(parents=True, exist_ok=True)
    write_spectrum_mpt(raw, spectrum)
    measured = read(raw, "spectrum")[0]
    fit = fit_circuit(measured, EBE_STACK_CIRCUIT)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    figure = plot_fit(measured, fit, out / "figures" / "eis_ebe_stack_100C.png")
    sigma = model.thickness_cm / (fit["R_ap"].value * model.area_cm2)
    rows = [
        {"quantity": "R_ap (SE bulk) at 100 °C", "recovered": fit["R_ap"].value, "truth": truth["R_ap"], "paper": 88.4, "unit": "Ω"},
        {"quantity": "σ_ion at 100 °C", "recovered": sigma, "truth": model.sigma_ion_S_per_cm(T),
         "paper": PAPER["sigma_ion_100C_S_per_cm"]["as-BM"], "unit": "S/cm"},
    ]
    return rows, {"raw spectrum": str(raw), "fit figure": str(figure)}


def _study_part(out: Path, jobs: int, console: Any) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, Any],
                                                              list[dict[str, Any]], dict[str, Any]]:
    manifest = _written_study(out / "study", jobs)
    from .store import open_store
    from .study.pipeline import run_study

    truth = json.loads((manifest.parent / "truth.json").read_text(encoding="utf-8"))
    with _blas_per_process(jobs):
        summary = run_study(manifest, jobs=jobs, progress=console is not None)
    db = manifest.parent / "sselab-results" / "results.sqlite"
    with open_store(db) as store:
        analyses = store.analyses(study="Mg3AsN-virtual")
    rows = comparison_rows(analyses, truth)
    outputs = {"manifest": str(manifest), "truth": str(manifest.parent / "truth.json"), "database": str(db)}
    return rows, outputs, summary.to_dict(), analyses, truth


def _write_study(folder: Path) -> Path:
    from .fitting.threads import single_threaded_blas
    from .simulate.virtual_study import write_virtual_study

    with single_threaded_blas():  # small products only: BLAS's thread pool costs more than it gives
        return write_virtual_study(folder)


def _blas_per_process(jobs: int) -> Any:
    """With ``jobs`` > 1 the cores are the worker processes': BLAS on one thread here and in the
    workers forked from here (measured: its thread pool spinning beside the other worker cost the
    pipeline ~0.5 s CPU and the EDS map's least squares 0.05 → 0.2–0.5 s).  Entered once the
    warm imports have loaded scipy's BLAS, so that both libraries are limited."""
    import contextlib

    if jobs <= 1:
        return contextlib.nullcontext()
    from .fitting.threads import single_threaded_blas

    return single_threaded_blas()


#: modules the pipeline's tasks and the report import (each ~0.1–1 s CPU): imported by the demo
#: while the virtual study is written, so that the pipeline's and the figures' worker processes,
#: forked from this one, inherit them instead of each importing its own copy
WARM_MODULES = (
    "sselab.study.analyses", "sselab.study.prefit", "sselab.io.formats", "sselab.eis.fit",
    "sselab.xrd", "sselab.xrd.rietveld", "sselab.xrd.summary", "sselab.xrd.rbragg", "pymatgen.symmetry.analyzer",
    "sselab.xps", "sselab.xps.fit", "sselab.xps._lmfit", "lmfit", "scipy.stats", "scipy.optimize",
    "sselab.microscopy.image", "sselab.microscopy.layers", "sselab.microscopy.particles", "skimage.filters",
    "skimage.measure", "skimage.morphology", "skimage.segmentation", "rsciio.tiff",
    "sselab.eds.spectrum", "sselab.eds.quantify", "sselab.eds.maps", "rsciio.ripple",
    "sselab.report", "sselab.report.sections_paper", "sselab.demo_rows", "sselab.simulate.paper_study",
    # imported on first use by the tasks and figures (measured in the forked workers: ~460 modules,
    # ~0.4 s CPU; the EDS map's reader alone pulls in dask and distributed through rsciio.ripple)
    "rsciio.utils._distributed", "distributed", "rsciio.msa", "scipy.signal", "skimage.transform",
    "skimage.filters._gaussian", "skimage.segmentation._join", "skimage.segmentation._expand_labels",
    "skimage.util._remap", "sselab.eis.initial_assemble", "sselab.eis.initial_grid", "sselab.eis.model",
    "sselab.dc.bruce_vincent",
    "skimage.filters.thresholding", "skimage.measure._regionprops", "skimage.measure._find_contours",
    "skimage.segmentation._watershed", "skimage.segmentation._clear_border", "skimage.exposure.exposure",
    "sselab.dc", "sselab.eis.batch", "sselab.eis.kramers_kronig", "sselab.eis.verdicts", "sselab.eis.mask",
    "sselab.transport.stacks", "sselab.cycling.ccd", "sselab.cycling.voltammetry", "sselab.cycling.ageing",
    "sselab.io.formats.biologic_mpt", "sselab.io.formats.csv_electrochem", "sselab.io.formats.csv_spectrum",
    "sselab.io.formats.cycler_table", "sselab.io.formats.xps_vamas", "sselab.io.formats.xrd_bruker",
    "sselab.io.formats.xrd_gsas", "sselab.io.formats.xrd_rigaku", "sselab.io.formats.xrd_stoe",
    "sselab.io.formats.xrd_xrdml", "sselab.io.formats.xrd_xy",
    "matplotlib.backends.backend_svg", "sselab.report.figures_paper", "sselab.report.plots_cli", "sselab.xrd.plots",
    "PIL.PngImagePlugin", "PIL.JpegImagePlugin", "PIL.BmpImagePlugin", "PIL.GifImagePlugin", "PIL.PpmImagePlugin",
)


#: modules the virtual study's writer imports (~1.1 s CPU in a fresh process): imported here before
#: the writer is forked, so that it inherits them instead of importing its own copy beside this
#: process's :data:`WARM_MODULES` (they are most of what the pipeline needs as well)
WRITER_MODULES = (
    "sselab.simulate.virtual_study", "sselab.simulate.paper_study", "sselab.simulate.microscopy",
    "sselab.simulate.microscopy_eds", "sselab.microscopy.simulate", "sselab.eds.simulate",
    "pymatgen.symmetry.analyzer", "pymatgen.symmetry.groups", "pymatgen.analysis.diffraction",
    "pymatgen.optimization.neighbors", "scipy.ndimage", "rsciio.ripple", "tifffile",
)


def _warm_imports() -> None:
    """:func:`_import_frozen` of :data:`WARM_MODULES` (while the study is written)."""
    _import_frozen(WARM_MODULES)


def _writer_imports() -> None:
    """:func:`_import_frozen` of :data:`WRITER_MODULES` (before the writer is forked)."""
    _import_frozen(WRITER_MODULES)


def _import_frozen(names: tuple[str, ...]) -> None:
    """Import ``names`` with the cyclic garbage collector paused, then :func:`_freeze_heap`:
    imports make hundreds of thousands of long-lived objects and next to no garbage (~3,000
    unreachable objects after all of :data:`WARM_MODULES`), and each of the collector's full
    passes during them traversed every object made so far."""
    import importlib

    from .collector import paused

    with paused():
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - a head start only: a package absent or broken is
                pass  # reported by the task that needs it, as without the warm-up
    _freeze_heap()


def _freeze_heap() -> None:
    """Move every object this process holds into the garbage collector's permanent generation
    (:func:`gc.freeze`), before worker processes are forked from it: the objects are long-lived
    (modules, the study's results), and without this every full collection, here and in each
    forked worker (which inherits them), traversed all of them again (measured: the demo's
    collections 3.0 → 1.3 s CPU over all its processes).  :func:`run_demo` undoes it on return
    (:func:`sselab.collector.restored`): objects frozen here that become garbage meanwhile are
    reclaimed then.  Speed only: nothing computed depends on it.

    The youngest generation is also collected every :data:`GC_YOUNG_THRESHOLD` allocations instead
    of every 700 (inherited by the workers): figures and results make millions of short-lived
    containers, most freed by reference counting before a collection sees them (measured:
    collections 0.76–0.81 → 0.47–0.54 s CPU over the demo's processes)."""
    import gc

    gc.freeze()
    young, *older = gc.get_threshold()
    if 0 < young < GC_YOUNG_THRESHOLD:
        gc.set_threshold(GC_YOUNG_THRESHOLD, *older)


#: allocations between two collections of the youngest generation in the demo's processes
#: (Python's default: 700); see :func:`_freeze_heap`
GC_YOUNG_THRESHOLD = 10_000


def _written_study(folder: Path, jobs: int) -> Path:
    """:func:`~sselab.simulate.virtual_study.write_virtual_study` into ``folder``; with ``jobs`` > 1
    in a process forked once this one has imported :data:`WRITER_MODULES`, while this one imports
    :data:`WARM_MODULES` (the files are the same).
    The writer's error is raised here; a writer that dies (killed, out of memory) is one
    :class:`~sselab.exceptions.SselabError`, and the pipeline never reads its partial study; on
    any error or Ctrl+C here the writer is ended at once."""
    import multiprocessing

    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _write_study(folder)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from .exceptions import SselabError
    from .study.executors import stop_pool

    _writer_imports()  # once, here: the writer forked next inherits them
    writer = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    try:
        written = writer.submit(_write_study, folder)
        _warm_imports()
        manifest = written.result()
    except BaseException as exc:
        stop_pool(writer, now=True)
        if isinstance(exc, BrokenProcessPool):
            raise SselabError(f"the process writing the virtual study into {folder} ended abruptly (killed, or out "
                              "of memory); its files are incomplete; --jobs 1 writes them in this process") from None
        raise
    stop_pool(writer)
    return manifest


def comparison_rows(analyses: list[dict[str, Any]], truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Transport and structure rows (:func:`sselab.report.tables.paper_vs_analysis`) with the
    standard error and verdict of the stored result each came from."""
    from .report.tables import paper_vs_analysis

    return [{"quantity": f"{r['quantity']} — {r['sample']}", "recovered": _num(r["this_analysis"]),
             "truth": _num(r["truth"]), "paper": _num(r["paper"]), "unit": r["unit"],
             **_uncertainty_and_status(analyses, r["quantity"], r["sample"], _num(r.get("stderr")))}
            for r in paper_vs_analysis(analyses, truth).to_dict("records")]


#: which stored result holds each transport quantity of the comparison, its error and verdict
_SOURCES = {
    "σ_ion at 100 °C (eBE)": ("deconvolution", "sigma_ion_stderr_S_per_cm"),
    "Ea (σ convention)": ("deconvolution", "Ea_stderr_eV"),
    "σ_el at 100 °C (DC)": ("dc_electronic", "sigma_el_stderr_S_per_cm"),
    "t_ion (DC, 0.5 V)": ("consistency", "t_ion_dc_stderr"),
    "t_ion = σ_ion/(σ_ion+σ_el)": ("consistency", "t_ion_from_conductivities_stderr"),
}


#: quantities of the Rietveld refinement (status from the sample's xrd_refine result)
_RIETVELD = ("a (Rietveld)", "ρ (X-ray density)", "D (Rietveld)", "ε (Rietveld)", "B ", "occupancy ")


def _uncertainty_and_status(analyses: list[dict[str, Any]], quantity: str, sample: str,
                            stderr: float | None = None) -> dict[str, Any]:
    """``stderr``, ``status`` and ``reasons`` of the result a comparison row came from (the
    consistency check's verdict for the two t_ion rows); ``stderr`` when the row carries its own."""
    method, err_key = _SOURCES.get(quantity, (None, None))
    if method is None and quantity.startswith(_RIETVELD):
        method = "xrd_refine"
    res = next((a.get("result") or {} for a in analyses
                if a.get("method") == method and a.get("sample") == sample), None)
    if res is None:
        return {"stderr": stderr, "status": None, "reasons": []}
    return {"stderr": _num(res.get(err_key)) if err_key else stderr, "status": res.get("status", "ok"),
            "reasons": [r.get("message", "") for r in res.get("reasons") or []]}


def _microscopy_part(study: Path, analyses: list[dict[str, Any]], truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Crystal sizes, layer thickness and the EDS formula of the virtual study vs the paper, from the
    pipeline's stored sem_image / eds_quantify results (already read with the study's others)."""
    from .simulate.microscopy import microscopy_rows

    if not truth.get("microscopy"):
        return []
    return microscopy_rows(study, truth["microscopy"],
                           analyses=[a for a in analyses if a["method"] in ("sem_image", "eds_quantify")])


def run_demo(out: Path, quick: bool = False, console: Any = None, jobs: int = 1) -> dict[str, Any]:
    """Run the demo into ``out``; return {"comparison": rows, "outputs": paths, "seconds": t, "run": summary}.
    The garbage collector's tuning for the demo's forks (:func:`_freeze_heap`) ends with it."""
    from .collector import restored

    with restored():
        return _run_demo(out, quick, console, jobs)


def _run_demo(out: Path, quick: bool, console: Any, jobs: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if console is not None:
        console.print(f"[bold]sselab demo[/bold] → {out.resolve()}")
    if quick:
        rows, outputs = _impedance_part(out)
        from .demo_rows import split_sample

        return {"rows": [split_sample(r) for r in rows], "comparison": rows, "outputs": outputs, "seconds": time.perf_counter() - t0}
    rows, outputs, summary, analyses, truth = _study_part(out, jobs, console)
    rows += _microscopy_part(out / "study", analyses, truth)
    from .demo_rows import paper_rows
    from .report import write_report
    from .report.html import FigurePool
    from .report.sections_paper import write_paper_page
    from .simulate.paper_study import ASSUMPTIONS

    all_rows = paper_rows(rows, analyses, truth)
    assumptions = ASSUMPTIONS + list(truth.get("notes") or [])
    # one pool of figure workers for the paper page and the report: the page's figures render
    # while the report's are drawn, and the report's while the page's finish
    if jobs > 1:
        _freeze_heap()  # the figure workers forked next inherit the results read above
    with _blas_per_process(jobs), FigurePool(jobs) as pool:
        paper = write_paper_page(all_rows, out / "report", assumptions, analyses, pool=pool)
        outputs["report"] = str(write_report(outputs["database"], out / "report", study="Mg3AsN-virtual",
                                             truth=truth, jobs=jobs, pool=pool))
    outputs["paper comparison"] = paper
    return {"rows": all_rows, "assumptions": assumptions, "comparison": rows, "outputs": outputs, "run": summary,
            "seconds": time.perf_counter() - t0}
