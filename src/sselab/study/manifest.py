"""The study manifest: a YAML file naming samples, measurements and analysis settings.

Validated with pydantic; every problem is reported with its line, e.g.
``study.yaml, line 12: unknown key 'tempearture' (did you mean 'temperature'?)``.
Unknown keys are errors everywhere, so a typo never silently falls back to a default.
Measurement files and the database must lie inside the manifest's folder (no ``/etc/...``,
no ``../../``; symlinks followed) unless the manifest says ``allow_outside: true``.

Example manifest (``tests/study/data/study.yaml`` is a complete one)::

    study: Mg3AsN
    samples:
      - name: as-BM
        treatment: ball-milled
        thickness: 0.65 mm
        diameter: 13 mm
    measurements:
      - file: eis/asBM_eBE_*.mpt      # a path or glob, relative to this file
        technique: eis                 # eis | dc | cycling | cv | xrd | xps | sem | eds
        cell: Mg|eBE|SE|eBE|Mg
        sample: as-BM
        temperature: 100 °C            # or "373.15 K"; omitted: read from the file
    analysis:
      eis: {circuit: "R0-p(R1,CPE1)-CPE2", bulk_element: R1}
      transport: {arrhenius: sigma}

>>> study = load_manifest("tests/study/data/study.yaml")  # doctest: +SKIP
>>> study.manifest.samples[0].area_m2                     # doctest: +SKIP
0.00013273228961416876
"""

from __future__ import annotations

import difflib
import glob
import os
import stat
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Field, ValidationError, ValidationInfo, field_validator

from ..exceptions import ManifestError, SselabError
from ..units import disc_area, parse_area, parse_length, parse_temperature
from ._yamllines import YamlLinesError, line_of, load_with_lines
from .settings import (  # noqa: F401 - re-exported: the manifest's settings models
    SETTINGS_MODELS,
    AnalysisSettings,
    CVSettings,
    CyclingSettings,
    DCSettings,
    EISSettings,
    TransportSettings,
    XPSPeak,
    XPSSettings,
    XRDSettings,
    _Model,
)

Technique = Literal["eis", "dc", "cycling", "cv", "xrd", "xps", "sem", "eds"]
TECHNIQUES: tuple[str, ...] = get_args(Technique)
#: Default results database, relative to the manifest's folder.
DEFAULT_DB = Path("sselab-results") / "results.sqlite"
Quantity = Union[str, float]


# -- samples and measurements -----------------------------------------------------------------
def _unit_error(fun: Any, value: Any, *args: Any) -> float:
    try:
        return float(fun(value, *args))
    except SselabError as exc:  # UnitError → pydantic error (gets the line)
        raise ValueError(str(exc)) from None


class SampleSpec(_Model):
    """A pellet: geometry with units (``"0.65 mm"``; a bare number is cm, cm²)."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[^/\\]+$")]
    treatment: str | None = None
    thickness: Quantity | None = None
    diameter: Quantity | None = None
    area: Quantity | None = None
    description: str | None = None

    @field_validator("thickness", "diameter")
    @classmethod
    def _length(cls, v: Quantity | None) -> Quantity | None:
        if v is not None:
            _unit_error(parse_length, v, "cm")
        return v

    @field_validator("area")
    @classmethod
    def _area(cls, v: Quantity | None, info: ValidationInfo) -> Quantity | None:
        if v is not None:
            if info.data.get("diameter") is not None:
                raise ValueError("give diameter or area, not both")
            _unit_error(parse_area, v, "cm2")
        return v

    @property
    def thickness_m(self) -> float | None:
        """Thickness [m]."""
        return None if self.thickness is None else parse_length(self.thickness, "cm")

    @property
    def area_m2(self) -> float | None:
        """Electrode area [m²], from ``area`` or the disc ``diameter``."""
        if self.area is not None:
            return parse_area(self.area, "cm2")
        if self.diameter is not None:
            return disc_area(parse_length(self.diameter, "cm"))
        return None


class MeasurementSpec(_Model):
    """One file (or a glob of files) measured on one sample in one cell stack."""

    file: str | tuple[str, ...]
    technique: Technique
    sample: str
    cell: str | None = None
    temperature: Quantity | None = None
    voltage: Quantity | None = None
    label: str | None = None
    settings: dict[str, Any] | None = None

    @field_validator("cell")
    @classmethod
    def _cell(cls, v: str | None) -> str | None:
        if v is None:
            return v
        layers = [part.strip() for part in v.split("|")]
        if len(layers) < 2 or not all(layers):
            raise ValueError(f"cell stack {v!r} must list its layers separated by '|', e.g. 'Au|SE|Au'")
        return "|".join(layers)

    @field_validator("temperature")
    @classmethod
    def _temperature(cls, v: Quantity | None) -> Quantity | None:
        if isinstance(v, (int, float)):
            raise ValueError(f"temperature {v} needs a unit: e.g. '{v} °C' or '{v} K'")
        if v is not None:
            _unit_error(parse_temperature, v)
        return v

    @field_validator("voltage")
    @classmethod
    def _voltage(cls, v: Quantity | None) -> Quantity | None:
        if v is not None:
            _volts(v)
        return v

    @property
    def temperature_K(self) -> float | None:
        """Temperature [K], or ``None`` when it is to be read from the file."""
        return None if self.temperature is None else parse_temperature(self.temperature)

    @property
    def voltage_V(self) -> float | None:
        """Applied voltage [V] (DC polarisation)."""
        return None if self.voltage is None else _volts(self.voltage)


def _volts(v: Quantity) -> float:
    if isinstance(v, (int, float)):
        return float(v)
    text = v.strip()
    for unit, scale in (("mV", 1e-3), ("V", 1.0)):
        if text.endswith(unit):
            try:
                return float(text[: -len(unit)].strip()) * scale
            except ValueError:
                break
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"cannot read voltage {v!r}: expected e.g. '0.5 V' or '500 mV'") from None


class StudyManifest(_Model):
    """The whole manifest file."""

    study: Annotated[str, Field(min_length=1)]
    description: str | None = None
    database: str | None = None
    allow_outside: bool = False
    samples: Annotated[tuple[SampleSpec, ...], Field(min_length=1)]
    measurements: Annotated[tuple[MeasurementSpec, ...], Field(min_length=1)]
    analysis: AnalysisSettings = AnalysisSettings()


@dataclass(frozen=True)
class Study:
    """A validated manifest with its files resolved.

    Attributes
    ----------
    manifest : StudyManifest
    path : Path
        The manifest file (absolute).
    files : tuple of tuple of Path
        The files of each measurement, in manifest order (globs expanded, sorted).
    settings : tuple of dict
        The analysis settings of each measurement: its technique's settings with the
        measurement's own ``settings:`` applied (JSON-able dicts).
    """

    manifest: StudyManifest
    path: Path
    files: tuple[tuple[Path, ...], ...]
    settings: tuple[dict[str, Any], ...]

    @property
    def root(self) -> Path:
        """The folder measurement paths are relative to."""
        return self.path.parent

    @property
    def db_path(self) -> Path | str:
        """Where results go: ``database:`` (a URL, or a path relative to the manifest) or the default."""
        db = self.manifest.database
        if db is None:
            return self.root / DEFAULT_DB
        return db if "://" in db else (self.root / db)

    def sample(self, name: str) -> SampleSpec:
        """The sample called ``name``."""
        for s in self.manifest.samples:
            if s.name == name:
                return s
        raise ManifestError(f"{self.path}: no sample {name!r}")


# -- loading -------------------------------------------------------------------------------------
def _unwrap(ann: Any) -> Any:
    """The model/tuple/dict type inside ``Annotated[...]`` and ``X | None``."""
    while True:
        origin = get_origin(ann)
        if origin is Annotated:
            ann = get_args(ann)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(ann) if a is not type(None)]
            rich = [a for a in options if get_origin(a) in (tuple, dict)
                    or (isinstance(a, type) and issubclass(a, BaseModel))]
            ann = (rich or options)[0]
        else:
            return ann


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """Field names allowed at ``loc`` (for 'did you mean' hints); [] when unknown."""
    ann: Any = StudyManifest
    for part in loc:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel) and isinstance(part, str):
            if part not in ann.model_fields:
                return []
            ann = ann.model_fields[part].annotation
        elif get_origin(ann) in (tuple, dict):
            ann = get_args(ann)[0 if get_origin(ann) is tuple else 1]
        else:
            return []
    ann = _unwrap(ann)
    return list(ann.model_fields) if isinstance(ann, type) and issubclass(ann, BaseModel) else []


def _describe(err: dict[str, Any], loc: tuple[Any, ...]) -> str:
    kind = err["type"]
    where = ".".join(str(p) for p in loc)
    if kind == "extra_forbidden":
        key = loc[-1]
        hint = difflib.get_close_matches(str(key), _fields_at(loc[:-1]), n=1)
        return f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
    if kind == "missing":
        return f"missing key {loc[-1]!r}"
    message = err["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _format_errors(source: str, exc: ValidationError, lines: dict, prefix: tuple[Any, ...] = ()) -> list[str]:
    out = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        # union branches add a loc element naming the type ('str', 'tuple[str, ...]'): drop it
        clean = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p in ("str", "float", "int"))))
        out.append(f"{source}, line {line_of(lines, clean)}: {_describe(err, clean)}")
    return list(dict.fromkeys(out))


def _resolve(root: Path, pattern: str) -> list[Path]:
    full = os.path.join(str(root), os.path.expanduser(pattern))
    if glob.has_magic(pattern):
        return [Path(p) for p in sorted(glob.glob(full, recursive=True)) if os.path.isfile(p)]
    return [Path(full)] if os.path.isfile(full) else []


def real_path(path: str, dirs: dict[str, str]) -> str | None:
    """``os.path.realpath(path)`` of a path whose last part is not a symlink, its folder's real
    path looked up in ``dirs`` (a cache the caller keeps for one batch of paths: many files of
    one folder cost one ``lstat`` each instead of one per path component); None for a path
    this shortcut does not cover (a symlink, ``..`` or ``.`` last, no folder part)."""
    head, tail = os.path.split(path)
    if not head or tail in ("", ".", ".."):
        return None
    real_head = dirs.get(head)
    if real_head is None:
        real_head = dirs[head] = os.path.realpath(head)
    joined = os.path.join(real_head, tail)
    try:
        if stat.S_ISLNK(os.lstat(joined).st_mode):
            return None
    except OSError:  # missing: realpath keeps the name as it is
        pass
    return joined


def _inside(root: Path, path: str | Path, base: str | None = None, dirs: dict[str, str] | None = None) -> bool:
    """Whether ``path`` (symlinks and ``..`` resolved) lies in the folder ``root`` (``base``: its
    ``os.path.realpath`` when the caller resolved it once for many paths; ``dirs``: a
    :func:`real_path` cache for many paths)."""
    full = os.path.join(str(root), os.path.expanduser(str(path)))
    real = real_path(full, dirs) if dirs is not None else None
    real = os.path.realpath(full) if real is None else real
    base = os.path.realpath(str(root)) if base is None else base
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _outside_db(root: Path, db: str | None) -> bool:
    """Whether ``database:`` names a file outside ``root`` (server URLs are not files)."""
    if db is None:
        return False
    if "://" in db:
        scheme, _, rest = db.partition("://")
        if not scheme.startswith("sqlite") or not rest.lstrip("/"):
            return False
        return not _inside(root, rest[1:] if rest.startswith("/") else rest)
    return not _inside(root, db)


def parse_manifest(text: str, path: str | Path) -> Study:
    """Validate manifest ``text`` as if read from ``path`` (files are resolved next to it)."""
    source = str(path)
    try:
        data, lines = load_with_lines(text)
    except YamlLinesError as exc:
        raise ManifestError(f"{source}, line {exc.line}: {exc.message}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{source}, line 1: a manifest is a mapping with 'study', 'samples' and 'measurements'")
    try:
        manifest = StudyManifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError("\n".join(_format_errors(source, exc, lines))) from None
    root = Path(path).resolve().parent
    errors: list[str] = []
    names = [s.name for s in manifest.samples]
    for i, name in enumerate(names):
        if name in names[:i]:
            errors.append(f"{source}, line {line_of(lines, ('samples', i, 'name'))}: duplicate sample {name!r}")
    outside = " is outside the study folder; set 'allow_outside: true' to allow it"
    if not manifest.allow_outside and _outside_db(root, manifest.database):
        errors.append(f"{source}, line {line_of(lines, ('database',))}: database {manifest.database!r}{outside}")
    ref = manifest.analysis.transport.ebe_reference
    if ref is not None and ref not in names:
        errors.append(f"{source}, line {line_of(lines, ('analysis', 'transport', 'ebe_reference'))}: "
                      f"ebe_reference {ref!r} is not a sample ({', '.join(names)})")
    files: list[tuple[Path, ...]] = []
    settings: list[dict[str, Any]] = []
    real_root = os.path.realpath(str(root))
    dirs: dict[str, str] = {}  # real paths of the files' folders, for this parse
    for i, m in enumerate(manifest.measurements):
        if m.sample not in names:
            errors.append(f"{source}, line {line_of(lines, ('measurements', i, 'sample'))}: "
                          f"unknown sample {m.sample!r} (samples: {', '.join(names)})")
        found: list[Path] = []
        patterns = (m.file,) if isinstance(m.file, str) else m.file
        for j, pattern in enumerate(patterns):
            matched = _resolve(root, pattern)
            strays = [] if manifest.allow_outside else [p for p in matched if not _inside(root, p, real_root, dirs)]
            if strays or (not manifest.allow_outside and not glob.has_magic(pattern)
                          and not _inside(root, pattern, real_root, dirs)):
                loc = ("measurements", i, "file") + (() if isinstance(m.file, str) else (j,))
                errors.append(f"{source}, line {line_of(lines, loc)}: file {pattern!r}{outside}")
                continue
            if not matched:
                loc = ("measurements", i, "file") + (() if isinstance(m.file, str) else (j,))
                what = "no file matches" if glob.has_magic(pattern) else "file not found:"
                errors.append(f"{source}, line {line_of(lines, loc)}: {what} {pattern!r} (relative to {root})")
            found.extend(p for p in matched if p not in found)
        files.append(tuple(found))
        base = getattr(manifest.analysis, m.technique).model_dump(mode="json")
        try:
            merged = SETTINGS_MODELS[m.technique].model_validate({**base, **(m.settings or {})})
        except ValidationError as exc:
            errors.extend(_format_errors(source, exc, lines, ("measurements", i, "settings")))
            merged = None
        resolved = merged.model_dump(mode="json") if merged is not None else {}
        for key in ("circuit", "bulk_element") if m.technique == "eis" else ():
            if isinstance(resolved.get(key), dict):  # per cell stack: keep this stack's entry
                if m.cell not in resolved[key]:
                    where = ("measurements", i, "settings", key) if key in (m.settings or {}) \
                        else ("analysis", "eis", key)
                    errors.append(f"{source}, line {line_of(lines, where)}: no {key} for cell stack "
                                  f"{m.cell!r} (measurement {i + 1}); given for: {', '.join(resolved[key])}")
                    continue
                resolved[key] = resolved[key][m.cell]
        settings.append(resolved)
    if errors:
        raise ManifestError("\n".join(errors))
    return Study(manifest=manifest, path=Path(path).resolve(), files=tuple(files), settings=tuple(settings))


def load_manifest(path: str | Path) -> Study:
    """Read and validate a manifest file; raise :class:`ManifestError` naming file and line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(f"{p}: manifest not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{p}: cannot read manifest: {exc}") from None
    return parse_manifest(text, p)
