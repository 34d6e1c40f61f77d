"""SEM micrographs in the workbench: the image as PNG (rendered on the server) and its calibration.

``GET /api/sem/{id}`` gives the reader's summary (pixel size [µm] and where it came from, vendor,
size) and the last stored ``sem_image`` analysis; ``GET /api/sem/{id}/image.png`` the micrograph
(grey levels stretched to 8 bit, long sides reduced to ≤ 1024 px, the data bar left out);
``GET /api/sem/{id}/figure/{name}.png`` a figure of the stored analysis drawn by the report's
functions (:mod:`sselab.report.microscopy`): ``overlay`` (segmentation over the micrograph),
``sizes`` (size distribution with log-normal and d10/d50/d90), ``layers`` (profile with the
boundaries), ``pores`` (pores tinted).
EDS spectra need nothing here: the measurement page plots their energy/counts arrays.

Example
-------
>>> sorted(r.path for r in router.routes)
['/api/sem/{measurement_id}', '/api/sem/{measurement_id}/figure/{name}.png', '/api/sem/{measurement_id}/image.png']
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from .context import Workbench, clean, workbench
from .routes_study import load_or_404

router = APIRouter()
MAX_SIDE = 1024


def _sem_or_400(wb: Workbench, measurement_id: int) -> tuple[dict[str, Any], Any]:
    from ..microscopy.image import SEMImage

    row, m = load_or_404(wb, measurement_id)
    if not isinstance(m, SEMImage):
        raise HTTPException(400, f"measurement {measurement_id} is not an SEM image ({row['technique']})")
    return row, m


def png_bytes(data: np.ndarray, max_side: int = MAX_SIDE) -> bytes:
    """8-bit greyscale PNG of ``data`` (0.5–99.5 % percentile stretch, strided to ≤ ``max_side``)."""
    from matplotlib.image import imsave

    a = np.asarray(data, float)
    if a.ndim == 3:
        a = a[..., :3].mean(axis=2)
    step = max(1, int(np.ceil(max(a.shape) / max_side)))
    a = a[::step, ::step]
    lo, hi = np.percentile(a, [0.5, 99.5])
    g = np.clip((a - lo) / (hi - lo if hi > lo else 1.0) * 255, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    imsave(buf, g, cmap="gray", vmin=0, vmax=255, format="png")
    return buf.getvalue()


def result_summary(result: dict[str, Any]) -> str | None:
    """One line for an SEM/EDS result (d50, boundaries, pore fraction, formula, EDS map regions);
    ``None`` otherwise."""
    if result.get("analysis") == "maps" and result.get("mean_atomic_percent") is not None:
        reg = result.get("region_atomic_percent") or {"mean": result["mean_atomic_percent"]}
        return "; ".join(f"{k}: " + ", ".join(f"{el} {v:.1f}" for el, v in c.items()) + " at.%"
                         for k, c in reg.items())
    if result.get("formula_text"):
        return f"formula {result['formula_text']}"
    if "atomic_percent" in result:
        return ", ".join(f"{el} {v:.1f}" for el, v in result["atomic_percent"].items()) + " at.%"
    for unit in ("um", "px"):
        if result.get(f"d50_{unit}") is not None and result[f"d50_{unit}"] == result[f"d50_{unit}"]:
            u = "µm" if unit == "um" else "px"
            return (f"{result['n_particles']} particles, d10/d50/d90 {result[f'd10_{unit}']:.3g}/"
                    f"{result[f'd50_{unit}']:.3g}/{result[f'd90_{unit}']:.3g} {u}")
    if result.get("layers"):
        return "layers " + ", ".join(f"{ly['thickness_um']:.3g} µm" if ly.get("thickness_um") is not None
                                     else f"{ly['thickness_px']:.3g} px" for ly in result["layers"])
    if "pore_area_fraction" in result:
        from ..numfmt import format_uncertain

        return "pore area fraction " + format_uncertain(result["pore_area_fraction"], result.get("pore_area_fraction_stderr"), style="pm")
    return None


@router.get("/api/sem/{measurement_id}")
def sem_info(measurement_id: int, wb: Workbench = Depends(workbench)) -> dict[str, Any]:
    """Pixel size and its source, image size, and the latest stored analysis of the image."""
    row, img = _sem_or_400(wb, measurement_id)
    done = [a for a in wb.data.analyses_of(measurement_id, "sem_image") if a.get("result")]
    return clean({"id": row["id"], "summary": img.summary(), "pixel_size_um": img.pixel_size_um,
                  "pixel_size_source": img.pixel_size_source, "shape_px": list(img.shape),
                  "analysis": done[-1]["result"] if done else None})


@router.get("/api/sem/{measurement_id}/image.png")
def sem_png(measurement_id: int, wb: Workbench = Depends(workbench)) -> Response:
    """The micrograph as PNG."""
    _, img = _sem_or_400(wb, measurement_id)
    return Response(png_bytes(img.data), media_type="image/png", headers={"Cache-Control": "no-store"})


#: figure name -> the report's function that draws it from a stored result row
FIGURES = {"overlay": "particle_overlay", "sizes": "particle_histogram", "layers": "layer_profile",
           "pores": "pellet_pores"}


@router.get("/api/sem/{measurement_id}/figure/{name}.png")
def sem_figure(measurement_id: int, name: str, wb: Workbench = Depends(workbench)) -> Response:
    """A figure of the image's latest stored analysis, as the report draws it (PNG, 150 dpi)."""
    from ..report import microscopy as figs
    from ..report.style import RC

    if name not in FIGURES:
        raise HTTPException(404, f"no figure {name!r} (one of {', '.join(FIGURES)})")
    row, _ = _sem_or_400(wb, measurement_id)
    done = [a for a in wb.data.analyses_of(measurement_id, "sem_image") if a.get("result")]
    if not done:
        raise HTTPException(404, f"measurement {measurement_id} has no stored SEM analysis")
    entry = {"sample": row.get("sample"), "result": done[-1]["result"],
             "measurements": [{"path": str(wb.data.file_of(row))}]}
    fn = getattr(figs, FIGURES[name])
    fig = fn(entry, (wb.data.root,)) if name in ("overlay", "pores") else fn(entry)
    if fig is None:
        raise HTTPException(404, f"the stored {done[-1]['result'].get('analysis', 'SEM')} analysis has no {name} figure")
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    with plt.rc_context(RC):
        fig.savefig(buf, format="png", dpi=150)
    plt.close(fig)
    return Response(buf.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"})
