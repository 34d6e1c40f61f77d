"""Time a 40-file temperature series: `sselab eis fit` (one file at a time) vs the batched API.

    .venv/bin/python benchmarks/bench_series.py

Writes 40 simulated eBE-stack spectra (−20…175 °C, 0.5 % noise) as CSV (f, Z', Z'') to
benchmarks/.cache/series/, then times (1) the CLI ``sselab eis fit FILES... --json`` as a
subprocess (includes interpreter start-up and file reading), (2) reading + fit_circuit per
file in-process, (3) reading + fit_circuit_batch in-process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from sselab.eis.batch import fit_circuit_batch
from sselab.eis.fit import fit_circuit
from sselab.io import read
from sselab.simulate.paper import EBE_STACK_CIRCUIT, ebe_stack_spectrum

HERE = Path(__file__).resolve().parent / ".cache" / "series"


def files() -> list[Path]:
    HERE.mkdir(parents=True, exist_ok=True)
    out = []
    for i, T in enumerate(np.linspace(253.15, 448.15, 40)):
        p = HERE / f"ebe_{i:02d}_{T - 273.15:.0f}C.csv"
        if not p.exists():
            s = ebe_stack_spectrum(float(T), noise=0.005, seed=i)
            np.savetxt(p, np.column_stack([s.frequency_Hz, s.impedance_ohm.real, -s.impedance_ohm.imag]),
                       delimiter=",", header="freq/Hz,Re(Z)/Ohm,-Im(Z)/Ohm", comments="")
        out.append(p)
    return out


def main() -> None:
    paths = files()
    sselab = Path(sys.executable).with_name("sselab")
    t = time.perf_counter()
    r = subprocess.run([str(sselab), "eis", "fit", *map(str, paths), "--circuit", EBE_STACK_CIRCUIT, "--json"],
                       capture_output=True, text=True)
    cli = time.perf_counter() - t
    print(f"CLI `sselab eis fit` 40 files (subprocess, rc={r.returncode}): {cli:6.2f} s")
    t = time.perf_counter()
    spectra = [read(p, kind="spectrum")[0] for p in paths]
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    single = [fit_circuit(s, EBE_STACK_CIRCUIT) for s in spectra]
    t_single = time.perf_counter() - t
    t = time.perf_counter()
    batched = fit_circuit_batch(spectra, EBE_STACK_CIRCUIT)
    t_batch = time.perf_counter() - t
    worst = max(float(np.max(np.abs(a.result.value_array / b.result.value_array - 1))) for a, b in zip(single, batched))
    print(f"read 40 files: {t_read:6.2f} s; fit_circuit ×40: {t_single:6.2f} s; fit_circuit_batch: {t_batch:6.2f} s "
          f"(×{t_single / t_batch:.1f}); max relative difference {worst:.1e}")


if __name__ == "__main__":
    main()
