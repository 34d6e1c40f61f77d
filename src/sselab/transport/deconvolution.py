"""Electron-blocking deconvolution (Glaser et al., Adv. Energy Mater. 2023, 13, 2301980).

In a Mg|eBE|SE|eBE|Mg stack only ions pass, so the stack's bulk resistance is the sum of the
SE's ionic resistance and the eBE layers': R_SE,ion = R_stack,bulk − Σ R_eBE.  The eBE's
resistance comes from its own reference: an iBE|eBE|iBE spectrum (fitted), or a known
resistance or conductivity; it is scaled to the layer geometry (R ∝ l/A) when the layers
differ from the reference pellet.  Errors are propagated; a difference of nearly equal
numbers is flagged.

Which resistors make the stack's bulk (one rule, :func:`stack_bulk_names`, used by
``sselab deconvolve`` and by the study pipeline alike): the bulk element (named, or chosen
by its capacitance, :func:`~sselab.transport.conductivity.choose_bulk`) **plus** the circuit's
leading series resistor when it has one and it is not the bulk itself — in an eBE stack the
high-frequency intercept holds the bulk of layers whose arcs lie above the measured range
(the paper's Fig. 3e: R_mof + R_ap).  A comma-separated list is used exactly as given.

Verdicts: a temperature whose stack fit failed for the bulk elements is left out of the
Arrhenius fit and named (``input_dropped``); a failed reference fails the rows that use it.

Examples
--------
>>> from sselab.transport.geometry import SampleGeometry
>>> se = SampleGeometry.from_text("0.65 mm", diameter="13 mm")
>>> ref = EBEReference(14.6, 0.0)
>>> row = deconvolve(117.6, 0.0, se, ref)
>>> round(row.R_SE_ion_ohm, 1), round(row.sigma_ion_S_per_cm * 1e4, 2)
(88.4, 5.54)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..exceptions import AnalysisError
from ..verdict import Reason, Verdict, from_inputs
from ..units import ZERO_CELSIUS_K, parse_temperature
from .arrhenius import ArrheniusResult, arrhenius
from .conductivity import choose_bulk
from .geometry import SampleGeometry


@dataclass(frozen=True)
class EBEReference:
    """The eBE's bulk resistance [Ω] on the reference geometry (None: same as the layers)."""

    resistance_ohm: float
    resistance_stderr_ohm: float = 0.0
    geometry: SampleGeometry | None = None
    temperature_K: float | None = None
    source: str = "stated"

    @classmethod
    def from_conductivity(cls, sigma_S_per_cm: float, geometry: SampleGeometry, stderr_S_per_cm: float = 0.0,
                          temperature_K: float | None = None) -> "EBEReference":
        """A reference from the eBE's conductivity and the geometry of one layer."""
        r = geometry.cell_constant_per_cm / sigma_S_per_cm
        return cls(r, r * stderr_S_per_cm / sigma_S_per_cm, geometry, temperature_K, "conductivity")

    def layer(self, layer: SampleGeometry | None) -> tuple[float, float]:
        """(R, stderr) of one eBE layer of geometry ``layer``."""
        if layer is None or self.geometry is None:
            return self.resistance_ohm, self.resistance_stderr_ohm
        f = layer.cell_constant_per_cm / self.geometry.cell_constant_per_cm
        return self.resistance_ohm * f, self.resistance_stderr_ohm * f


@dataclass(frozen=True)
class DeconvolutionRow:
    temperature_K: float | None
    R_stack_ohm: float
    R_stack_stderr_ohm: float
    R_eBE_total_ohm: float
    R_eBE_total_stderr_ohm: float
    R_SE_ion_ohm: float
    R_SE_ion_stderr_ohm: float
    sigma_ion_S_per_cm: float
    sigma_ion_stderr_S_per_cm: float
    n_layers: int
    reference_source: str
    warnings: tuple[str, ...]
    reasons: tuple[Reason, ...] = ()

    @property
    def verdict(self) -> Verdict:
        return Verdict.of(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("warnings", "reasons")}
        d["temperature_C"] = None if self.temperature_K is None else self.temperature_K - ZERO_CELSIUS_K
        d["warnings"] = list(self.warnings)
        d.update(self.verdict.to_dict())
        return d


def deconvolve(
    R_stack_ohm: float,
    R_stack_stderr_ohm: float,
    se_geometry: SampleGeometry,
    reference: EBEReference,
    *,
    layer_geometry: SampleGeometry | None = None,
    n_layers: int = 2,
    temperature_K: float | None = None,
    inputs: Verdict | None = None,
) -> DeconvolutionRow:
    """R_SE,ion = R_stack − n·R_eBE and σ_ion = l/(R_SE,ion·A) (see the module docstring).

    ``inputs``: the verdict of the fits the resistances came from (their reasons are kept)."""
    if n_layers < 1:
        raise AnalysisError("the stack needs at least one eBE layer")
    r1, s1 = reference.layer(layer_geometry)
    r_e, s_e = n_layers * r1, n_layers * s1  # the same reference for every layer: errors add linearly
    r_se = R_stack_ohm - r_e
    if r_se <= 0:
        raise AnalysisError(
            f"stack bulk resistance {R_stack_ohm:.4g} Ω is not larger than the {n_layers} eBE layers' {r_e:.4g} Ω: "
            "nothing left for the SE (wrong bulk element, wrong reference or its temperature?)"
        )
    s_se = math.hypot(R_stack_stderr_ohm, s_e)
    k = se_geometry.cell_constant_per_cm
    sigma = k / r_se
    rel = math.sqrt((s_se / r_se) ** 2 + (se_geometry.thickness_stderr_m / se_geometry.thickness_m) ** 2
                    + (se_geometry.area_stderr_m2 / se_geometry.area_m2) ** 2)
    warnings = []
    reasons = list(inputs.reasons) if inputs is not None else []
    if r_se < 0.1 * R_stack_ohm:
        warnings.append(f"R_SE,ion is only {100 * r_se / R_stack_ohm:.1f}% of the stack resistance: a small difference of large numbers")
        reasons.append(Reason("small_difference", warnings[-1]))
    if reference.temperature_K and temperature_K and abs(reference.temperature_K - temperature_K) > 2:
        warnings.append(f"eBE reference at {reference.temperature_K - ZERO_CELSIUS_K:.0f} °C used for the stack at {temperature_K - ZERO_CELSIUS_K:.0f} °C")
        reasons.append(Reason("reference_temperature", warnings[-1]))
    return DeconvolutionRow(temperature_K, R_stack_ohm, R_stack_stderr_ohm, r_e, s_e, r_se, s_se, sigma, sigma * rel,
                            n_layers, reference.source, tuple(warnings), tuple(reasons))


@dataclass(frozen=True)
class DeconvolutionResult:
    rows: tuple[DeconvolutionRow, ...]
    arrhenius: ArrheniusResult | None
    warnings: tuple[str, ...]
    reasons: tuple[Reason, ...] = ()

    @property
    def verdict(self) -> Verdict:
        """The rows' verdicts (failed rows named; dropped from the Arrhenius fit) and the
        Arrhenius fit's."""
        return Verdict.of(self.reasons).merge(self.arrhenius.verdict if self.arrhenius is not None else None)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.verdict.to_dict(),
            "table": [r.to_dict() for r in self.rows],
            "sigma_ion_S_per_cm": [r.sigma_ion_S_per_cm for r in self.rows],
            "arrhenius": None if self.arrhenius is None else self.arrhenius.to_dict(),
            "Ea_eV": None if self.arrhenius is None else self.arrhenius.Ea_eV,
            "warnings": list(self.warnings) + (list(self.arrhenius.warnings) if self.arrhenius is not None else []),
        }


def series_resistor(circuit: str) -> str | None:
    """The circuit's leading series resistor (``R0`` of ``R0-p(R1,CPE1)-…``), or None."""
    first = circuit.split("-")[0].strip()
    return first if re.fullmatch(r"R\w*", first) else None


def stack_bulk_names(circuit: str, bulk: str | Sequence[str]) -> list[str]:
    """The resistors whose sum is the stack's bulk resistance (the module's rule): a list is
    used as given; one name gets the circuit's leading series resistor added."""
    if not isinstance(bulk, str):
        return list(dict.fromkeys(bulk))
    series = series_resistor(circuit)
    return list(dict.fromkeys([bulk] + ([series] if series else [])))


def _bulk_of(fit: Any, geometry: SampleGeometry, names: Sequence[str] | None,
             add_series: bool = False) -> tuple[float, float, str, Verdict]:
    why = ""
    if not names:
        name, why, _ = choose_bulk(fit, geometry)
        names = [name]
        why = f" ({why})"
    if add_series and len(names) == 1:
        names = stack_bulk_names(fit.circuit, names[0])
        if len(names) > 1:
            why += f" + the series resistor {names[1]} (the stack rule)"
    vals = [fit[n] for n in names]
    r = sum(v.value for v in vals)
    s = math.sqrt(sum((v.stderr or 0.0) ** 2 for v in vals))
    v = fit.verdict_for(list(names)) if hasattr(fit, "verdict_for") else Verdict.ok()
    return r, s, "+".join(names) + why, v


_QUANTITY = re.compile(r"^\s*([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*(ohm|Ω|S/cm|mS/cm)\s*$", re.I)


def deconvolve_files(
    stack_files: Sequence[str | Path],
    references: Sequence[str],
    se_geometry: SampleGeometry,
    *,
    circuit: str,
    bulk: Sequence[str] | None = None,
    reference_circuit: str = "R0-CPE1",
    reference_bulk: str | None = None,
    reference_thickness_m: float | None = None,
    layer_thickness_m: float | None = None,
    n_layers: int = 2,
    temperatures: Sequence[str] | None = None,
    convention: str = "sigma",
) -> DeconvolutionResult:
    """Fit stack spectra (and reference spectra), deconvolve each temperature, then Arrhenius."""
    from ..eis import fit_circuit
    from ..io import read
    from .series import temperature_from_name

    area = se_geometry.area_m2
    ref_geom = SampleGeometry(reference_thickness_m, area) if reference_thickness_m else None
    layer_geom = SampleGeometry(layer_thickness_m, area) if layer_thickness_m else ref_geom
    refs: list[EBEReference] = []
    ref_verdicts: dict[int, Verdict] = {}
    for text in references:
        m = _QUANTITY.match(text)
        if m:
            value, unit = float(m.group(1)), m.group(2).lower()
            if unit in ("ohm", "ω"):
                refs.append(EBEReference(value, 0.0, ref_geom, None, f"stated {text}"))
            else:
                if layer_geom is None:
                    raise AnalysisError("an eBE conductivity needs the layer thickness (--layer-thickness)")
                sigma = value * (1e-3 if unit == "ms/cm" else 1.0)
                refs.append(EBEReference.from_conductivity(sigma, layer_geom))
            continue
        spec = read(text, kind="spectrum")[0]
        t = spec.temperature_K or temperature_from_name(text)
        fit = fit_circuit(spec, reference_circuit)
        geom = ref_geom or se_geometry
        r, s, what, v = _bulk_of(fit, geom, [reference_bulk] if reference_bulk else None)
        refs.append(EBEReference(r, s, ref_geom, t, f"{text}: {what}"))
        ref_verdicts[id(refs[-1])] = v
    if not refs:
        raise AnalysisError("give the eBE reference (--reference FILE or '14.6 ohm' or '2e-3 S/cm')")
    rows, warnings = [], []
    given_t = [parse_temperature(t, default_unit="C") for t in temperatures] if temperatures else None
    if given_t is not None and len(given_t) != len(stack_files):
        raise AnalysisError(f"{len(given_t)} temperatures for {len(stack_files)} stack files")
    for k, path in enumerate(stack_files):
        spec = read(path, kind="spectrum")[0]
        t = given_t[k] if given_t else (spec.temperature_K or temperature_from_name(str(path)))
        fit = fit_circuit(spec, circuit)
        r, s, what, v = _bulk_of(fit, se_geometry, bulk, add_series=bulk is None or len(bulk) == 1)
        if len(refs) == 1:
            ref = refs[0]
        else:
            with_t = [x for x in refs if x.temperature_K is not None]
            if t is None or not with_t:
                raise AnalysisError("several references: each stack file and reference needs a temperature to be matched")
            ref = min(with_t, key=lambda x: abs(x.temperature_K - t))
        v = v.merge(from_inputs({"eBE reference": ref_verdicts.get(id(ref), Verdict.ok())}, what="fit of the"))
        row = deconvolve(r, s, se_geometry, ref, layer_geometry=layer_geom, n_layers=n_layers, temperature_K=t,
                         inputs=v)
        rows.append(row)
        warnings += [f"{path}: stack bulk {what}"] + [f"{path}: {w}" for w in row.warnings]
    if len(refs) == 1 and len({r.temperature_K for r in rows}) > 1:
        warnings.append("one eBE reference used at every temperature; the eBE's own resistance changes with temperature")
    arr, reasons = arrhenius_of_rows(rows, convention)
    if arr is None and len(rows) > 1:
        warnings.append("no Arrhenius fit: temperatures unknown or all equal")
    return DeconvolutionResult(tuple(rows), arr, tuple(warnings), reasons)


def arrhenius_of_rows(rows: Sequence[DeconvolutionRow], convention: str = "sigma",
                      weighted: bool = True) -> tuple[ArrheniusResult | None, tuple[Reason, ...]]:
    """The Arrhenius fit of σ_ion over the rows whose verdict is not failed, and the reasons
    naming the rows left out.  ``weighted``: σ's standard errors as weights (when all > 0)."""
    label = {id(r): (f"{r.temperature_K - ZERO_CELSIUS_K:.0f} °C" if r.temperature_K else f"row {i}")
             for i, r in enumerate(rows)}
    bad = [r for r in rows if r.verdict.failed]
    good = [r for r in rows if not r.verdict.failed]
    agg = from_inputs({label[id(r)]: r for r in rows}, dropped=[label[id(r)] for r in bad], what="temperature")
    temps = [r.temperature_K for r in good]
    if not (all(t is not None for t in temps) and len({round(t, 3) for t in temps}) >= 2):
        if bad:
            agg = agg.add("too_few_inputs", "fewer than 2 usable temperatures left: no Arrhenius fit", "failed")
        return None, agg.reasons
    sig = [r.sigma_ion_S_per_cm for r in good]
    err = [r.sigma_ion_stderr_S_per_cm for r in good]
    arr = arrhenius(temps, sig, err if weighted and all(e > 0 for e in err) else None, convention)
    return arr, agg.reasons
