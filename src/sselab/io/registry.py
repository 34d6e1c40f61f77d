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
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

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


def register(
    name: str,
    extensions: Sequence[str],
    kinds: Sequence[str],
    sniff: Callable[[Path, bytes], bool] | None = None,
    priority: int = 0,
) -> Callable[[Callable[[Path, str], list]], Callable[[Path, str], list]]:
    """Decorator registering ``read(path, kind) -> list[Measurement]`` as a reader."""

    def wrap(func: Callable[[Path, str], list]) -> Callable[[Path, str], list]:
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
    head = b""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ReaderError(path, f"cannot open: {exc.strerror or exc}") from None
    suffix = _suffix(path)
    found = []
    for reader in readers():
        if kind is not None and kind not in reader.kinds:
            continue
        by_ext = suffix in reader.extensions
        by_sniff = reader.sniff(path, head) if reader.sniff else False
        if kind is None and by_ext and not by_sniff and reader.sniff is not None and suffix in GENERIC_EXTENSIONS:
            continue  # a .csv/.txt is no evidence: the content must say what it is
        if by_ext or by_sniff:
            found.append((by_sniff, by_ext, reader.priority, reader))
    found.sort(key=lambda t: (t[0], t[1], t[2]), reverse=True)
    return [t[-1] for t in found]


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
    if not path.exists():
        raise ReaderError(path, "no such file")
    if path.is_dir():
        raise ReaderError(path, "is a directory, not a file")
    if path.stat().st_size == 0:
        raise ReaderError(path, "file is empty")
    check_file(path)  # size ceilings before any reader parses it (io.bounds)
    if reader is not None:
        chosen = [r for r in readers() if r.name == reader]
        if not chosen:
            raise ReaderError(path, f"unknown reader {reader!r}")
    else:
        chosen = candidates(path, kind)
    if not chosen:
        what = f" {kind}" if kind else ""
        if kind is None and _suffix(path) in GENERIC_EXTENSIONS and any(_suffix(path) in r.extensions for r in readers()):
            raise ReaderError(path, f"nothing in this {_suffix(path) or 'extension-less'} table says what it holds "
                                    "(no header that a reader recognises): state the kind (kind=..., --kind)")
        raise ReaderError(path, f"no{what} reader for this file type ({_suffix(path) or 'no extension'})")
    errors = []
    for r in chosen:
        try:
            # a reader of several kinds decides from the file itself when no kind is asked
            result = r.read(path, kind if kind is not None or len(r.kinds) > 1 else r.kinds[0])
        except ReaderError as exc:
            errors.append(exc.problem)
            continue
        if result:
            from .checks import with_reasons
            from .readlog import note

            from ..verdict import Verdict

            out = [with_reasons(m, ()) for m in result]
            for m in out:  # every measurement kind keeps its reading verdict in its metadata
                note(path, Verdict.from_dict(m.metadata.get("reading_verdict")))
            return out
        errors.append(f"{r.name} found no data")
    raise ReaderError(path, errors[0] if len(errors) == 1 else "; ".join(dict.fromkeys(errors)))

