"""Export a sselab peak model (and its fit) as CasaXPS ``CASA region`` / ``CASA comp`` lines.

The lines have the layout CasaXPS writes into a processed VAMAS block's comment (the layout
:mod:`sselab.xps.casa` reads back): for the region its name, background, the two limits and the
RSF; for each component its name, line shape, ``Area``/``MFWHM``/``Position`` each as ``value
lower upper -1 1`` (not linked), ``RSF`` and ``MASS``.  Energies are written as kinetic
energies hν − BE whatever the block's abscissa, as CasaXPS stores them (limits and bounds
swap; see :mod:`sselab.xps.casa`), so the excitation energy is required.  Shapes are written in CasaXPS's syntax: GL(p), SGL(p),
LA(α,β), LF(α,β,80,100) (the w, m at which sselab's LF is calibrated), DS(α); PV(η) is the
sum form, written SGL(100η).  A Voigt ("V") has no CasaXPS string and is refused.  Doublet
partners are written as their own components (CasaXPS's links are not written).

>>> from sselab.xps.model import Component, PeakModel
>>> m = PeakModel("C 1s", (Component("C-C", 284.8, 1.2, "GL", {"m": 0.3}),), window_eV=(280.0, 292.0))
>>> model_to_casa(m, rsf=1.0, excitation_eV=1486.6)[1].split("Position")[1].split()[:3]
['1201.8', '1200.8', '1202.8']
"""

from __future__ import annotations

from ..exceptions import ParameterError
from .casa_shapes import LA_M_SCALE, casa_la, gl_width_factor
from .model import PeakModel

BACKGROUND_NAMES = {"shirley": "Shirley", "smart": "Smart", "linear": "Linear", "tougaard": "U 2 Tougaard",
                    "tougaard3": "U 3 Tougaard", "none": "Linear"}


def casa_shape_text(shape: str, params: dict[str, float]) -> str:
    """CasaXPS's string for a sselab shape.

    >>> casa_shape_text("SGL", {"m": 0.3})
    'SGL(30)'
    """
    p = params

    def g(v: float) -> str:
        return f"{v:.6g}"

    if shape in ("GL", "SGL"):
        return f"{shape}({g(100 * p['m'])})"
    if shape == "PV":
        return f"SGL({g(100 * p['eta'])})"
    if shape == "LA":   # sselab's LA has no Gaussian: CasaXPS's m = 0 (a two-number LA is (α, m) there)
        return f"LA({g(p['alpha'])},{g(p['beta'])},0)"
    if shape == "LF":
        from .lineshapes import get_shape

        if p.get("damp", 0.0) >= 1000.0 and "lor" in p and "gauss" in p:   # CasaXPS's LA(α,β,m), as casa_la draws it
            m = round(LA_M_SCALE * p["gauss"] / p["lor"], 6)
            ref = casa_la(p["alpha"], p["beta"], m) if 0 <= m <= 499 else {}
            if ref and all(abs(p[k] - ref[k]) <= 1e-5 * max(1.0, abs(ref[k])) for k in ("lor", "gauss", "damp")):
                return f"LA({g(p['alpha'])},{g(p['beta'])},{g(m)})"
        calibrated = get_shape("LF").params
        changed = [k for k in ("lor", "gauss", "damp") if k in p and abs(p[k] - calibrated[k]) > 1e-9 * abs(calibrated[k])]
        if changed:  # CasaXPS's string has no place for them: exported, they would silently revert
            raise ParameterError(f"LF with {', '.join(f'{k}={p[k]:g}' for k in changed)} has no CasaXPS string (only the "
                                 "calibrated widths are LF(α,β,80,100)); fix them at their defaults to export")
        return f"LF({g(p['alpha'])},{g(p['beta'])},80,100)"
    if shape == "DS":
        return f"DS({g(p['alpha'])})"
    raise ParameterError(f"line shape {shape} has no CasaXPS equivalent; refit with GL, SGL, LA, LF or DS to export")


def model_to_casa(model: PeakModel, fit=None, rsf: float = 1.0, excitation_eV: float | None = None,
                  mass: float = 0.0, calib_shift_eV: float = 0.0) -> list[str]:
    """The ``CASA region`` line and one ``CASA comp`` line per component (and doublet partner).

    Values are the fit's (``fit``: a :class:`~sselab.xps.fit.RegionFit` of ``model``) or the
    model's start values; the region limits are the model window, or the fitted energy range.
    With a charge shift (the fit's energies = the file's + ``calib_shift_eV``) a ``Calib`` line
    goes first, so that CasaXPS (and :mod:`sselab.xps.casa`) reads the positions in that frame.
    """
    if excitation_eV is None:
        raise ParameterError("CasaXPS stores kinetic energies: the export needs the excitation energy")
    if model.window_eV is not None:
        lo, hi = model.window_eV
    elif fit is not None and len(fit.energy_eV):
        lo, hi = float(min(fit.energy_eV)), float(max(fit.energy_eV))
    else:
        raise ParameterError("the model has no window_eV and no fit gives its energy range: give window_eV")

    def x(be: float) -> float:
        return excitation_eV - be

    def pair(a: float, b: float) -> tuple[float, float]:
        u, v = x(a), x(b)
        return min(u, v), max(u, v)

    def num(v: float) -> str:
        return f"{v:.10g}"

    name = model.region
    bg = BACKGROUND_NAMES.get(model.background, "Shirley")
    rlo, rhi = pair(lo, hi)
    out = [f"Calib M = {num(284.8 - calib_shift_eV)} A = 284.8 BE ADD"] if calib_shift_eV else []
    bp = dict(model.background_params)
    cross = [0.0, 0.0, 0.0, 0.0]
    if model.background == "tougaard3" and "B" in bp:    # CasaXPS's kernel B T/((C − T²)² + D T²) θ(T − T0)
        cross = [bp["B"], bp.get("C", 551.0), bp.get("D", 436.0), bp.get("T0", 0.0)]
    elif model.background == "tougaard" and "B" in bp:   # B T/(C + T²)² is that kernel with C → −C, D = 0
        cross = [bp["B"], -bp.get("C", 1643.0), 0.0, 0.0]
    avg = model.background_avg_points if model.background_ends == "casa" else 2
    out += [f"CASA region (*{name}*) (*{bg}*) {num(rlo)} {num(rhi)} {num(rsf)} {avg} 0 0 "
            f"{' '.join(num(v) for v in cross)} (*{name}*) {num(mass)} 0 {num(rsf)}"]
    fitted = {c.name: c for c in fit.components} if fit is not None else {}
    rows = []
    for c in model.components:
        f = fitted.get(c.name)
        pos, fwhm = (f.position_eV, f.fwhm_eV) if f else (c.position_eV, c.fwhm_eV)
        area = f.area if f else (c.area or 0.0)
        plo, phi = c.position_bounds_eV or (c.position_eV - c.position_range_eV, c.position_eV + c.position_range_eV)
        if c.fix_position:
            plo = phi = pos
        flo, fhi = (fwhm, fwhm) if c.fix_fwhm else c.fwhm_bounds_eV
        if c.shape in ("GL", "LA"):   # CasaXPS's width is the curve's true FWHM (sselab.xps.casa)
            k = gl_width_factor(c.shape_params.get("m", 0.3)) if c.shape == "GL" else \
                casa_la(c.shape_params["alpha"], c.shape_params["beta"], 0.0)["lor"]
            fwhm, flo, fhi = fwhm / k, flo / k, fhi / k
        rows.append((c.name, casa_shape_text(c.shape, dict(c.shape_params)), area, fwhm, flo, fhi, pos, plo, phi))
        if c.doublet is not None:
            partner = fitted.get(f"{c.name} (partner)")
            d = c.doublet
            ppos = partner.position_eV if partner else pos + d.splitting_eV
            parea = partner.area if partner else area * d.area_ratio
            rows.append((f"{c.name} (partner)", casa_shape_text(c.shape, dict(c.shape_params)), parea, fwhm, flo, fhi,
                         ppos, plo + d.splitting_eV, phi + d.splitting_eV))
    for k, (cname, shape, area, fwhm, flo, fhi, pos, plo, phi) in enumerate(rows):
        xlo, xhi = pair(plo, phi)
        out.append(f"CASA comp (*{cname}*) (*{shape}*) Area {num(area)} 1e-020 {num(max(area, 1.0) * 100)} -1 1 "
                   f"MFWHM {num(fwhm)} {num(flo)} {num(fhi)} -1 1 Position {num(x(pos))} {num(xlo)} {num(xhi)} -1 1 "
                   f"RSF {num(rsf)} MASS {num(mass)} INDEX -1 (*{name}*) CONST (**) UNCORRECTEDRSF {num(rsf)}")
    return out
