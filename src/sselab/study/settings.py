"""Analysis settings of a study manifest, one pydantic model per technique.

Unknown keys are errors (``extra="forbid"``); every field has a default, so a manifest names
only what it changes.

Example
-------
>>> EISSettings(weighting="unit").circuit
'R0-p(R1,CPE1)-CPE2'
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

PerStack = Union[str, dict[str, str]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class EISSettings(_Model):
    """Equivalent-circuit fitting of impedance spectra.

    ``circuit`` and ``bulk_element`` may be one string or a mapping cell stack → string.
    Every setting has an effect (recorded in the result's ``settings_applied``):
    ``f_min_Hz``/``f_max_Hz`` limit the points fitted; ``kramers_kronig`` runs the KK test on
    them (a failed test is a ``kk_invalid`` warning on the fit); ``drt`` adds the DRT;
    ``spectrum_index`` picks the spectrum of a multi-spectrum file (a note says when the file
    holds more than one); ``"all"`` analyses every spectrum of the file, one ``eis_fit`` task
    each (task id ``file[k]``; ``sselab eis fit --all``), and the sample's series and ageing
    tasks use them all (``sselab eis series --all``).
    """

    circuit: PerStack = "R0-p(R1,CPE1)-CPE2"
    bulk_element: PerStack = "R1"
    weighting: Literal["unit", "modulus", "proportional"] = "modulus"
    f_min_Hz: float | None = Field(None, gt=0)
    f_max_Hz: float | None = Field(None, gt=0)
    #: leave out inductive points (Im Z > 0) and points by 0-based index (see sselab.eis.mask)
    drop_inductive: bool = False
    mask: tuple[int, ...] = ()
    #: global fit of each sample's spectra (sselab.eis.global_fit): parameters shared by all of
    #: them (``["CPE2.n"]``) and resistances tied by R = R0 exp(Ea/kT) (``["R1"]``)
    global_shared: tuple[str, ...] = ()
    global_arrhenius: tuple[str, ...] = ()
    kramers_kronig: bool = True
    drt: bool = False
    spectrum_index: Union[Annotated[int, Field(ge=0)], Literal["all"]] = 0


class TransportSettings(_Model):
    """Conductivity, Arrhenius and eBE deconvolution.

    ``arrhenius``: ``"sigma"`` fits σ = σ0·exp(−Ea/kT) (the paper's), ``"sigmaT"`` fits σT.
    ``ebe_reference``: the sample whose iBE|eBE|iBE spectra give the eBE's own resistance.
    """

    arrhenius: Literal["sigma", "sigmaT"] = "sigma"
    ebe_reference: str | None = None
    ebe_layers: int = Field(2, ge=1)


class DCSettings(_Model):
    """Chronoamperometry: steady state from the last ``steady_fraction`` of each transient.

    ``initial_current``: ``auto`` (the first point at the set potential, or the decay fit
    extrapolated to t = 0 when the recorded first point precedes it — what ``sselab dc tion``
    does), ``first`` or ``extrapolated`` (``extrapolate`` is read as ``extrapolated``)."""

    steady_fraction: float = Field(0.1, gt=0, le=0.5)
    initial_current: Literal["auto", "first", "extrapolated", "extrapolate"] = "auto"


class CyclingSettings(_Model):
    """Galvanostatic plating/stripping.

    ``protocol``: ``"constant"`` (one current: overpotentials per cycle) or ``"stepped"`` (a
    critical-current-density test: task kind ``ccd``, :func:`sselab.cycling.ccd.critical_current_density`).
    """

    min_half_cycle_s: float = Field(1.0, ge=0)
    protocol: Literal["constant", "stepped"] = "constant"


class CVSettings(_Model):
    """Cyclic voltammetry."""

    smooth_points: int = Field(1, ge=1)


class XRDSettings(_Model):
    """Rietveld refinement (and optionally Williamson–Hall) of powder patterns.

    ``phases``: candidate phases, built-in names (:data:`sselab.xrd.BUILTIN`) or CIF paths
    relative to the manifest; the first is the main phase (Williamson–Hall uses its
    reflections).  ``two_theta_min_deg``/``two_theta_max_deg`` limit the refined range.
    """

    phases: tuple[str, ...] = ("Mg3AsN",)
    two_theta_min_deg: float | None = None
    two_theta_max_deg: float | None = None
    n_background: int = Field(6, ge=1, le=20)
    refine_b: bool = False
    #: free coordinates (within site symmetry) and B of every site, and the occupancies of the
    #: main phase's sites but its largest (which holds the scale): the paper's Table 1
    refine_atoms: bool = False
    williamson_hall: bool = True
    scherrer_K: float = Field(0.9, gt=0)


_SHAPE = re.compile(r"^([A-Za-z]+)(?:\((\d+(?:\.\d*)?)\))?$")


def parse_shape(text: str) -> tuple[str, dict[str, float]]:
    """CasaXPS-style shape names: ``"GL(30)"`` → ``("GL", {"m": 0.3})``, ``"PV"`` → ``("PV", {})``.

    >>> parse_shape("GL(30)")
    ('GL', {'m': 0.3})
    """
    from ..xps.lineshapes import SHAPES

    m = _SHAPE.fullmatch(text.strip())
    if m is None or m.group(1) not in SHAPES:
        raise ValueError(f"line shape {text!r}: expected one of {', '.join(SHAPES)}, e.g. 'GL(30)'")
    name, number = m.group(1), m.group(2)
    if number is None:
        return name, {}
    if name not in ("GL", "SGL"):
        raise ValueError(f"line shape {text!r}: only GL(m) and SGL(m) take a number (the Lorentzian % m)")
    value = float(number)
    if not 0 <= value <= 100:
        raise ValueError(f"line shape {text!r}: the Lorentzian % must be within 0–100")
    return name, {"m": value / 100}


class XPSPeak(_Model):
    """One component of an XPS region model: start position [eV], shape (``"GL(30)"``),
    optional start FWHM [eV], allowed position range ± [eV], spin–orbit doublet or single."""

    name: str
    position_eV: float
    shape: str = "GL(30)"
    fwhm_eV: float | None = None
    position_range_eV: float = Field(0.5, ge=0)
    doublet: bool = False

    @field_validator("shape")
    @classmethod
    def _shape(cls, v: str) -> str:
        parse_shape(v)
        return v


class XPSSettings(_Model):
    """XPS depth profiles: ``model`` maps a region (``"As 3d"``) to its components.

    Each file is one depth profile (its regions grouped by sputter time); the model is fitted
    to every step with positions and widths shared, and each step quantified (atomic %).
    ``sputter_rate_nm_per_min`` turns sputter time into depth (the paper: ~1 nm/min).
    A ``C 1s`` region, when measured, is put at ``charge_reference_eV``.
    ``spectrum_region``: the region whose fitted surface spectrum the result keeps as its
    ``curves`` (default: the model's first region by name).
    """

    background: Literal["shirley", "linear"] = "shirley"
    charge_reference_eV: float = 284.8
    sputter_rate_nm_per_min: float = Field(1.0, gt=0)
    spectrum_region: str | None = None
    model: dict[str, tuple[XPSPeak, ...]] = Field(default_factory=dict)


from .settings_microscopy import EDSSettings, SEMSettings  # noqa: E402 - they subclass _Model


class AnalysisSettings(_Model):
    """Analysis choices per technique (all optional, with the defaults above)."""

    eis: EISSettings = EISSettings()
    transport: TransportSettings = TransportSettings()
    dc: DCSettings = DCSettings()
    cycling: CyclingSettings = CyclingSettings()
    cv: CVSettings = CVSettings()
    xrd: XRDSettings = XRDSettings()
    xps: XPSSettings = XPSSettings()
    sem: SEMSettings = SEMSettings()
    eds: EDSSettings = EDSSettings()


#: The settings model of each technique (per-measurement ``settings:`` are checked against it).
SETTINGS_MODELS: dict[str, type[_Model]] = {
    "eis": EISSettings, "dc": DCSettings, "cycling": CyclingSettings, "cv": CVSettings,
    "xrd": XRDSettings, "xps": XPSSettings, "sem": SEMSettings, "eds": EDSSettings,
}
