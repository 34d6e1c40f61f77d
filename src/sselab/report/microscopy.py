"""The report's SEM/EDS section: figures and a table from stored ``sem_image`` / ``eds_quantify`` results.

- particle size histogram (log bins) with the fitted log-normal and d10/d50/d90;
- the segmentation over the micrograph (equivalent circles at the particles' centroids; the image
  is read from the measurement's file when it is found next to the store, else circles only);
- the layer profile across a cross-section with the boundaries found;
- the pores of a polished pellet section tinted over the micrograph (porosity);
- the EDS spectrum with the identified lines marked;
- :func:`table`: one row per result (d10/d50/d90, layer thicknesses, formula / atomic %).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import style

METHODS = ("sem_image", "eds_quantify")


def _u(res: dict[str, Any]) -> str:
    return "um" if res.get("d50_um") is not None else "px"


def particle_histogram(row: dict[str, Any]) -> Any:
    """Histogram of equivalent diameters with the log-normal density and d10/d50/d90."""
    res = row["result"] or {}
    u = _u(res)
    d = np.asarray(res.get(f"diameters_{u}") or [], float)
    if d.size < 2:
        return None
    fig, ax = style.figure(4.2, 3.0)
    bins = np.geomspace(d.min() * 0.9, d.max() * 1.1, max(8, min(30, d.size // 3)))
    ax.hist(d, bins=bins, density=True, color="0.75", edgecolor="0.4", label=f"{d.size} particles")
    ln = res.get("lognormal") or {}
    if ln.get("median") and ln.get("sigma_g") and ln["sigma_g"] > 1:
        x = np.geomspace(bins[0], bins[-1], 300)
        s = np.log(ln["sigma_g"])
        pdf = np.exp(-((np.log(x / ln["median"])) ** 2) / (2 * s * s)) / (x * s * np.sqrt(2 * np.pi))
        ax.plot(x, pdf, "k-", lw=1.2, label=f"log-normal: median {ln['median']:.3g}, σg {ln['sigma_g']:.2f}")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.35)  # headroom: the legend sits above the bars
    for k, ls in (("d10", ":"), ("d50", "--"), ("d90", ":")):
        v = res.get(f"{k}_{u}")
        if v is not None and np.isfinite(v):
            ax.axvline(v, color="C3", ls=ls, lw=1)
            ax.text(v, 1.01, k, color="C3", fontsize=7, ha="center", va="bottom", transform=ax.get_xaxis_transform())
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    lo, hi = bins[0], bins[-1]
    ticks = [m * 10.0 ** e for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1) for m in (1, 2, 5)]
    ticks = [t for t in ticks if lo <= t <= hi]
    if len(ticks) >= 2:  # 1-2-5 labels in plain numbers (no crowded 3×10⁻¹, 4×10⁻¹ minor labels)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("equivalent diameter / " + ("µm" if u == "um" else "px"))
    ax.set_ylabel("probability density")
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    return fig


def _image(row: dict[str, Any], roots: tuple[Path, ...]) -> np.ndarray | None:
    from ..exceptions import SselabError
    from ..microscopy.image import read_sem_image

    for m in row.get("measurements") or []:
        for root in roots:
            p = Path(m.get("path") or "")
            p = p if p.is_absolute() else root / p
            if p.is_file():
                try:
                    return read_sem_image(p).data
                except (SselabError, OSError, ValueError):
                    return None
    return None


def particle_overlay(row: dict[str, Any], roots: tuple[Path, ...] = ()) -> Any:
    """The segmentation drawn over the micrograph: one equivalent circle per particle."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle

    res = row["result"] or {}
    pp = res.get("particles_px")
    if not pp or not pp.get("x"):
        return None
    img = _image(row, roots)
    shape = (res.get("image") or {}).get("shape_px") or [int(max(pp["y"]) + 1), int(max(pp["x"]) + 1)]
    fig, ax = style.figure(4.2, 4.2 * shape[0] / max(shape[1], 1) + 0.3)
    if img is not None:
        # "none": an SVG/PDF embeds the micrograph's own pixels, never resampled to the figure's
        # raster dpi (a 1024-pixel micrograph at 150 dpi kept 617 of its columns); a PNG is as "nearest"
        ax.imshow(img, cmap="gray", interpolation="none")
    ax.set_xlim(0, shape[1])
    ax.set_ylim(shape[0], 0)
    # one collection of circles, not one patch each: the same circles, a fraction of the time
    # to draw (a micrograph holds hundreds of particles)
    ax.add_collection(PatchCollection([Circle((x, y), d / 2) for x, y, d in zip(pp["x"], pp["y"], pp["d"])],
                                      facecolors="none", edgecolors="C1", linewidths=0.7), autolim=False)
    ax.set_xticks([])
    ax.set_yticks([])
    px = res.get("pixel_size_um")
    ax.set_title(f"{len(pp['x'])} particles" + (f", pixel {px * 1e3:.3g} nm" if px else "") +
                 ("" if img is not None else " (image file not found)"), fontsize=8)
    return fig


def pellet_pores(row: dict[str, Any], roots: tuple[Path, ...] = ()) -> Any:
    """A porosity result: the micrograph with the pores tinted (the CLI's ``sem porosity --plot``
    figure), or None when the image file is not found next to the store."""
    from ..microscopy.image import SEMImage
    from ..microscopy.particles import pore_labels
    from .plots_cli import porosity_figure

    res = row["result"] or {}
    data = _image(row, roots)
    if data is None or res.get("pore_area_fraction") is None:
        return None
    pores = pore_labels(SEMImage(data, None, "", "")) > 0
    return porosity_figure(data, pores, res, res.get("pixel_size_um") or (res.get("image") or {}).get("pixel_size_um"))


def layer_profile(row: dict[str, Any]) -> Any:
    """Mean grey level across the section with the boundaries found and the layer thicknesses."""
    res = row["result"] or {}
    c = res.get("curves") or {}
    key = "position_um" if "position_um" in c else "position_px"
    if key not in c:
        return None
    scale = (res.get("pixel_size_um") or 1.0) if key == "position_um" else 1.0
    fig, ax = style.figure(5.0, 2.8)
    ax.plot(c[key], c["profile"], "k-", lw=1)
    for b in res.get("boundaries_px") or []:
        ax.axvline(b * scale, color="C3", lw=0.8, ls="--")
    for ly in res.get("layers") or []:
        t = ly.get("thickness_um") if key == "position_um" else ly.get("thickness_px")
        if t is not None and not ly.get("open"):  # above the frame: never on the profile
            ax.text((ly["from_px"] + ly["to_px"]) / 2 * scale, 1.01, f"{t:.3g} " + ("µm" if key == "position_um" else "px"),
                    ha="center", va="bottom", fontsize=7, transform=ax.get_xaxis_transform())
    ax.set_xlabel("position across the section / " + ("µm" if key == "position_um" else "px"))
    ax.set_ylabel("mean grey level")
    return fig


def eds_spectrum(row: dict[str, Any]) -> Any:
    """Counts against energy (log scale) with the identified lines labelled."""
    res = row["result"] or {}
    c = res.get("curves") or {}
    if not c.get("energy_keV"):
        return None
    e, n = np.asarray(c["energy_keV"], float), np.asarray(c["counts"], float)
    fig, ax = style.figure(6.0, 3.0)
    ax.plot(e, np.maximum(n, 0.5), "k-", lw=0.8)
    ax.set_yscale("log")
    top = max(float(n.max()), 1.0)
    greek = {"a": "α", "b": "β", "g": "γ"}
    placed: list[float] = []
    stack = 0
    for f in sorted(res.get("identified") or [], key=lambda f: f.get("energy_keV") or 0):
        x = f.get("energy_keV")
        if x is None:
            continue
        y = float(np.interp(x, e, np.maximum(n, 0.5)))
        line = str(f.get("line", ""))
        line = line[:-1] + greek.get(line[-1:], line[-1:]) if len(line) == 2 else line
        near = sum(abs(x - p) < 0.8 for p in placed)  # labels of close lines stacked, not overprinted
        placed.append(x)
        stack = max(stack, near)
        ax.annotate(f"{f['element']} {line}".strip(), (x, y), xytext=(x, min(y * 3, top * 2) * 4.0 ** near), fontsize=7,
                    ha="left" if x < 0.05 * float(e.max()) else "center", color="C0",
                    arrowprops={"arrowstyle": "-", "color": "C0", "lw": 0.5})
    if placed:
        ax.set_ylim(top=top * 6 * 4.0 ** stack)  # room for the highest label
    ax.set_xlim(0, min(float(e.max()), (res.get("beam_energy_keV") or e.max())))
    ax.set_xlabel("energy / keV")
    ax.set_ylabel("counts")
    ax.set_title(res.get("formula_text") or "", fontsize=8)
    return fig


def eds_maps_figure(row: dict[str, Any]) -> Any:
    """One panel per element map (net counts of its main line, ``maps_net_counts``) with its
    variation over counting statistics; band/layer boundaries drawn when the result has regions."""
    from . import style

    res = row["result"] or {}
    maps = res.get("maps_net_counts") or {}
    if not maps:
        return None
    n = len(maps)
    cols = min(n, 4)
    nrows = (n + cols - 1) // cols
    fig, axes = style.figure(2.0 * cols, 2.0 * nrows, nrows=nrows, ncols=cols, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (el, m) in zip(axes.ravel(), maps.items()):
        a = np.asarray(m, float)
        ax.imshow(a, cmap="viridis")
        h = (res.get("homogeneity") or {}).get(el) or {}
        ax.set_title(f"{el}  CV/counting {h.get('ratio', float('nan')):.1f}", fontsize=7)
        k = len(res.get("region_atomic_percent") or {})
        for b in range(1, k):
            ax.axhline(b * a.shape[0] / k - 0.5, color="w", lw=0.6, ls="--")
    return fig


def table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per SEM/EDS result: what was measured and the headline numbers, with the status."""
    out = []
    for r in rows:
        if r["method"] not in METHODS or not r["result"]:
            continue
        res = r["result"]
        path = (r.get("measurements") or [{}])[0].get("path", "")
        base = {"sample": r["sample"], "file": Path(path).name, "status": res.get("status", r["status"])}
        if r["method"] == "eds_quantify" and res.get("analysis") == "maps":
            reg = res.get("region_atomic_percent") or {}
            het = [el for el, h in (res.get("homogeneity") or {}).items() if h.get("heterogeneous")]
            text = "; ".join(f"region {k}: " + ", ".join(f"{el} {v:.1f}" for el, v in c.items()) + " at.%"
                             for k, c in reg.items()) or ", ".join(
                f"{el} {v:.1f}" for el, v in (res.get("mean_atomic_percent") or {}).items()) + " at.%"
            out.append({**base, "analysis": "EDS maps", "result": text + "; heterogeneous: " + (", ".join(het) or "none")})
        elif r["method"] == "eds_quantify":
            at = res.get("atomic_percent") or {}
            se = res.get("atomic_percent_stderr") or {}
            out.append({**base, "analysis": "EDS", "result": res.get("formula_text") or
                        ", ".join(f"{el} {v:.1f}±{se.get(el, float('nan')):.1f}" for el, v in at.items()) + " at.%"})
        elif res.get("analysis") == "particles":
            u = _u(res)
            unit = "µm" if u == "um" else "px"
            out.append({**base, "analysis": "SEM particles", "result":
                        f"n={res.get('n_particles')}, d10/d50/d90 = {res.get(f'd10_{u}', float('nan')):.3g}/"
                        f"{res.get(f'd50_{u}', float('nan')):.3g}/{res.get(f'd90_{u}', float('nan')):.3g} {unit}"})
        elif res.get("analysis") == "layers":
            th = [f"{ly['thickness_um']:.3g} µm" if ly.get("thickness_um") is not None else f"{ly['thickness_px']:.3g} px"
                  for ly in res.get("layers") or [] if not ly.get("open")]
            out.append({**base, "analysis": "SEM layers", "result": "closed layers " + ", ".join(th)})
        else:
            from ..numfmt import format_uncertain

            out.append({**base, "analysis": "SEM porosity", "result": "pore area fraction " + format_uncertain(
                res.get("pore_area_fraction", float("nan")), res.get("pore_area_fraction_stderr"), style="pm")})
    return pd.DataFrame(out, columns=["sample", "file", "analysis", "result", "status"])


def section(ok: list[dict[str, Any]], figs: Any, safe: Any, roots: tuple[Path, ...] = ()) -> None:
    """Add the section's figures to the report's figure collector ``figs`` (``figs.draw``: each
    figure function with its row, drawn where it is rendered)."""
    for i, r in enumerate(x for x in ok if x["method"] in METHODS):
        res, tag = r["result"] or {}, safe(f"{r['sample']}_{i}")
        if r["method"] == "eds_quantify" and res.get("analysis") == "maps":
            figs.draw(eds_maps_figure, (r,), f"eds_maps_{tag}", f"EDS element maps (net line counts), {r['sample']}")
        elif r["method"] == "eds_quantify":
            figs.draw(eds_spectrum, (r,), f"eds_{tag}", f"EDS spectrum with the identified lines, {r['sample']}")
        elif res.get("analysis") == "particles":
            figs.draw(particle_histogram, (r,), f"sem_sizes_{tag}",
                     f"Particle size distribution (equivalent diameter) with log-normal fit and d10/d50/d90, {r['sample']}")
            figs.draw(particle_overlay, (r, roots), f"sem_overlay_{tag}", f"Segmentation over the micrograph, {r['sample']}")
        elif res.get("analysis") == "porosity":
            figs.draw(pellet_pores, (r, roots), f"sem_pores_{tag}", f"Pores (red) on the polished section, {r['sample']}")
        elif res.get("analysis") == "layers":
            figs.draw(layer_profile, (r,), f"sem_layers_{tag}", f"Grey-level profile across the cross-section with the boundaries, {r['sample']}")
