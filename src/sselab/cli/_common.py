"""Helpers shared by the command modules: JSON output and geometry options."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import typer

from ..exceptions import SselabError


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def echo_json(obj: Any) -> None:
    """Print ``obj`` as JSON (NaN/inf become null, numpy types become plain)."""
    typer.echo(json.dumps(_clean(obj), indent=2, allow_nan=False))


def geometry(thickness: str | None, diameter: str | None, area: str | None, accuracy: str | None = None):
    """The sample's :class:`~sselab.transport.geometry.SampleGeometry` from CLI strings
    (bare numbers are cm / cm², the field's units); missing flags are named as flags."""
    from ..transport.geometry import SampleGeometry

    if thickness is None:
        raise SselabError("missing --thickness (e.g. --thickness '0.65 mm')")
    if diameter is None and area is None:
        raise SselabError("missing --diameter or --area (e.g. --diameter '13 mm' or --area '1.327 cm2')")
    return SampleGeometry.from_text(thickness, diameter, area, accuracy)
