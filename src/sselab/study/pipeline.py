"""The study pipeline: manifest → tasks → executors → results store, incrementally.

Stages (each stage's tasks depend only on stored results of the stages before):

1. one task per input file (:func:`sselab.study.tasks.build_tasks`): circuit fits, DC holds,
   cycling, CV;
2. per sample: ``deconvolution`` (eBE subtraction over the temperature series + Arrhenius)
   and ``dc_electronic`` (σ_el from all DC holds);
3. per sample: ``consistency`` (t_ion from DC vs from σ_ion and σ_el; σ_el from DC vs from the AC
   mixed-conductor fit when the sample has one).

A task whose key (input hash, kind, settings hash, sselab version) is stored is skipped; a
derived task's input hash covers the upstream numbers it uses, so it reruns exactly when they
change.  Finished tasks are written in batches, one transaction each (every
:data:`COMMIT_EVERY_S` seconds or :data:`COMMIT_EVERY_N` tasks, and at the end), so a killed
run keeps every committed task and a rerun does only the rest.

>>> summary = run_study("study.yaml", jobs=2)   # doctest: +SKIP
>>> summary.n_run, summary.n_skipped            # doctest: +SKIP
(27, 0)
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..store.records import AnalysisKey, AnalysisRecord, MeasurementInfo, SampleInfo
from ..store.jsonio import Encoded
from ..transport.deconvolution import stack_bulk_names
from ..verdict import from_inputs
from .analyses_paper import paper_tasks, spectrum_indices_context
from .executors import Outcome, execute, kept_result, local_pool, stop_pool, warm_pool
from .manifest import Study, load_manifest
from .tasks import DEFAULT_KINDS, Task, build_tasks, file_hash, folders_resolved_once, make_task

if TYPE_CHECKING:
    from ..store import Store

#: Finished tasks are committed together: when this many wait, or when a task finishes this
#: long after the last commit (a killed run loses only what finished since the last commit).
COMMIT_EVERY_N = 100
COMMIT_EVERY_S = 0.5


@dataclass(frozen=True)
class RunSummary:
    """What a run did (``n_run`` counts executed tasks; skipped ones were already stored)."""

    study: str
    db_url: str
    n_tasks: int
    n_run: int
    n_skipped: int
    n_failed: int
    seconds: float
    failures: tuple[str, ...] = ()
    executed: tuple[str, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"study": self.study, "db_url": self.db_url, "n_tasks": self.n_tasks, "n_run": self.n_run,
                "n_skipped": self.n_skipped, "n_failed": self.n_failed, "seconds": self.seconds,
                "failures": list(self.failures), "executed": list(self.executed)}


def _record(study: Study, task: Task, out: Outcome) -> AnalysisRecord:
    result, error = out.result, out.error
    spec = next((s for s in study.manifest.samples if s.name == task.sample), None)
    sample = SampleInfo(study.manifest.study, task.sample, spec.treatment if spec else None,
                        spec.thickness_m if spec else None, spec.area_m2 if spec else None)
    ctx = task.context
    reading = (result or {}).get("reading") or {}  # how each file was read (run_task records it)
    meas = tuple(MeasurementInfo(str(f), task.technique, file_hash(f), 0, ctx.get("cell"),
                                 ctx.get("temperature_K"), ctx.get("voltage_V"), reading=reading.get(str(f)))
                 for f in task.files)
    stored = result if out.stored is None else Encoded(out.stored)  # a settled outcome: encoded where it ran
    return AnalysisRecord(key=task.key, sample=sample, measurements=meas, settings=task.settings, result=stored,
                          status="ok" if error is None else "error", message=error, values=out.values,
                          task_id=task.id, duration_s=out.duration_s)


class _Runner:
    def __init__(self, study: Study, store: Store, jobs: int | None, scheduler: Any, progress: Any,
                 pool: Any = None) -> None:
        self.study, self.store, self.jobs, self.scheduler, self.progress = study, store, jobs, scheduler, progress
        self.pool = pool
        self.executed: list[str] = []
        self.skipped = 0
        self.failures: list[str] = []
        self.fresh: dict[AnalysisKey, dict] = {}
        self.bar = None if progress is None else progress.add_task("analyses", total=None)

    def run(self, tasks: list[Task]) -> None:
        done = self.store.done_keys([t.key for t in tasks])
        todo = [t for t in tasks if t.key not in done]
        self.skipped += len(tasks) - len(todo)
        if self.progress is not None:
            total = (self.progress.tasks[0].total or 0) + len(todo)
            self.progress.update(self.bar, total=total)
        pending: list[AnalysisRecord] = []
        last_commit = time.monotonic()
        try:
            for task, out in execute(todo, self.jobs, self.scheduler, pool=self.pool, settle=True):
                pending.append(_record(self.study, task, out))
                self.executed.append(task.id)
                if out.error:
                    self.failures.append(f"{task.id}: {out.error}")
                elif out.stored is not None:  # settled where it ran: already as the store gives it back
                    self.fresh[task.key] = out.result
                else:  # as the store gives it back (NaN → None, numpy → plain), less the bulky curves
                    self.fresh[task.key] = kept_result(out.result)
                if self.progress is not None:
                    self.progress.update(self.bar, advance=1, description=task.id[:60])
                if len(pending) >= COMMIT_EVERY_N or time.monotonic() - last_commit >= COMMIT_EVERY_S:
                    batch, pending = pending, []
                    self.store.record_many(batch)
                    last_commit = time.monotonic()
        finally:  # also when interrupted: what has finished is kept
            if pending:
                self.store.record_many(pending)

    def results(self, tasks: Iterable[Task]) -> dict[str, dict]:
        """Ok results of ``tasks`` by task id: those run now from memory, the others from the store
        (one query per task kind, so a rerun does not parse every stored result of the study)."""
        keys = {t.key: t.id for t in tasks}
        out = {tid: self.fresh[k] for k, tid in keys.items() if k in self.fresh}
        for kind in sorted({k.method for k, tid in keys.items() if tid not in out}):
            for a in self.store.analyses(study=self.study.manifest.study, status="ok", method=kind):
                k = AnalysisKey(a["input_hash"], a["method"], a["settings_hash"], a["sselab_version"])
                if k in keys and keys[k] not in out:
                    out[keys[k]] = a["result"]
        return out


def _status(d: dict | None) -> dict:
    """``status``/``reasons`` of a stored result part (ok when absent)."""
    d = d or {}
    return {"status": d.get("status", "ok"), "reasons": list(d.get("reasons") or [])}


def _stable(x: Any) -> Any:
    """``x`` rounded to 12 significant digits (None, non-numbers and non-finite kept).

    Upstream numbers are hashed into derived tasks' keys.  A fit run in a Dask worker and the
    same fit run here can differ in the last bit; rounding makes equal keys very likely (a
    last-bit difference changes the 12th digit with probability ~1e-4 per number), so a
    derived task is rarely rerun for nothing — never stored twice, the key decides that.
    """
    if isinstance(x, float) and x == x and abs(x) != float("inf"):
        return float(f"{x:.12g}")
    return x


def _r(result: dict, names: list[str]) -> tuple[float, float]:
    params = result["fit"]["parameters"]
    value = sum(params[n]["value"] for n in names)
    err2 = sum((params[n].get("stderr") or 0.0) ** 2 for n in names)
    return _stable(float(value)), _stable(float(err2**0.5))


def _hold(result: dict) -> dict:
    """The steady state of one DC hold (a dc_transient result) as σ_el needs it."""
    return {"source": result.get("source", ""), "voltage_V": _stable(result.get("set_potential_V")),
            "Is_A": _stable(result["Is_A"]), "Is_stderr_A": _stable(result.get("Is_stderr_A")),
            "steady_state_reached": bool(result.get("steady_state_reached")),
            "warnings": list(result.get("steady_state_warnings") or [])}


def _derived(study: Study, tasks: list[Task], res: dict[str, dict]) -> list[Task]:
    """Stage-2 tasks: deconvolution per sample with an eBE stack, dc_electronic per sample."""
    a = study.manifest.analysis
    ref_name = a.transport.ebe_reference
    out = []
    refs = [{"temperature_K": res[t.id]["temperature_K"], **dict(zip(("R_ohm", "R_stderr_ohm"),
             _r(res[t.id], [t.settings["bulk_element"]]))), **_status(res[t.id].get("bulk"))}
            for t in tasks if t.sample == ref_name and t.technique == "eis" and t.id in res]
    for name in dict.fromkeys(t.sample for t in tasks):
        stack = [t for t in tasks if t.sample == name and t.technique == "eis" and t.id in res
                 and "eBE|SE|eBE" in (t.context.get("cell") or "")]
        if stack and refs:
            rows = []
            for t in stack:
                names = stack_bulk_names(t.settings["circuit"], t.settings["bulk_element"])
                R, s = _r(res[t.id], names)
                rows.append({"temperature_K": res[t.id]["temperature_K"], "R_ohm": R, "R_stderr_ohm": s,
                             **_status(res[t.id].get("stack_bulk"))})
            ctx = {k: stack[0].context[k] for k in ("sample", "thickness_m", "area_m2", "cell")}
            out.append(make_task(id=f"{name}/transport/deconvolution", kind="deconvolution", sample=name,
                                 technique="eis", files=[f for t in stack for f in t.files],
                                 settings=a.transport.model_dump(mode="json"),
                                 context={**ctx, "inputs": {"stack": rows, "reference": refs}}))
        out += _global_eis(name, tasks, res)
        dc = [t for t in tasks if t.sample == name and t.technique == "dc"]
        if len(dc) >= 2:
            ctx = {k: dc[0].context[k] for k in ("sample", "thickness_m", "area_m2", "cell", "temperature_K")}
            ctx["voltages_V"] = [t.context.get("voltage_V") for t in dc]
            if all(t.id in res for t in dc):  # each hold's steady state is already known: don't fit it again
                ctx["points"] = [_hold(res[t.id]) for t in dc]
            out.append(make_task(id=f"{name}/dc/electronic", kind="dc_electronic", sample=name, technique="dc",
                                 files=[f for t in dc for f in t.files], settings=dc[0].settings, context=ctx))
    return out


def _global_eis(name: str, tasks: list[Task], res: dict[str, dict]) -> list[Task]:
    """A global fit of a sample's spectra of one cell and circuit when its settings ask for one
    (``global_shared``/``global_arrhenius``, see :mod:`sselab.eis.global_fit`)."""
    eis = [t for t in tasks if t.sample == name and t.technique == "eis" and t.id in res
           and (t.settings.get("global_shared") or t.settings.get("global_arrhenius"))]
    groups: dict[tuple[str, str], list[Task]] = {}
    for t in eis:
        groups.setdefault((str(t.context.get("cell") or ""), str(t.settings["circuit"])), []).append(t)
    out = []
    for k, ((cell, _), group) in enumerate(groups.items()):
        if len(group) < 2:
            continue
        ctx = {key: group[0].context.get(key) for key in ("sample", "thickness_m", "area_m2", "cell")}
        ctx["temperatures_K"] = [res[t.id].get("temperature_K") for t in group]
        ctx.update(spectrum_indices_context(group))  # manifest spectrum_index (one task per spectrum with "all")
        suffix = "" if len(groups) == 1 else f"-{k}"
        out.append(make_task(id=f"{name}/eis/global{suffix}", kind="eis_global", sample=name, technique="eis",
                             files=[f for t in group for f in t.files], settings=group[0].settings, context=ctx))
    return out


def _consistency(tasks: list[Task], stage2: list[Task], res: dict[str, dict]) -> list[Task]:
    out = []
    for name in dict.fromkeys(t.sample for t in stage2):
        dec = res.get(f"{name}/transport/deconvolution")
        el = res.get(f"{name}/dc/electronic")
        dc = [t for t in tasks if t.sample == name and t.technique == "dc" and t.id in res]
        if not (dec and el and dc):
            continue
        low = min(dc, key=lambda t: t.context.get("voltage_V") or 0.0)
        inputs = {"t_ion_dc": res[low.id]["t_ion"], "t_ion_dc_stderr": res[low.id].get("t_ion_stderr"),
                  "t_ion_dc_voltage_V": low.context.get("voltage_V"),
                  "sigma_ion_S_per_cm": dec["sigma_ion_S_per_cm"], "sigma_ion_stderr_S_per_cm": dec["sigma_ion_stderr_S_per_cm"],
                  "sigma_el_S_per_cm": el["sigma_el_S_per_cm"], "sigma_el_stderr_S_per_cm": el.get("sigma_el_stderr_S_per_cm")}
        ac = next((res[t.id] for t in tasks if t.sample == name and t.technique == "eis" and t.id in res
                   and isinstance(res[t.id].get("mixed"), dict) and res[t.id].get("sigma_el_S_per_cm")), None)
        if ac is not None:  # σ_el from the AC mixed-conductor fit: the AC-vs-DC cross-check
            inputs.update({"sigma_el_ac_S_per_cm": ac["sigma_el_S_per_cm"],
                           "sigma_el_ac_stderr_S_per_cm": ac.get("sigma_el_stderr_S_per_cm")})
        inputs = {k: _stable(v) for k, v in inputs.items()}
        parts = {"DC t_ion": res[low.id], "deconvolution σ_ion": dec, "DC σ_el": el}
        if ac is not None:
            parts["AC σ_el"] = ac["mixed"]
        inputs["reasons"] = from_inputs(parts, what="input").to_dict()["reasons"]
        out.append(make_task(id=f"{name}/transport/consistency", kind="consistency", sample=name, technique="dc",
                             files=(), settings={"rel_tol": 0.1}, context={"sample": name, "inputs": inputs}))
    return out


def _kinds_expected(study: Study) -> dict[str, int]:
    """How many first-stage tasks of each kind the study's files give (about: a file with
    several spectra gives several), for the workers to prepare for."""
    out: dict[str, int] = {}
    for m, files in zip(study.manifest.measurements, study.files):
        kind = DEFAULT_KINDS.get(m.technique, m.technique)
        out[kind] = out.get(kind, 0) + len(files)
    return out


def run_study(manifest: str | Path, db: str | Path | None = None, *, jobs: int | None = 1,
              scheduler: Any = None, progress: bool = False) -> RunSummary:
    """Run every analysis of the study at ``manifest`` into the results database.

    The analyses run in this process (``jobs=1``), in local worker processes (``jobs=N``) or
    on a Dask cluster (``scheduler``); the results, written by this process in batches as the
    tasks finish, are the same in all three.

    Parameters
    ----------
    db : path or URL, optional
        Results database; default: the manifest's ``database:`` or ``sselab-results/results.sqlite``
        beside the manifest (its folder is created).
    jobs : int
        Local worker processes (1: serial).
    scheduler : str or distributed.Client, optional
        A running Dask cluster: its scheduler address (``tcp://host:8786``), a ``Client`` (kept
        open) or a cluster object such as dask-jobqueue's ``SLURMCluster``/``PBSCluster``
        (started and scaled by the user); overrides ``jobs``.  The workers need this sselab
        version and the input files at the same paths (see :mod:`sselab.study.dask_executor`).
    progress : bool
        Show a rich progress bar on stderr.

    Raises
    ------
    SselabError
        Bad manifest, unreachable scheduler (one line), store errors.

    Examples
    --------
    >>> run_study("study.yaml", scheduler="tcp://login1:8786")       # doctest: +SKIP
    >>> from dask_jobqueue import SLURMCluster                       # doctest: +SKIP
    >>> cluster = SLURMCluster(cores=1, memory="4GB"); cluster.scale(jobs=16)  # doctest: +SKIP
    >>> run_study("study.yaml", scheduler=cluster.scheduler_address)  # doctest: +SKIP
    """
    t0 = time.perf_counter()
    # one pool per run, its workers started (and warming up) before the manifest is read, the
    # tasks built (the files hashed), the database code imported and the done tasks looked up
    pool = local_pool(jobs, warm=True) if scheduler is None and jobs is not None and jobs > 1 else None
    client = None
    bar = None
    finished = False
    try:
        study = load_manifest(manifest)
        target = db if db is not None else study.db_path
        if isinstance(target, Path) or "://" not in str(target):
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        if scheduler is not None:
            from .dask_executor import connect

            client = connect(scheduler)  # once per run, failing early with one line
        if pool is not None:
            warm_pool(pool, _kinds_expected(study))
        if progress:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            bar = Progress(TextColumn("{task.description:<60}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                           console=Console(stderr=True), transient=False)
            bar.start()
        with folders_resolved_once():  # one run: stage 2 lists the files of stage 1 again
            tasks = build_tasks(study)
            from ..store import open_store  # SQLAlchemy, Alembic: loaded here, while the workers warm up

            with open_store(target) as store:
                runner = _Runner(study, store, jobs, client, bar, pool)
                runner.run(tasks)
                res = runner.results([t for t in tasks if t.technique in ("eis", "dc")])  # what stages 2–3 use
                stage2 = _derived(study, tasks, res)
                stage2 += paper_tasks(study, tasks, res)  # stack comparison, series, ageing, Bruce–Vincent
                runner.run(stage2)
                res.update(runner.results(stage2))
                stage3 = _consistency(tasks, stage2, res)
                runner.run(stage3)
                url = store.display_url
        finished = True
    finally:
        if bar is not None:
            bar.stop()
        if client is not None and client is not scheduler:
            client.close()
        if pool is not None:  # interrupted (Ctrl+C, SIGTERM, error): running workers are terminated
            stop_pool(pool, now=not finished)
    n = len(tasks) + len(stage2) + len(stage3)
    return RunSummary(study.manifest.study, url, n, len(runner.executed), runner.skipped, len(runner.failures),
                      time.perf_counter() - t0, tuple(runner.failures), tuple(runner.executed))
