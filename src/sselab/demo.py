"""The demo: simulate → write instrument files → read back → analyse → compare.

Today this covers the impedance core (issue 2): a Mg|eBE|Mg3AsN|eBE|Mg spectrum at 100 °C
with the paper's parameters is written as a BioLogic-style .mpt file, read back with the
same reader real data goes through, fitted with the paper's Fig. 3e circuit using automatic
initial values, and the SE's ionic conductivity σ = l/(R·A) is compared with the
simulation's truth and the paper's 5.54e-4 S/cm.  The study pipeline extends it to the
whole paper.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .eis import fit_circuit
from .eis.kramers_kronig import kramers_kronig
from .eis.plots import plot_fit
from .io import read
from .io.writers import write_spectrum_mpt
from .simulate.paper import EBE_STACK_CIRCUIT, PAPER, MaterialModel, ebe_stack_spectrum


def _impedance_part(out: Path) -> tuple[list[dict[str, Any]], dict[str, str]]:
    model = MaterialModel()
    T = 373.15
    truth = model.ebe_stack_values(T)
    spectrum = ebe_stack_spectrum(T, model, noise=0.003, seed=1)
    raw = out / "raw" / "eis" / "as-BM_Mg-eBE-SE-eBE-Mg_100C.mpt"
    raw.parent.mkdir(parents=True, exist_ok=True)
    write_spectrum_mpt(raw, spectrum)
    measured = read(raw, "spectrum")[0]
    fit = fit_circuit(measured, EBE_STACK_CIRCUIT)
    kk = kramers_kronig(measured)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    figure = plot_fit(measured, fit, out / "figures" / "eis_ebe_stack_100C.png")
    area = model.area_cm2
    r_ap = fit["R_ap"]
    sigma = model.thickness_cm / (r_ap.value * area)
    rows = [
        {"quantity": "R_ap (SE bulk) at 100 °C", "recovered": r_ap.value, "truth": truth["R_ap"], "paper": 88.4, "unit": "Ω"},
        {"quantity": "R_ap standard error", "recovered": r_ap.stderr, "truth": None, "paper": None, "unit": "Ω"},
        {"quantity": "R_mof (two eBE layers)", "recovered": fit["R_mof"].value, "truth": truth["R_mof"], "paper": 2 * PAPER["R_eBE_100C_ohm"], "unit": "Ω"},
        {"quantity": "σ_ion at 100 °C", "recovered": sigma, "truth": model.sigma_ion_S_per_cm(T), "paper": PAPER["sigma_ion_100C_S_per_cm"]["as-BM"], "unit": "S/cm"},
        {"quantity": "KK test max residual", "recovered": 100 * kk.max_residual, "truth": None, "paper": None, "unit": "%"},
    ]
    return rows, {"raw spectrum": str(raw), "fit figure": str(figure)}


def run_demo(out: Path, quick: bool = False, console: Any = None) -> dict[str, Any]:
    """Run the demo into ``out``; return {"comparison": rows, "outputs": paths, "seconds": t}."""
    t0 = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if console is not None:
        console.print(f"[bold]sselab demo[/bold] → {out.resolve()}")
    rows, outputs = _impedance_part(out)
    return {"comparison": rows, "outputs": outputs, "seconds": time.perf_counter() - t0}
