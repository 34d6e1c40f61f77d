"""A temperature series: fit every spectrum, σ per temperature, then the Arrhenius fit.

Temperatures come, in this order of preference, from a table given by the user, the
spectrum's metadata (``temperature_K`` set by the reader), or the file name (``..._40C...``,
``...-313K...``, ``... 40 °C ...``).  Spectra are fitted from the lowest temperature up; the
first from automatic starts, each next one seeded with its neighbour's result (falling back
to automatic starts when the seeded fit fails or leaves the bulk undetermined).

The bulk element is chosen **once**, by one documented rule: named with ``bulk``, or chosen
by its capacitance (:func:`~sselab.transport.conductivity.choose_bulk`) on the
lowest-temperature spectrum, where the bulk arc is best inside the window; every temperature
then uses that element (a choice that changed from one temperature to the next would mix
processes in one Arrhenius line).  A temperature whose σ failed (its fit failed for the bulk
element) is left out of the Arrhenius fit and named (``input_dropped``).

Examples
--------
>>> temperature_from_name("LLZO_40C_run2.mpr")
313.15
>>> temperature_from_name("cell-373.15K.csv")
373.15
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

from ..exceptions import AnalysisError
from ..measurements import Spectrum
from ..units import ZERO_CELSIUS_K, parse_temperature
from ..verdict import Reason, Verdict, from_inputs
from .arrhenius import ArrheniusResult, arrhenius
from .conductivity import ConductivityResult, conductivity_from_fit
from .geometry import SampleGeometry

_NAME_T = re.compile(r"(?<![0-9.])(\d+(?:\.\d+)?)\s*(?:°|deg)?\s*(C|K)(?![a-zA-Z])")


def temperature_from_name(name: str) -> float | None:
    """Temperature [K] written in a file name (``_40C``, ``-313K``, ``25 °C``), or None."""
    hits = _NAME_T.findall(Path(name).stem)
    if len(hits) != 1:
        return None
    value, unit = hits[0]
    return float(value) + ZERO_CELSIUS_K if unit == "C" else float(value)


@dataclass(frozen=True)
class SeriesRow:
    temperature_K: float
    temperature_source: str
    conductivity: ConductivityResult
    fit: Any
    seeded: bool

    def to_dict(self) -> dict[str, Any]:
        c = self.conductivity
        return {
            **c.verdict.to_dict(),
            "source": getattr(self.fit, "source", ""),
            "temperature_K": self.temperature_K,
            "temperature_C": self.temperature_K - ZERO_CELSIUS_K,
            "temperature_source": self.temperature_source,
            "R_b_ohm": c.resistance_ohm,
            "R_b_stderr_ohm": c.resistance_stderr_ohm,
            "sigma_S_per_cm": c.sigma_S_per_cm,
            "sigma_stderr_S_per_cm": c.sigma_stderr_S_per_cm,
            "bulk_element": c.bulk_element,
            "bulk_choice": c.bulk_choice,
            "seeded_from_neighbour": self.seeded,
            "chi2": self.fit.chi2,
            "fit_success": self.fit.success,
            "warnings": list(c.warnings) + list(self.fit.result.warnings),
        }


@dataclass(frozen=True)
class SeriesResult:
    rows: tuple[SeriesRow, ...]
    arrhenius: ArrheniusResult
    circuit: str
    geometry: SampleGeometry
    reasons: tuple[Reason, ...] = ()

    @property
    def verdict(self) -> Verdict:
        return Verdict.of(self.reasons).merge(self.arrhenius.verdict)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.verdict.to_dict(),
            "circuit": self.circuit,
            **self.geometry.to_dict(),
            "table": [r.to_dict() for r in self.rows],
            "arrhenius": self.arrhenius.to_dict(),
            "Ea_eV": self.arrhenius.Ea_eV,
            "Ea_stderr_eV": self.arrhenius.Ea_stderr_eV,
            "convention": self.arrhenius.convention,
        }


def _temperatures(spectra: Sequence[Spectrum], given: Sequence[float] | None) -> list[tuple[float, str]]:
    if given is not None:
        if len(given) != len(spectra):
            raise AnalysisError(f"{len(given)} temperatures given for {len(spectra)} spectra")
        return [(float(t), "stated") for t in given]
    out = []
    for s in spectra:
        if s.temperature_K:
            out.append((float(s.temperature_K), "file metadata"))
            continue
        t = temperature_from_name(s.source) if s.source else None
        if t is None:
            raise AnalysisError(f"{s.source or 'spectrum'}: no temperature in the file or its name; state the temperatures")
        out.append((t, "file name"))
    return out


def temperature_series(
    spectra: Sequence[Spectrum],
    circuit: str,
    geometry: SampleGeometry,
    bulk: str | None = None,
    temperatures_K: Sequence[float] | None = None,
    convention: str = "sigma",
    weighting: str = "modulus",
) -> SeriesResult:
    """Fit each spectrum, σ of its bulk element, and the Arrhenius fit (see the module docstring)."""
    from ..eis import fit_circuit

    temps = _temperatures(spectra, temperatures_K)
    if len({round(t, 6) for t, _ in temps}) < 2:
        raise AnalysisError("a temperature series needs spectra at 2 or more different temperatures (3 or more for errors)")
    order = sorted(range(len(spectra)), key=lambda k: temps[k][0])
    rows: list[SeriesRow] = []
    previous = None
    chosen_once = None
    for k in order:
        if rows and bulk is None:
            bulk = rows[0].conductivity.bulk_element  # chosen once, at the lowest temperature
            chosen_once = f"{rows[0].conductivity.bulk_choice} at the lowest temperature, kept for every temperature"
        s = spectra[k]
        seeded = previous is not None
        fit = fit_circuit(s, circuit, weighting=weighting, initial=previous) if seeded else fit_circuit(s, circuit, weighting=weighting)
        res = conductivity_from_fit(fit, geometry, bulk)
        if seeded and (not fit.success or res.resistance_stderr_ohm is None):
            auto = fit_circuit(s, circuit, weighting=weighting)
            if auto.chi2 < fit.chi2:
                fit, seeded = auto, False
                res = conductivity_from_fit(fit, geometry, bulk)
        if chosen_once:
            res = replace(res, bulk_choice=chosen_once)
        rows.append(SeriesRow(temps[k][0], temps[k][1], res, fit, seeded))
        previous = dict(fit.values)
    label = {id(r): f"{r.temperature_K - ZERO_CELSIUS_K:.0f} °C" for r in rows}
    used = [r for r in rows if not r.conductivity.verdict.failed]
    agg = from_inputs({label[id(r)]: r.conductivity for r in rows},
                      dropped=[label[id(r)] for r in rows if r.conductivity.verdict.failed], what="temperature")
    if len({round(r.temperature_K, 6) for r in used}) < 2:
        raise AnalysisError(f"only {len(used)} of {len(rows)} temperatures have a usable σ: no Arrhenius fit "
                            f"({'; '.join(r.message for r in agg.reasons)})")
    T = [r.temperature_K for r in used]
    sig = [r.conductivity.sigma_S_per_cm for r in used]
    errs = [r.conductivity.sigma_stderr_S_per_cm for r in used]
    use_err = all(e is not None and e > 0 for e in errs)
    arr = arrhenius(T, sig, errs if use_err else None, convention)
    return SeriesResult(tuple(rows), arr, circuit, geometry, agg.reasons)


def series_spectra(paths: Sequence[str | Path], points: dict[str, Any] | None = None,
                   every: bool = False, indices: Sequence[int] | None = None) -> list[Spectrum]:
    """The first spectrum of each file (``every``: all of them, in file order, each labelled
    ``file[k]``; ``indices``: spectrum ``indices[i]`` of ``paths[i]``, labelled alike when its
    file holds several — what the study manifest's ``spectrum_index: all`` gives), masked/cropped
    by ``points`` (see :func:`series_from_files`)."""
    from ..eis.mask import select_from_settings
    from ..io import read

    if indices is not None and len(indices) != len(paths):
        raise AnalysisError(f"{len(indices)} spectrum indices given for {len(paths)} files")
    spectra = []
    cache: dict[str, list[Spectrum]] = {}
    for i, p in enumerate(paths):
        if str(p) not in cache:
            cache[str(p)] = read(p, kind="spectrum")
        found = cache[str(p)]
        if not found:
            raise AnalysisError(f"{p}: holds no impedance spectrum")
        if indices is not None:
            if not 0 <= indices[i] < len(found):
                raise AnalysisError(f"{p}: has {len(found)} spectra, no spectrum_index {indices[i]}")
            chosen = [(int(indices[i]), found[int(indices[i])])]
        else:
            chosen = list(enumerate(found)) if every else [(0, found[0])]
        for k, s in chosen:
            if (every or indices is not None) and len(found) > 1:
                s = s.with_meta(source=f"{s.source or p}[{k}]")
            elif not s.source:
                s = s.with_meta(source=str(p))
            spectra.append(select_from_settings(s, points).spectrum if points else s)
    return spectra


def series_from_files(
    paths: Sequence[str | Path],
    circuit: str,
    geometry: SampleGeometry,
    bulk: str | None = None,
    temperatures: Sequence[str] | None = None,
    convention: str = "sigma",
    weighting: str = "modulus",
    points: dict[str, Any] | None = None,
    every: bool = False,
) -> SeriesResult:
    """:func:`temperature_series` on files (first spectrum of each, ``every``: all spectra of
    each file; names or metadata carry temperatures, else ``temperatures`` in that order).
    ``points``: masking/cropping settings (``f_min_Hz``, ``f_max_Hz``, ``drop_inductive``,
    ``mask``) applied to every spectrum by :func:`sselab.eis.mask.select_from_settings`."""
    spectra = series_spectra(paths, points, every)
    temps = [parse_temperature(t, default_unit="C") for t in temperatures] if temperatures else None
    return temperature_series(spectra, circuit, geometry, bulk, temps, convention, weighting)
