"""FullProf instrumental resolution file (.irf), constant-wavelength keyword form.

The keyword layout is that of FullProf's ``Instrumental_resolution`` module as re-implemented in
CrysFML2008 (J. Rodríguez-Carvajal, J. González-Platas; module ``CFML_Powder``, submodule
``Pow_IRF``, subroutine ``Read_IRF``, mode "CW"): one keyword per line, case-insensitive, text
after ``!`` or ``#`` ignored.  Read here:

* ``TITLE text`` — the instrument's name;
* ``WAVE λ1 [λ2 ratio]`` — wavelengths [Å] and I(λ2)/I(λ1) (one number: monochromatic);
* ``UVWXYZ U V W X Y Z`` (or ``UVWXYZ1``) — FullProf's instrumental TCH-pV widths:
  H_G² = U tan²θ + V tanθ + W [deg²], H_L = X tanθ + Y / cosθ [deg] — the same definitions as
  :class:`sselab.xrd.Instrument`; Z (a Lorentzian term sselab has no place for) is returned and
  must be 0 to be used;
* ``CTHM c`` — cos²(2θ_monochromator) of the polarisation factor;
* ``THRG tmin step tmax``, ``GEOM text``, ``ASYMM s_l d_l``, ``RKK k`` — returned as read.

The older numeric IRF layouts (no keywords) and the tabulated ``N_POINTS`` form are refused.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "lab.irf"
>>> _ = p.write_text("TITLE lab\\nWAVE 1.540560 1.544390 0.5\\nUVWXYZ 0.004 -0.002 0.002 0.0 0.01 0.0\\n")
>>> d = read_irf(p)
>>> d["lam1"], d["lam2"], d["ratio"], d["U"], d["Y"]
(1.54056, 1.54439, 0.5, 0.004, 0.01)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...exceptions import SselabError

_NUMERIC = {"WAVE": (1, 3), "UVWXYZ": (6, 6), "UVWXYZ1": (6, 6), "CTHM": (1, 1), "THRG": (3, 3), "ASYMM": (2, 2),
            "RKK": (1, 1), "PSD": (1, 1)}


def read_irf(path: str | Path) -> dict[str, Any]:
    """The keywords of a FullProf constant-wavelength .irf as a dict.

    Returns
    -------
    dict
        ``title``, ``lam1``, ``lam2`` (0 when one wavelength), ``ratio``, ``U``, ``V``, ``W``
        [deg²], ``X``, ``Y``, ``Z`` [deg], ``cthm`` (None when absent), ``thrg``, ``geom``,
        ``asymm``, ``rkk`` (None when absent).

    Raises
    ------
    SselabError
        Unreadable file, a malformed keyword line, no ``WAVE`` or no ``UVWXYZ``, or a
        tabulated (``N_POINTS``) resolution.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise SselabError(f"{path}: cannot read the .irf file ({exc.strerror or exc})") from None
    out: dict[str, Any] = {"title": "", "cthm": None, "thrg": None, "geom": "", "asymm": None, "rkk": None}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("!")[0].split("#")[0].strip()
        if not line:
            continue
        key, _, rest = line.partition(" ")
        key = key.upper()
        if key == "N_POINTS":
            raise SselabError(f"{path}: line {n}: a tabulated (N_POINTS) resolution is not supported; give UVWXYZ")
        if key in ("TITLE", "GEOM", "JOBT", "IRFTYPE"):
            out[key.lower()] = rest.strip()
            continue
        if key not in _NUMERIC:
            continue
        try:
            vals = [float(t) for t in rest.split()]
        except ValueError:
            raise SselabError(f"{path}: line {n}: {key} needs numbers, got {rest.strip()!r}") from None
        lo, hi = _NUMERIC[key]
        if not lo <= len(vals) <= hi or (key == "WAVE" and len(vals) == 2):
            raise SselabError(f"{path}: line {n}: {key} needs {lo if lo == hi else f'1 or {hi}'} numbers, got {len(vals)}")
        if key == "WAVE":
            out["lam1"] = vals[0]
            out["lam2"], out["ratio"] = (vals[1], vals[2]) if len(vals) == 3 else (0.0, 0.0)
        elif key.startswith("UVWXYZ"):
            out.update(zip("UVWXYZ", vals))
        elif key == "CTHM":
            out["cthm"] = vals[0]
        else:
            out[key.lower()] = vals if len(vals) > 1 else vals[0]
    missing = [k for k, need in (("WAVE", "lam1"), ("UVWXYZ", "U")) if need not in out]
    if missing:
        raise SselabError(f"{path}: no {' or '.join(missing)} line: not a FullProf keyword .irf (constant wavelength)")
    if not 0.05 < out["lam1"] < 5.0:
        raise SselabError(f"{path}: WAVE {out['lam1']} Å is outside 0.05–5 Å")
    return out


def instrument_from_irf(path: str | Path, monochromatic: bool = False):
    """An :class:`~sselab.xrd.Instrument` from a .irf (profile marked as calibrated by that file)."""
    import math

    from ...xrd.instrument import Instrument

    d = read_irf(path)
    if d["Z"] != 0:
        raise SselabError(f"{path}: Z = {d['Z']} (a Lorentzian term sselab's profile does not have); set it to 0")
    two = d["lam2"] > 0 and d["ratio"] > 0 and not monochromatic
    lines, ratios = ((d["lam1"], d["lam2"]), (1.0, d["ratio"])) if two else ((d["lam1"],), (1.0,))
    cthm = d["cthm"]
    if cthm is not None and not 0.0 <= cthm <= 1.0:
        raise SselabError(f"{path}: CTHM = {cthm} must lie within 0–1 (cos² of the monochromator 2θ)")
    mono = 0.0 if cthm is None else math.degrees(math.acos(math.sqrt(cthm)))
    return Instrument(wavelengths_A=lines, ratios=ratios, U=d["U"], V=d["V"], W=d["W"], X=d["X"], Y=d["Y"],
                      monochromator_2theta_deg=mono, calibrated=f"FullProf .irf {Path(path).name}")
