"""The reader registry: one small module per format registers itself here.

:func:`read` picks a reader by the file's extension and by sniffing its first bytes, and the
returned measurements name the reader used (``instrument``).  Reader modules live in
:mod:`sselab.io.formats` and are imported on first use, so adding a format is one new file
that calls :func:`register`.

Measurement kinds: ``"spectrum"``, ``"transient"``, ``"galvanostatic"``, ``"voltammogram"``,
``"potential"`` (open-circuit / rest records), ``"diffraction"``, ``"xps"``, ``"sem_image"``,
``"eds"`` (spectra and spectrum images).

Sniffing is conservative: with no kind given, a reader is tried only on positive evidence —
its ``sniff`` recognised the content, or the extension is specific to it.  Generic text
extensions (``.csv``, ``.txt``, ``.dat``, ...) are never evidence on their own, so an
impedance table cannot be taken for an XPS export because both are ``.csv``.  With a kind
given, a reader of that kind may also be tried by extension alone.

Every returned measurement carries ``metadata["reading_verdict"]`` (``status``/``reasons``;
``ok`` when the reader dropped nothing) — see :mod:`sselab.io.checks`.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from ..exceptions import ReaderError
from .bounds import check_file

KINDS = ("spectrum", "transient", "galvanostatic", "voltammogram", "potential", "diffraction", "xps", "sem_image",
         "eds")

#: Extensions shared by many text formats: never evidence of a format on their own.
GENERIC_EXTENSIONS = frozenset({".csv", ".txt", ".tsv", ".dat", ".xy", ".xye", ".asc", ".text", ""})


@dataclass(frozen=True)
class Reader:
    """A registered reader.

    ``sniff(path, head)`` gets the first 4 kB of the file and says whether it can read it;
    ``read(path, kind)`` returns a list of measurements of ``kind`` (or raises ReaderError);
    a reader registered for several kinds gets ``kind=None`` when the caller asked for none
    and picks the kind from the file (e.g. the technique recorded in a BioLogic file).
    """

    name: str
    extensions: tuple[str, ...]
    kinds: tuple[str, ...]
    read: Callable[[Path, str], list]
    sniff: Callable[[Path, bytes], bool] | None = None
    priority: int = 0


_READERS: list[Reader] = []
_LOADED = False
#: bumped by every :func:`register`: the tables :func:`_declared` and :func:`_pending` build are
#: kept until a reader is added or replaced
_VERSION = 0


def register(
    name: str,
    extensions: Sequence[str],
    kinds: Sequence[str],
    sniff: Callable[[Path, bytes], bool] | None = None,
    priority: int = 0,
) -> Callable[[Callable[[Path, str], list]], Callable[[Path, str], list]]:
    """Decorator registering ``read(path, kind) -> list[Measurement]`` as a reader."""

    def wrap(func: Callable[[Path, str], list]) -> Callable[[Path, str], list]:
        global _VERSION
        _VERSION += 1
        exts = tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in extensions)
        _READERS[:] = [r for r in _READERS if r.name != name]
        _READERS.append(Reader(name, exts, tuple(kinds), func, sniff, priority))
        return func

    return wrap


def _load_formats() -> None:
    global _LOADED
    if _LOADED:
        return
    from . import formats

    for info in pkgutil.iter_modules(formats.__path__):
        importlib.import_module(f"{formats.__name__}.{info.name}")
    _LOADED = True


def readers() -> list[Reader]:
    """All registered readers."""
    _load_formats()
    return list(_READERS)


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in (".bz2", ".gz"):
        return "".join(suffixes[-2:])
    return path.suffix.lower()


def candidates(path: Path, kind: str | None) -> list[Reader]:
    """Readers that may read ``path`` for ``kind``, most likely first."""
    return list(_ranked(path, kind))


def _declared() -> tuple[list[tuple[str | None, str, tuple[str, ...], bool, int]], dict[str, tuple[str, ...]]]:
    """(module or None when loaded, reader name, extensions, has a sniff, priority) of every reader,
    in registration order — those :data:`sselab.io.formats.DECLARED` lists, without importing
    them, then the readers of modules it does not list (imported now) — and the kinds of each.
    Built once per set of registered readers (:data:`_VERSION`), not on every :func:`read`."""
    global _TABLES, _UNLISTED
    if _TABLES is not None and _TABLES[0] == _VERSION and _UNLISTED is not None:
        return _TABLES[1], _TABLES[2]
    from . import formats

    listed = {m for m, *_ in formats.DECLARED} | set(formats.HELPERS)
    out: list[tuple[str | None, str, tuple[str, ...], bool, int]] = [
        (module, name, exts, sniff, priority) for module, name, exts, _, priority, sniff in formats.DECLARED]
    kinds = {name: k for _, name, _, k, _, _ in formats.DECLARED}
    if _UNLISTED is None:
        _UNLISTED = [info.name for info in pkgutil.iter_modules(formats.__path__) if info.name not in listed]
        for name in _UNLISTED:
            importlib.import_module(f"{formats.__name__}.{name}")
    names = {n for _, n, *_ in out}
    extra = [r for r in _READERS if r.name not in names]
    out += [(None, r.name, r.extensions, r.sniff is not None, r.priority) for r in extra]
    kinds.update({r.name: r.kinds for r in extra})
    _TABLES = (_VERSION, out, kinds)
    return out, kinds


_UNLISTED: list[str] | None = None
_TABLES: tuple | None = None
_PENDING: dict[tuple[str, str | None], tuple[int, list]] = {}


def _pending(suffix: str, kind: str | None) -> list[tuple[tuple[bool, bool, int], int, str | None, str]]:
    """The readers :func:`_ranked` may try for a file ending in ``suffix``, for ``kind``: (the best
    key each can reach, -registration index, module, name), best first (kept per suffix and kind
    until a reader is registered)."""
    declared, kinds = _declared()
    kept = _PENDING.get((suffix, kind))
    if kept is not None and kept[0] == _VERSION:
        return kept[1]
    pending = []
    for index, (module, name, exts, has_sniff, priority) in enumerate(declared):
        if kind is not None and kind not in kinds[name]:
            continue
        by_ext = suffix in exts
        if by_ext or has_sniff:
            pending.append(((has_sniff, by_ext, priority), -index, module, name))
    pending.sort(key=lambda t: (t[0], t[1]), reverse=True)
    _PENDING[(suffix, kind)] = (_VERSION, pending)
    return pending


def _reader(module: str | None, name: str) -> Reader | None:
    """The registered reader ``name``, importing its module first when needed (None if the module
    does not register it: :data:`~sselab.io.formats.DECLARED` is out of date, which a test catches)."""
    for r in _READERS:
        if r.name == name:
            return r
    if module is not None:
        from . import formats

        importlib.import_module(f"{formats.__name__}.{module}")
    return next((r for r in _READERS if r.name == name), None)


def _ranked(path: Path, kind: str | None) -> Iterator[Reader]:
    """The readers of :func:`candidates` in its order — (sniffed, by extension, priority), highest
    first, ties in registration order — each imported and sniffed only when it could still come
    before the ones already found (a ``.csv`` impedance table: the CSV reader alone, as no other
    spectrum reader claims ``.csv`` and one that only sniffs comes after one that also matches
    by extension); the others are sniffed only if that reader fails."""
    head = b""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ReaderError(path, f"cannot open: {exc.strerror or exc}") from None
    suffix = _suffix(path)
    pending = _pending(suffix, kind)  # (the best key a reader can reach, -registration index, module, name), best first
    found: list[tuple[tuple[bool, bool, int], int, Reader]] = []
    j = 0
    while found or j < len(pending):
        best = max(found, key=lambda t: (t[0], t[1])) if found else None
        if j < len(pending) and (best is None or (pending[j][0], pending[j][1]) > (best[0], best[1])):
            _, order, module, name = pending[j]  # it might come first: sniff it
            j += 1
            reader = _reader(module, name)
            if reader is None:
                continue
            by_ext = suffix in reader.extensions
            by_sniff = reader.sniff(path, head) if reader.sniff else False
            if kind is None and by_ext and not by_sniff and reader.sniff is not None and suffix in GENERIC_EXTENSIONS:
                continue  # a .csv/.txt is no evidence: the content must say what it is
            if by_ext or by_sniff:
                found.append(((by_sniff, by_ext, reader.priority), order, reader))
            continue
        found.remove(best)  # no reader left unsniffed can come before it
        yield best[2]


def read(path: str | Path, kind: str | None = None, reader: str | None = None) -> list:
    """Read a measurement file and return a list of measurements.

    Parameters
    ----------
    path
        The file.
    kind
        Which measurement kind to return (see ``KINDS``); ``None`` takes the reader's first.
    reader
        Force a reader by name.

    Raises
    ------
    ReaderError
        One line naming the file and the problem.
    """
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise ReaderError(path, f"unknown measurement kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        st = os.stat(path)  # one call for existence, kind and size
    except OSError:
        st = None
    if st is None or stat.S_ISDIR(st.st_mode):  # as before: Path.exists / is_dir decide the message
        if not path.exists():
            raise ReaderError(path, "no such file")
        if path.is_dir():
            raise ReaderError(path, "is a directory, not a file")
        st = path.stat()
    if st.st_size == 0:
        raise ReaderError(path, "file is empty")
    check_file(path, st.st_size)  # size ceilings before any reader parses it (io.bounds)
    if reader is not None:
        chosen = [r for r in readers() if r.name == reader]
        if not chosen:
            raise ReaderError(path, f"unknown reader {reader!r}")
    else:
        chosen = _ranked(path, kind)  # lazily: most files are read by the first reader
    errors = []
    tried = False
    for r in chosen:
        tried = True
        try:
            # a reader of several kinds decides from the file itself when no kind is asked
            result = r.read(path, kind if kind is not None or len(r.kinds) > 1 else r.kinds[0])
        except ReaderError as exc:
            errors.append(exc.problem)
            continue
        if result:
            from .checks import with_reasons
            from .readlog import note_measurements

            out = [with_reasons(m, ()) for m in result]
            note_measurements(path, out)  # every measurement kind keeps its reading verdict in its metadata
            return out
        errors.append(f"{r.name} found no data")
    if not tried:
        what = f" {kind}" if kind else ""
        if kind is None and _suffix(path) in GENERIC_EXTENSIONS and any(_suffix(path) in r.extensions for r in readers()):
            raise ReaderError(path, f"nothing in this {_suffix(path) or 'extension-less'} table says what it holds "
                                    "(no header that a reader recognises): state the kind (kind=..., --kind)")
        raise ReaderError(path, f"no{what} reader for this file type ({_suffix(path) or 'no extension'})")
    raise ReaderError(path, errors[0] if len(errors) == 1 else "; ".join(dict.fromkeys(errors)))

