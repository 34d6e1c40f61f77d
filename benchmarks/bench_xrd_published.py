"""Benchmark: sselab's Rietveld cell on a published reference case (issue #16, "done when").

Run::

    .venv/bin/python benchmarks/bench_xrd_published.py

Case 1 — NIST SRM 660a LaB6 on a lab diffractometer.
Data: ``/work/shared/data/xrd/LaB6_d500_si_psd.xye.bz2`` (Siemens D500, Si strip detector,
Cu Kα1+Kα2; from the xrayutilities examples, dkriegner/xrayutilities ``examples/data``; see
the shared data's SOURCES.md).  Published value: NIST SRM 660a certificate,
a = 0.41569162 nm ± 0.00000097 nm (22.5 °C), i.e. 4.1569162(97) Å, which is also the value
xrayutilities' fundamental-parameters example for this very file uses.  No published
Rietveld Rwp exists for this file, so only the cell is compared.
Refinement: 18–148° 2θ, Chebyshev background (8), scale, zero, sample displacement, a,
U V W X Y, B of both sites; once with symmetric peaks and once with the Bérar–Baldinozzi
asymmetry (asym_P1, asym_P2) refined as well.  CPU time per refinement is printed.
"""

from __future__ import annotations

import time
from pathlib import Path

from sselab.io import read
from sselab.xrd import Refinement
from sselab.xrd.library import lab6

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "xrd" / "LaB6_d500_si_psd.xye.bz2"
CERTIFIED_A, CERTIFIED_U = 4.1569162, 0.0000097  # NIST SRM 660a certificate [Å]


def main() -> None:
    path = DATA if DATA.exists() else Path("/work/shared/data/xrd/LaB6_d500_si_psd.xye.bz2")
    pat = read(path)[0]
    base = ("*.scale", "bkg*")
    stages = [base, (*base, "zero_deg", "W"), (*base, "zero_deg", "LaB6.a", "U", "V", "W", "Y"),
              (*base, "zero_deg", "displacement_deg", "LaB6.a", "U", "V", "W", "X", "Y", "*.B_*")]
    print(f"NIST SRM 660a certificate: a = {CERTIFIED_A:.7f} ± {CERTIFIED_U:.7f} Å")
    for asym in (False, True):
        job = Refinement(pat, [lab6()], n_background=8, two_theta_range=(18, 148))
        run = stages + ([(*stages[-1], "asym_P1", "asym_P2")] if asym else [])
        t0 = time.process_time()
        res = job.run(run)
        cpu = time.process_time() - t0
        ph = res.phase("LaB6")
        a, sa = ph.lattice["a"], ph.lattice_stderr["a"]
        print(f"{'with' if asym else 'without'} asymmetry: a = {a:.6f} ± {sa:.6f} Å "
              f"(Δ = {a - CERTIFIED_A:+.6f} Å = {1e6 * (a - CERTIFIED_A) / CERTIFIED_A:+.0f} ppm; "
              f"within certificate uncertainty: {abs(a - CERTIFIED_A) <= CERTIFIED_U + sa}), "
              f"Rwp {res.Rwp:.2f} %, Rexp {res.Rexp:.2f} %, χ² {res.chi2:.2f}, CPU {cpu:.1f} s")


if __name__ == "__main__":
    main()
