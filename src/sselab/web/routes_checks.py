"""Model-free checks and views of a stored spectrum: Z-HIT, exploratory KK, σ′/M″/ε.

``GET /api/zhit/{measurement_id}``, ``GET /api/kk-explore/{measurement_id}`` and
``GET /api/conductivity-views/{measurement_id}`` (geometry from the measurement's sample, or
``thickness_m``/``area_m2`` query parameters) return the library's ``to_dict()`` — the same
functions as ``sselab eis zhit``, ``sselab eis kk --explore`` and ``sselab eis views``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from ..eis.kk_explore import explore_kk
from ..eis.views import conductivity_views
from ..eis.zhit import zhit
from ..exceptions import SselabError
from .context import Workbench, clean, workbench
from .routes_study import spectrum_or_400

router = APIRouter()


def _run(fn: Any) -> dict[str, Any]:
    try:
        return clean(fn().to_dict())
    except SselabError as exc:
        raise HTTPException(400, str(exc).splitlines()[0]) from None


@router.get("/api/zhit/{measurement_id}")
def zhit_check(measurement_id: int, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Z-HIT of a spectrum (``ZHITResult.to_dict()``)."""
    _, s = spectrum_or_400(wb, measurement_id)
    return _run(lambda: zhit(s))


@router.get("/api/kk-explore/{measurement_id}")
def kk_explore(measurement_id: int, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """μ and pseudo χ² over M with the recommended M (``KKExploration.to_dict()``)."""
    _, s = spectrum_or_400(wb, measurement_id)
    return _run(lambda: explore_kk(s))


@router.get("/api/conductivity-views/{measurement_id}")
def views(measurement_id: int, thickness_m: float | None = None, area_m2: float | None = None,
          wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """σ′(f), M″(f), ε′/ε″(f), σ_dc and the jump frequency (``ConductivityViews.to_dict()``)."""
    row, s = spectrum_or_400(wb, measurement_id)
    t = thickness_m if thickness_m is not None else row.get("thickness_m")
    a = area_m2 if area_m2 is not None else row.get("area_m2")
    if not (t and a and t > 0 and a > 0):
        raise HTTPException(400, "the sample's thickness and area are needed: give thickness_m and area_m2")
    return _run(lambda: conductivity_views(s, thickness_cm=100 * t, area_cm2=1e4 * a))
