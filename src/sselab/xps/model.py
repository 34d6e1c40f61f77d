"""Peak models: a description of a region's components, with no fitted numbers in it.

A :class:`PeakModel` names the region, its components (position, width, shape, bounds,
an optional spin–orbit :class:`Doublet`), links between components (:class:`Link`: same
width, fixed position offset, area ratio) and the background (kind, fixed or refined with
the peaks).  It is saved and loaded as a small YAML file (:func:`sselab.safeyaml.safe_load`; nothing in
it is evaluated: links are structured fields, turned into constraints by the fitting
adapter alone).

Spin–orbit doublets: the major line (j = l + 1/2, lower binding energy) is the component;
the minor line sits ``splitting_eV`` higher with the same width and area ×
``area_ratio`` (1/2 for p, 2/3 for d, 3/4 for f: (2j+1) degeneracies).

Examples
--------
>>> m = PeakModel("As 3d", (Component("As3-", 39.7, doublet=Doublet.for_level("As 3d")),))
>>> m.components[0].doublet.area_ratio, m.components[0].doublet.splitting_eV
(0.6666666666666666, 0.69)
>>> PeakModel.from_yaml(m.to_yaml()) == m
True
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..exceptions import ParameterError
from .lineshapes import get_shape, shape_params

#: Spin–orbit splittings [eV] (NIST XPS Database / Moulder et al., Handbook of XPS, 1992;
#: As 3d and Mg 2p as quoted in the Mg3AsN paper, REFERENCE §4).
SPIN_ORBIT_EV: Mapping[str, float] = {
    "As 3d": 0.69, "Mg 2p": 0.28, "S 2p": 1.18, "Zr 3d": 2.43, "Mo 3d": 3.13, "Pt 4f": 3.33,
    "W 4f": 2.18, "Ni 2p": 17.3, "Sn 3d": 8.41, "Si 2p": 0.61, "Al 2p": 0.44, "Au 4f": 3.67,
    "Cu 2p": 19.8, "Fe 2p": 13.1, "Ti 2p": 5.7,
}
AREA_RATIO = {"p": 1 / 2, "d": 2 / 3, "f": 3 / 4}
QUANTITIES = ("position", "fwhm", "area")
BACKGROUND_KINDS = ("none", "linear", "shirley", "smart", "tougaard", "tougaard3")


def orbital_letter(level: str) -> str | None:
    """'As 3d' → 'd'; None for s levels or unparsable names."""
    m = re.search(r"\d([spdf])", level)
    return m.group(1) if m else None


@dataclass(frozen=True)
class Doublet:
    """Spin–orbit partner: fixed splitting [eV] and minor/major area ratio, shared FWHM."""

    splitting_eV: float
    area_ratio: float

    @classmethod
    def for_level(cls, level: str, splitting_eV: float | None = None) -> "Doublet":
        """The doublet of a core level ('As 3d'), splitting from :data:`SPIN_ORBIT_EV`."""
        letter = orbital_letter(level)
        if letter not in AREA_RATIO:
            raise ParameterError(f"{level!r} is not a p, d or f level; it has no spin–orbit doublet")
        if splitting_eV is None:
            key = next((k for k in SPIN_ORBIT_EV if k.lower() == level.strip().lower()), None)
            if key is None:
                raise ParameterError(f"no tabulated spin–orbit splitting for {level!r}; give splitting_eV")
            splitting_eV = SPIN_ORBIT_EV[key]
        return cls(float(splitting_eV), AREA_RATIO[letter])


@dataclass(frozen=True)
class Component:
    """One chemical state: start position and width [eV], shape, bounds, optional doublet.

    ``position_range_eV`` is the half-width of the allowed position interval around the
    start value, unless ``position_bounds_eV`` (lower, upper) gives the interval itself (as
    CasaXPS's position constraints do); ``area`` an optional start value (guessed from the
    data when None).
    """

    name: str
    position_eV: float
    fwhm_eV: float = 1.2
    shape: str = "GL"
    shape_params: Mapping[str, float] = field(default_factory=dict)
    position_range_eV: float = 1.0
    fwhm_bounds_eV: tuple[float, float] = (0.3, 4.0)
    fix_position: bool = False
    fix_fwhm: bool = False
    area: float | None = None
    doublet: Doublet | None = None
    position_bounds_eV: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if "(" in self.shape:  # CasaXPS syntax: "SGL(30)", "LA(1.1,2.5)"
            from .casa_shapes import parse_shape_text

            name, parsed = parse_shape_text(self.shape)
            object.__setattr__(self, "shape", name)
            object.__setattr__(self, "shape_params", {**parsed, **dict(self.shape_params)})
        get_shape(self.shape)
        object.__setattr__(self, "shape_params", dict(shape_params(self.shape, self.shape_params)))
        object.__setattr__(self, "fwhm_bounds_eV", tuple(float(v) for v in self.fwhm_bounds_eV))
        lo, hi = self.fwhm_bounds_eV
        if not 0 < lo < hi or not lo <= self.fwhm_eV <= hi:
            raise ParameterError(f"component {self.name!r}: fwhm {self.fwhm_eV} eV outside bounds {self.fwhm_bounds_eV}")
        if self.position_range_eV < 0:
            raise ParameterError(f"component {self.name!r}: position_range_eV must be >= 0")
        if self.position_bounds_eV is not None:
            lo, hi = (float(v) for v in self.position_bounds_eV)
            if not lo <= self.position_eV <= hi:
                raise ParameterError(f"component {self.name!r}: position {self.position_eV} eV outside "
                                     f"position_bounds_eV {self.position_bounds_eV}")
            object.__setattr__(self, "position_bounds_eV", (lo, hi))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Component) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.name)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["shape_params"] = dict(self.shape_params)
        d["fwhm_bounds_eV"] = list(self.fwhm_bounds_eV)
        if self.position_bounds_eV is None:
            d.pop("position_bounds_eV")
        else:
            d["position_bounds_eV"] = list(self.position_bounds_eV)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Component":
        d = dict(d)
        unknown = set(d) - set(cls.__dataclass_fields__)
        if unknown:
            raise ParameterError(f"component: unknown keys {sorted(unknown)}")
        if d.get("doublet") is not None:
            d["doublet"] = Doublet(**d["doublet"])
        if "fwhm_bounds_eV" in d:
            d["fwhm_bounds_eV"] = tuple(d["fwhm_bounds_eV"])
        return cls(**d)


@dataclass(frozen=True)
class Link:
    """``target``'s quantity tied to ``source``'s: position = source + offset_eV;
    fwhm or area = source × factor."""

    target: str
    quantity: str
    source: str
    offset_eV: float = 0.0
    factor: float = 1.0

    def __post_init__(self) -> None:
        if self.quantity not in QUANTITIES:
            raise ParameterError(f"link quantity {self.quantity!r}; expected one of {QUANTITIES}")
        if self.factor <= 0:
            raise ParameterError(f"link factor must be > 0, got {self.factor}")


@dataclass(frozen=True)
class PeakModel:
    """A region's peak model (see module docstring)."""

    region: str
    components: tuple[Component, ...]
    links: tuple[Link, ...] = ()
    background: str = "shirley"
    refine_background: bool = False
    window_eV: tuple[float, float] | None = None
    #: points averaged at each window end for the background's end levels (CasaXPS's region "Av Width")
    background_avg_points: int = 3
    #: how the end levels are taken: "inside" (``background_avg_points`` points inside each window end) or
    #: "casa" (CasaXPS: points centred on each window limit, outside ones included; backgrounds.casa_end_levels)
    background_ends: str = "inside"
    #: fixed background parameters: tougaard B, C; tougaard3 B, C, D, T0 (else computed, see backgrounds)
    background_params: Mapping[str, float] = field(default_factory=dict)
    #: residual weights: "poisson" (σ = √max(I, 1)) or "uniform" (one σ for all points, unweighted least
    #: squares: what CasaXPS's stored fits minimise, see sselab.xps.casa)
    weights: str = "poisson"

    def __post_init__(self) -> None:
        if self.weights not in ("poisson", "uniform"):
            raise ParameterError(f"weights must be 'poisson' or 'uniform', got {self.weights!r}")
        allowed = {"tougaard": {"B", "C"}, "tougaard3": {"B", "C", "D", "T0"}}.get(self.background, set())
        extra = set(self.background_params) - allowed
        if extra:
            raise ParameterError(f"background_params {sorted(extra)} do not apply to the {self.background} background"
                                 f"{' (it takes ' + ', '.join(sorted(allowed)) + ')' if allowed else ''}")
        try:
            object.__setattr__(self, "background_params", {k: float(v) for k, v in self.background_params.items()})
        except (TypeError, ValueError):
            raise ParameterError(f"background_params must be numbers, got {dict(self.background_params)!r}") from None
        if self.background_ends not in ("inside", "casa"):
            raise ParameterError(f"background_ends must be 'inside' or 'casa', got {self.background_ends!r}")
        least = 0 if self.background_ends == "casa" else 1
        if isinstance(self.background_avg_points, bool) or int(self.background_avg_points) != self.background_avg_points \
                or self.background_avg_points < least:
            raise ParameterError(f"background_avg_points must be a whole number >= {least}, "
                                 f"got {self.background_avg_points!r}")
        object.__setattr__(self, "background_avg_points", int(self.background_avg_points))
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "links", tuple(self.links))
        if not self.components:
            raise ParameterError(f"peak model for {self.region!r} has no components")
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            raise ParameterError(f"component names must be unique, got {names}")
        if self.background not in BACKGROUND_KINDS:
            raise ParameterError(f"background {self.background!r}; expected one of {BACKGROUND_KINDS}")
        if self.background in ("tougaard3", "smart") and self.refine_background:
            raise ParameterError(f"the {self.background} background is computed from the data, not refined: "
                                 "use refine_background: false")
        for link in self.links:
            for who in (link.target, link.source):
                if who not in names:
                    raise ParameterError(f"link names unknown component {who!r}; components are {names}")
            if link.target == link.source:
                raise ParameterError(f"component {link.target!r} linked to itself")
        if self.window_eV is not None:
            object.__setattr__(self, "window_eV", tuple(sorted(float(v) for v in self.window_eV)))

    def index(self, name: str) -> int:
        return [c.name for c in self.components].index(name)

    def to_dict(self) -> dict[str, Any]:
        d = {"region": self.region, "background": self.background,
             "refine_background": self.refine_background,
             "window_eV": list(self.window_eV) if self.window_eV else None,
             "components": [c.to_dict() for c in self.components],
             "links": [asdict(link) for link in self.links]}
        if self.background_avg_points != 3:
            d["background_avg_points"] = self.background_avg_points
        if self.background_ends != "inside":
            d["background_ends"] = self.background_ends
        if self.background_params:
            d["background_params"] = dict(self.background_params)
        if self.weights != "poisson":
            d["weights"] = self.weights
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "PeakModel":
        if not isinstance(d, Mapping) or "region" not in d or "components" not in d:
            raise ParameterError("a peak model needs 'region' and 'components'")
        unknown = set(d) - {"region", "background", "refine_background", "window_eV", "components", "links",
                            "background_avg_points", "background_ends", "background_params", "weights"}
        if unknown:
            raise ParameterError(f"peak model: unknown keys {sorted(unknown)}")
        try:
            links = tuple(Link(**link) for link in d.get("links") or ())
        except TypeError as exc:
            raise ParameterError(f"bad link: {exc}") from None
        return cls(region=str(d["region"]),
                   components=tuple(Component.from_dict(c) for c in d["components"]),
                   links=links, background=d.get("background", "shirley"),
                   refine_background=bool(d.get("refine_background", False)),
                   window_eV=tuple(d["window_eV"]) if d.get("window_eV") else None,
                   background_avg_points=d.get("background_avg_points", 3),
                   background_ends=d.get("background_ends", "inside"),
                   background_params=d.get("background_params") or {},
                   weights=d.get("weights", "poisson"))

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str) -> "PeakModel":
        from ..safeyaml import YamlBombError, safe_load

        try:
            data = safe_load(text)
        except YamlBombError as exc:
            raise ParameterError(f"peak model YAML, {exc}") from None
        except yaml.YAMLError as exc:
            raise ParameterError(f"peak model YAML is malformed: {exc}") from None
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:  # wrong shapes/types in the file
            raise ParameterError(f"peak model YAML: {type(exc).__name__}: {str(exc)[:200]}") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "PeakModel":
        p = Path(path)
        if not p.is_file():
            raise ParameterError(f"peak model file {p} not found")
        return cls.from_yaml(p.read_text(encoding="utf-8"))

    @classmethod
    def from_positions(cls, region: str, positions_eV: list[float], names: list[str] | None = None,
                       shape: str = "GL", fwhm_eV: float = 1.2, doublets: bool = False,
                       background: str = "shirley", fwhm_bounds_eV: tuple[float, float] | None = None,
                       **kw: Any) -> "PeakModel":
        """A model with one component per position (the CLI's ``--components``).

        ``fwhm_bounds_eV`` default: (0.3, 4.0) eV widened to hold the start FWHM with room on
        both sides, (min(0.3, fwhm/2), max(4.0, 2·fwhm)), so that a start value never sits on a
        bound (where the fit cannot move it) and a broad satellite (``fwhm_eV=8``) is accepted.
        """
        if fwhm_bounds_eV is None:
            fwhm_bounds_eV = (min(0.3, fwhm_eV / 2), max(4.0, 2 * fwhm_eV))
        names = names or [f"{region.replace(' ', '')}_{p:g}" for p in positions_eV]
        if len(names) != len(positions_eV):
            raise ParameterError(f"{len(names)} names for {len(positions_eV)} positions")
        dbl = Doublet.for_level(region) if doublets else None
        comps = tuple(Component(n, float(p), fwhm_eV, shape, doublet=dbl, fwhm_bounds_eV=tuple(fwhm_bounds_eV))
                      for n, p in zip(names, positions_eV))
        return cls(region, comps, background=background, **kw)


def point_variance(counts: Any, weights: str) -> Any:
    """Variance of each point of a spectrum under a weighting rule (:attr:`PeakModel.weights`):
    ``"poisson"`` max(I, 1); ``"uniform"`` max(mean I, 1) at every point.  The one place the rule is
    written: the fit weights its residuals by its square root (:mod:`sselab.xps.fit`) and the CasaXPS
    comparison computes χ² of a stored model with it (:mod:`sselab.xps.casa`)."""
    import numpy as np

    y = np.asarray(counts, float)
    if weights == "poisson":
        return np.maximum(y, 1.0)
    if weights == "uniform":
        return np.full_like(y, max(float(np.mean(y)), 1.0))
    raise ParameterError(f"weights must be 'poisson' or 'uniform', got {weights!r}")
