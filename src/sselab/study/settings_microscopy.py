"""Manifest settings of SEM micrographs and EDS spectra (``technique: sem`` / ``technique: eds``).

Same defaults as ``sselab sem particles|layers|porosity`` and ``sselab eds quantify``; unknown
keys are errors.  A measurement picks the SEM analysis with its own ``settings:``, e.g.
``settings: {analysis: layers, layers: {n_layers: 5}}`` for a cross-section.

Example
-------
>>> SEMSettings(analysis="layers").layers.smooth_px
2.0
"""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import Field, field_validator

from .settings import _Model


def _length_text(v: Optional[Union[str, float]]) -> Optional[Union[str, float]]:
    from ..exceptions import SselabError
    from ..units import parse_length

    if v is not None:
        try:
            parse_length(v, "um")
        except SselabError as exc:
            raise ValueError(str(exc)) from None
    return v


class SEMParticleSettings(_Model):
    """Particle segmentation (``sselab sem particles``): threshold method or a fraction 0–1."""

    polarity: Literal["bright", "dark"] = "bright"
    threshold: Union[Literal["otsu", "multiotsu", "li", "triangle", "yen"], float] = "otsu"
    smooth_px: float = Field(1.0, ge=0)
    min_area_px: int = Field(12, ge=1)
    split_ratio: float = Field(1.5, ge=0)
    background_px: Optional[int] = Field(None, ge=0)

    @field_validator("threshold")
    @classmethod
    def _fraction(cls, v: Union[str, float]) -> Union[str, float]:
        if isinstance(v, float) and not 0 < v < 1:
            raise ValueError("a numeric threshold is a fraction between 0 and 1")
        return v


class SEMLayerSettings(_Model):
    """Cross-section layers (``sselab sem layers``)."""

    n_layers: Optional[int] = Field(None, ge=2)
    orientation: Literal["horizontal", "vertical"] = "horizontal"
    smooth_px: float = Field(2.0, ge=0)
    min_contrast: float = Field(8.0, gt=0)


class SEMSettings(_Model):
    """SEM micrographs: ``analysis`` particles | layers | porosity.

    ``pixel_size`` (``"11.65 nm"``; bare numbers are µm) overrides the file's calibration;
    ``scale_bar`` (``"100 um"``) measures the burned-in bar of that label instead.
    """

    analysis: Literal["particles", "layers", "porosity"] = "particles"
    pixel_size: Optional[Union[str, float]] = None
    scale_bar: Optional[str] = None
    particles: SEMParticleSettings = SEMParticleSettings()
    layers: SEMLayerSettings = SEMLayerSettings()

    @field_validator("pixel_size", "scale_bar")
    @classmethod
    def _lengths(cls, v: Optional[Union[str, float]]) -> Optional[Union[str, float]]:
        return _length_text(v)


class EDSMapSettings(_Model):
    """Spectrum images (``sselab eds maps``): bin N×N, ``layers`` N (cross-section layers) or
    ``bands`` N (equal bands, 1 = top), their orientation."""

    bin: int = Field(1, ge=1)
    layers: Optional[int] = Field(None, ge=2)
    bands: Optional[int] = Field(None, ge=1)
    orientation: Literal["horizontal", "vertical"] = "horizontal"


class EDSSettings(_Model):
    """EDS spectra (``sselab eds quantify``): Cliff–Lorimer k-factors (standardless when empty),
    ``normalise`` ``{As: 1}`` for a formula per As, elements (default: identified), beam energy
    when the file lacks it, detector FWHM at Mn Kα [eV], which spectrum of the file;
    ``analysis: maps`` analyses a spectrum image as ``sselab eds maps`` (``maps:`` its options)."""

    analysis: Literal["quantify", "maps"] = "quantify"
    maps: EDSMapSettings = EDSMapSettings()

    elements: Optional[tuple[str, ...]] = None
    exclude: tuple[str, ...] = ()
    kfactors: dict[str, float] = Field(default_factory=dict)
    normalise: Optional[dict[str, float]] = None
    beam_keV: Optional[float] = Field(None, gt=0)
    fwhm_mn_eV: float = Field(130.0, gt=0)
    index: int = Field(0, ge=0)

    @field_validator("kfactors")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, x in v.items() if not x > 0]
        if bad:
            raise ValueError(f"k-factors must be positive: {', '.join(bad)}")
        return v

    @field_validator("normalise")
    @classmethod
    def _one(cls, v: Optional[dict[str, float]]) -> Optional[dict[str, float]]:
        if v is not None and (len(v) != 1 or not all(x > 0 for x in v.values())):
            raise ValueError("normalise names one element and a positive amount, e.g. {As: 1}")
        return v
