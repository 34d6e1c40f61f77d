"""Spectrum input shared by the ``sselab eis`` commands: which spectra of a file
(``--index``/``--all``) and which of their points (``--fmin``/``--fmax``/``--drop-inductive``/
``--mask``), through :func:`sselab.eis.mask.select` — the same function the study pipeline uses.

Options are made by functions so every command declares them with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from ..exceptions import SselabError

if TYPE_CHECKING:
    from ..eis.mask import Selection


def fmin_option() -> Any:
    return typer.Option(None, "--fmin", help="Leave out points below this frequency [Hz].")


def fmax_option() -> Any:
    return typer.Option(None, "--fmax", help="Leave out points above this frequency [Hz].")


def inductive_option() -> Any:
    return typer.Option(False, "--drop-inductive", help="Leave out inductive points (Im Z > 0, e.g. cable inductance at high frequency).")


def mask_option() -> Any:
    return typer.Option(None, "--mask", help="Leave out points by 0-based index in file order, e.g. 0,1,60-65.")


def index_option() -> Any:
    return typer.Option(None, "--index", help="Which spectrum of a multi-spectrum file (0-based; default 0).")


def all_option() -> Any:
    return typer.Option(False, "--all", help="Every spectrum of each file.")


@dataclass(frozen=True)
class Loaded:
    """One spectrum to analyse: its file, index within the file, and the point selection."""

    file: Path
    index: int
    n_in_file: int
    selection: Selection

    @property
    def spectrum(self) -> Any:
        return self.selection.spectrum

    @property
    def label(self) -> str:
        return str(self.file) if self.n_in_file == 1 else f"{self.file}[{self.index}]"

    def describe(self) -> dict[str, Any]:
        """The keys every command's JSON carries about its input."""
        out: dict[str, Any] = {"file": str(self.file)}
        if self.n_in_file > 1:
            out["spectrum_index"] = self.index
            out["spectra_in_file"] = self.n_in_file
        out["mask"] = self.selection.to_dict()
        return out


def load(
    path: Path,
    index: Optional[int] = None,
    every: bool = False,
    fmin: Optional[float] = None,
    fmax: Optional[float] = None,
    drop_inductive: bool = False,
    mask: Optional[str] = None,
    notes: Optional[list[str]] = None,
) -> list[Loaded]:
    """The spectra of ``path`` asked for, each with its point selection applied.  A note on
    stderr when a file holds several spectra and only one is used (appended to ``notes``
    instead when given: a forked reader sends it back, even when the file then fails)."""
    from ..eis.mask import select
    from ..io import read

    if every and index is not None:
        raise SselabError("--index and --all exclude each other")
    spectra = read(path, kind="spectrum")
    n = len(spectra)
    if n == 0:
        raise SselabError(f"{path}: holds no impedance spectrum")
    if every:
        wanted = list(range(n))
    else:
        i = 0 if index is None else index
        if not 0 <= i < n:
            raise SselabError(f"{path}: has {n} spectra, no index {i} (0-based: 0 to {n - 1})")
        wanted = [i]
        if n > 1 and index is None:
            if notes is None:
                typer.echo(many_note(path, n, i), err=True)
            else:
                notes.append(many_note(path, n, i))
    out = []
    for i in wanted:
        s = spectra[i]
        if not s.source:
            s = s.with_meta(source=str(path))
        sel = select(s, f_min_Hz=fmin, f_max_Hz=fmax, drop_inductive=drop_inductive, mask=mask)
        out.append(Loaded(Path(path), i, n, sel))
    return out


def many_note(path: Path, n: int, i: int) -> str:
    """The note on stderr when a file holds ``n`` spectra and only spectrum ``i`` is used."""
    return f"note: {path} holds {n} spectra; using spectrum {i} (--index N for another, --all for every one)"


def with_reading(result: Any, selection: Selection) -> Any:
    """``result`` with the reasons of how its spectrum was read in its verdict
    (:func:`sselab.verdict.with_reading`) and the selection's summary among its notes
    (:func:`with_mask_note`)."""
    from ..verdict import with_reading as reading

    return reading(with_mask_note(result, selection), selection.original)


def with_mask_note(fit: Any, selection: Selection) -> Any:
    """``fit`` with the selection's summary among its notes (a frozen result with ``notes``)."""
    from dataclasses import replace

    if not selection.n_masked or not hasattr(fit, "notes"):
        return fit
    return replace(fit, notes=tuple(fit.notes) + (selection.summary(),))
