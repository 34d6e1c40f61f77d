"""Tasks: the unit of work of a study run, with the key that makes runs incremental.

A :class:`Task` is one analysis of one input file (``kind`` names the executor, e.g.
``"eis_fit"``).  Its :attr:`Task.key` is ``(input_hash, kind, settings_hash, sselab_version)``:

- ``input_hash`` — sha256 over the files' contents (in order) and the measurement context that
  can change a result or where it belongs: study and sample name, sample geometry, cell stack,
  temperature, voltage.  Renaming or
  moving a file does not change it; editing one byte does.
- ``settings_hash`` — sha256 of the canonical JSON of the task's settings (sorted keys, no
  whitespace), so key order in the manifest does not matter.
- ``sselab_version`` — a new release refits everything.

A runner skips tasks whose key :meth:`sselab.store.Store.done_keys` already holds, calls
:func:`run_task` on the others (in any process: tasks are picklable), and writes one
:class:`sselab.store.AnalysisRecord` per task.  Executors register themselves with
:func:`task_kind`::

    @task_kind("eis_fit")
    def fit_spectrum(task: Task) -> dict:
        spectra = sselab.read(task.files[0], kind="eis")
        ...
        return result.to_dict()

Example
-------
>>> from sselab.study.manifest import load_manifest   # doctest: +SKIP
>>> tasks = build_tasks(load_manifest("study.yaml"))  # doctest: +SKIP
>>> tasks[0].id, tasks[0].kind                        # doctest: +SKIP
('as-BM/eis/eis/asBM_eBE_40C.csv', 'eis_fit')
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import AnalysisError, ManifestError, SselabError
from ..store.records import AnalysisKey
from .manifest import Study, real_path

#: The executor kind run for each file of a technique by :func:`build_tasks`.
DEFAULT_KINDS: dict[str, str] = {
    "eis": "eis_fit", "dc": "dc_transient", "cycling": "cycling", "cv": "cv",
    "xrd": "xrd_refine", "xps": "xps_profile", "sem": "sem_image", "eds": "eds_quantify",
}
_CHUNK = 1 << 20
_HASH_CACHE: dict[tuple[str, int, int], str] = {}

Executor = Callable[["Task"], dict[str, Any]]
_EXECUTORS: dict[str, Executor] = {}


# -- hashing ---------------------------------------------------------------------------------------
def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: equal settings give equal text.

    Tuples are lists; non-finite floats are refused (their JSON is not portable).
    """
    try:
        return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SselabError(f"settings must be plain JSON (numbers, strings, lists, dicts): {exc}") from exc


def settings_hash(settings: Mapping[str, Any]) -> str:
    """sha256 (hex) of :func:`canonical_json` of ``settings``.

    >>> settings_hash({"a": 1, "b": [1, 2]}) == settings_hash({"b": [1, 2], "a": 1})
    True
    """
    return hashlib.sha256(canonical_json(dict(settings)).encode("utf-8")).hexdigest()


def file_hash(path: str | Path) -> str:
    """sha256 (hex) of a file's bytes (cached per process by path, size and mtime)."""
    p = os.fspath(path)
    try:
        st = os.stat(p)
        cache_key = (os.path.abspath(p), st.st_size, st.st_mtime_ns)
        if cache_key in _HASH_CACHE:
            return _HASH_CACHE[cache_key]
        digest = hashlib.sha256()
        with open(p, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise ManifestError(f"{p}: cannot read input file: {exc.strerror or exc}") from exc
    _HASH_CACHE[cache_key] = digest.hexdigest()
    return _HASH_CACHE[cache_key]


def input_hash(files: tuple[Path, ...] | list[Path], context: Mapping[str, Any]) -> str:
    """sha256 over the files' content hashes (in order) and the canonical JSON of ``context``."""
    digest = hashlib.sha256()
    for f in files:
        digest.update(file_hash(f).encode("ascii"))
        digest.update(b"\0")
    digest.update(canonical_json(dict(context)).encode("utf-8"))
    return digest.hexdigest()


# -- the task model ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One unit of work.

    Attributes
    ----------
    id : str
        ``"<sample>/<technique>/<file relative to the manifest>"``, unique within a study.
    kind : str
        The executor to run (see :func:`task_kind`).
    sample : str
    technique : str
    files : tuple of Path
        Absolute input paths.
    settings : dict
        The analysis settings (the technique's settings from the manifest, cell-stack entries
        resolved); hashed into ``settings_hash``.
    context : dict
        What the measurement is: ``study``, ``sample``, ``thickness_m``, ``area_m2``, ``cell``,
        ``temperature_K`` and ``voltage_V`` (``None`` when to be read from the file);
        hashed into ``input_hash`` with the files.
    input_hash, settings_hash, sselab_version : str
    """

    id: str
    kind: str
    sample: str
    technique: str
    files: tuple[Path, ...]
    settings: dict[str, Any] = field(hash=False, compare=True)
    context: dict[str, Any] = field(hash=False, compare=True)
    input_hash: str = ""
    settings_hash: str = ""
    sselab_version: str = ""

    @property
    def key(self) -> AnalysisKey:
        """The incremental key, as the store indexes analyses."""
        return AnalysisKey(self.input_hash, self.kind, self.settings_hash, self.sselab_version)


#: folders' real paths, kept within :func:`folders_resolved_once`
_DIRS: ContextVar[dict[str, str] | None] = ContextVar("sselab_task_dirs", default=None)


@contextmanager
def folders_resolved_once() -> Iterator[None]:
    """Within the block, :func:`make_task` resolves each folder's real path once (one run of
    a study: its first-stage tasks and the derived ones listing the same files)."""
    token = _DIRS.set({}) if _DIRS.get() is None else None
    try:
        yield
    finally:
        if token is not None:
            _DIRS.reset(token)


def resolved(path: Path | str) -> Path:
    """``Path(path).resolve()`` (each folder resolved once within :func:`folders_resolved_once`)."""
    return _resolved(path, _DIRS.get())


def _resolved(path: Path | str, dirs: dict[str, str] | None) -> Path:
    """``Path(path).resolve()``; with ``dirs`` (a :func:`~sselab.study.manifest.real_path`
    cache), each folder's real path is looked up once for many files."""
    real = real_path(os.fspath(path), dirs) if dirs is not None else None
    return Path(path).resolve() if real is None else Path(real)


def make_task(*, id: str, kind: str, sample: str, technique: str, files: tuple[Path, ...] | list[Path],
              settings: Mapping[str, Any], context: Mapping[str, Any], version: str | None = None,
              dirs: dict[str, str] | None = None) -> Task:
    """Build a task and compute its hashes (reads the files); ``dirs``: a cache of folders'
    real paths kept by a caller making many tasks (see :func:`~sselab.study.manifest.real_path`;
    default: the one of :func:`folders_resolved_once`, if active)."""
    if version is None:
        from .. import __version__ as version
    dirs = _DIRS.get() if dirs is None else dirs
    files = tuple(_resolved(f, dirs) for f in files)
    settings = json.loads(canonical_json(dict(settings)))  # a detached, JSON-clean copy
    context = json.loads(canonical_json(dict(context)))
    return Task(id=id, kind=kind, sample=sample, technique=technique, files=files, settings=settings,
                context=context, input_hash=input_hash(files, context),
                settings_hash=settings_hash(settings), sselab_version=str(version))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def build_tasks(study: Study, kinds: Mapping[str, str] | None = None, version: str | None = None) -> list[Task]:
    """One task per file of every measurement, in manifest order (duplicates dropped).

    ``kinds`` overrides :data:`DEFAULT_KINDS` (technique → executor kind).
    """
    kinds = {**DEFAULT_KINDS, **(kinds or {})}
    tasks: dict[str, Task] = {}
    dirs = _DIRS.get()
    dirs = {} if dirs is None else dirs  # the files' folders' real paths, for this call at least
    for m, files, settings in zip(study.manifest.measurements, study.files, study.settings):
        sample = study.sample(m.sample)
        context = {
            "study": study.manifest.study, "sample": sample.name, "thickness_m": sample.thickness_m, "area_m2": sample.area_m2,
            "cell": m.cell, "temperature_K": m.temperature_K, "voltage_V": m.voltage_V,
        }
        for f in files:
            tid = f"{sample.name}/{m.technique}/{_relative(f, study.root)}"
            kind = "ccd" if m.technique == "cycling" and settings.get("protocol") == "stepped" else kinds[m.technique]
            for sub, sub_settings, sub_context in _each_spectrum(tid, f, m.technique, settings, context):
                if sub not in tasks:
                    tasks[sub] = make_task(id=sub, kind=kind, sample=sample.name, technique=m.technique, files=(f,),
                                           settings=sub_settings, context=sub_context, version=version,
                                           dirs=dirs)
    return list(tasks.values())


def _each_spectrum(tid: str, path: Path, technique: str, settings: dict[str, Any], context: dict[str, Any]) -> list:
    """``(task id, settings, context)`` of each task a file gives: one, or with the EIS setting
    ``spectrum_index: all`` one per spectrum of the file (``tid[k]``, ``spectrum_index: k``, the
    context saying ``all_spectra`` — as ``sselab eis fit --all``)."""
    if technique != "eis" or settings.get("spectrum_index") != "all":
        return [(tid, settings, context)]
    from ..io import read

    try:
        n = len(read(path, "spectrum"))
    except Exception:  # noqa: BLE001 - an unreadable file fails its one task when run, with the reader's error
        n = 0
    if n <= 1:
        return [(tid, {**settings, "spectrum_index": 0}, {**context, "all_spectra": True})]
    return [(f"{tid}[{k}]", {**settings, "spectrum_index": k}, {**context, "all_spectra": True}) for k in range(n)]


# -- executor registry ---------------------------------------------------------------------------
def task_kind(name: str) -> Callable[[Executor], Executor]:
    """Register the decorated function as the executor of tasks of kind ``name``.

    The function takes a :class:`Task` and returns the result's ``to_dict()``.
    Registering a second function under the same name is an error.
    """
    def decorate(fun: Executor) -> Executor:
        existing = _EXECUTORS.get(name)
        if existing is not None and existing is not fun:
            raise ValueError(f"task kind {name!r} is already registered ({existing.__module__}.{existing.__qualname__})")
        _EXECUTORS[name] = fun
        return fun

    return decorate


def registered_kinds() -> list[str]:
    """Names of the registered task kinds."""
    return sorted(_EXECUTORS)


def executor(kind: str) -> Executor:
    """The executor registered for ``kind``."""
    try:
        return _EXECUTORS[kind]
    except KeyError:
        known = ", ".join(registered_kinds()) or "none registered"
        raise AnalysisError(f"no executor for task kind {kind!r} (known: {known})") from None


def run_task(task: Task) -> dict[str, Any]:
    """Run ``task`` with its registered executor; return the result dict.

    The result gains ``"reading"``: ``{path: {status, reasons}}``, the reading verdict of each
    file the executor read (:mod:`sselab.io.readlog`), which the pipeline stores with the
    measurement."""
    from ..io.readlog import recording

    with recording() as log:
        result = executor(task.kind)(task)
    if not isinstance(result, dict):
        raise AnalysisError(f"executor of {task.kind!r} returned {type(result).__name__}, not a dict")
    if log:
        result = {**result, "reading": dict(log)}
    return result

