"""Analysis settings of a study manifest, one pydantic model per technique.

Unknown keys are errors (``extra="forbid"``); every field has a default, so a manifest names
only what it changes.

Example
-------
>>> EISSettings(weighting="unit").circuit
'R0-p(R1,CPE1)-CPE2'
"""

from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field

PerStack = Union[str, dict[str, str]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class EISSettings(_Model):
    """Equivalent-circuit fitting of impedance spectra.

    ``circuit`` and ``bulk_element`` may be one string or a mapping cell stack → string.
    """

    circuit: PerStack = "R0-p(R1,CPE1)-CPE2"
    bulk_element: PerStack = "R1"
    weighting: Literal["unit", "modulus", "proportional"] = "modulus"
    f_min_Hz: float | None = None
    f_max_Hz: float | None = None
    kramers_kronig: bool = True
    drt: bool = False


class TransportSettings(_Model):
    """Conductivity, Arrhenius and eBE deconvolution.

    ``arrhenius``: ``"sigma"`` fits σ = σ0·exp(−Ea/kT) (the paper's), ``"sigmaT"`` fits σT.
    ``ebe_reference``: the sample whose iBE|eBE|iBE spectra give the eBE's own resistance.
    """

    arrhenius: Literal["sigma", "sigmaT"] = "sigma"
    ebe_reference: str | None = None
    ebe_layers: int = Field(2, ge=1)


class DCSettings(_Model):
    """Chronoamperometry: steady state from the last ``steady_fraction`` of each transient."""

    steady_fraction: float = Field(0.1, gt=0, le=0.5)
    initial_current: Literal["first", "extrapolate"] = "first"


class CyclingSettings(_Model):
    """Galvanostatic plating/stripping."""

    min_half_cycle_s: float = Field(1.0, ge=0)


class CVSettings(_Model):
    """Cyclic voltammetry."""

    smooth_points: int = Field(1, ge=1)


class XRDSettings(_Model):
    """Rietveld refinement and Williamson–Hall analysis."""

    phases: tuple[str, ...] = ("Mg3AsN",)
    two_theta_min_deg: float | None = None
    two_theta_max_deg: float | None = None
    williamson_hall: bool = True
    scherrer_K: float = Field(0.9, gt=0)


class XPSPeak(_Model):
    """One component of an XPS region model."""

    name: str
    position_eV: float
    shape: str = "GL(30)"
    fwhm_eV: float | None = None


class XPSSettings(_Model):
    """XPS peak fitting: ``model`` maps a region (``"As 3d"``) to its components."""

    background: Literal["shirley", "linear"] = "shirley"
    charge_reference_eV: float = 284.8
    model: dict[str, tuple[XPSPeak, ...]] = Field(default_factory=dict)


class AnalysisSettings(_Model):
    """Analysis choices per technique (all optional, with the defaults above)."""

    eis: EISSettings = EISSettings()
    transport: TransportSettings = TransportSettings()
    dc: DCSettings = DCSettings()
    cycling: CyclingSettings = CyclingSettings()
    cv: CVSettings = CVSettings()
    xrd: XRDSettings = XRDSettings()
    xps: XPSSettings = XPSSettings()


#: The settings model of each technique (per-measurement ``settings:`` are checked against it).
SETTINGS_MODELS: dict[str, type[_Model]] = {
    "eis": EISSettings, "dc": DCSettings, "cycling": CyclingSettings, "cv": CVSettings,
    "xrd": XRDSettings, "xps": XPSSettings,
}
