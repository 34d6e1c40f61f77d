"""Z-HIT and exploratory linear KK: sselab against pyimpspec on the same spectra (verdicts and time).

    .venv/bin/python benchmarks/bench_zhit_kk.py [--repeat 3] [--peer-repeat 1] [--peers-venv DIR]

Runs sselab here and pyimpspec in the peers' venv (``--peers-venv DIR``, ``SSELAB_PEERS_VENV``
or benchmarks/.venv-peers, as :mod:`peers` finds it; a subprocess given the same spectra
through an .npz file; see README.md for its setup).  Spectra: simulated (exact, 0.2 %
noise, and a 30 % resistance drift over the sweep, which violates KK) and real files from
../shared/data (exampleData.csv without its 9 inductive points, Circuit1_EIS_1.z, the LPSCl
ion-blocking cell, geis.mpr spectrum 0).  For each spectrum and tool: the largest relative
residual (|Z| residual for Z-HIT; real/imag residual for KK, both in % of |Z|), the number of
RC elements chosen (KK), and the median wall time of ``--repeat`` runs.  pyimpspec runs
with num_procs=1 (one core, like sselab).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from peers import peers_python  # noqa: E402
CACHE = ROOT / "benchmarks" / ".cache"
DATA = ROOT.parent / "shared" / "data"


def _median_time(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, float(np.median(times))


def spectra() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    sys.path.insert(0, str(ROOT / "src"))
    from sselab.eis import simulate_spectrum
    from sselab.io import read

    f = np.logspace(6, -2, 80)
    truth = {"R0": 10, "R1": 100, "CPE1.Q": 1e-7, "CPE1.n": 0.8, "R2": 300, "CPE2.Q": 1e-4, "CPE2.n": 0.9}
    circuit = "R0-p(R1,CPE1)-p(R2,CPE2)"
    out = {"sim exact": simulate_spectrum(circuit, truth, f),
           "sim 0.2% noise": simulate_spectrum(circuit, truth, f, noise=0.002, seed=1)}
    s = out["sim 0.2% noise"]
    drift = 1 + 0.3 * np.linspace(0, 1, s.n_points)
    out["sim drift 30%"] = s.__class__(frequency_Hz=s.frequency_Hz,
                                        impedance_ohm=s.impedance_ohm.real * drift + 1j * s.impedance_ohm.imag)
    real = {"exampleData (no inductive)": (DATA / "eis" / "exampleData.csv", 0, True),
            "Circuit1_EIS_1.z": (DATA / "eis" / "Circuit1_EIS_1.z", 0, False),
            "LPSCl ion-blocking": (DATA / "realfiles" / "hybriddrt__PEIS_LPSCl_IonBlocking_-25C.txt", 0, False),
            "geis.mpr[0]": (DATA / "biologic" / "geis.mpr", 0, False)}
    for name, (path, i, ind) in real.items():
        if path.exists():
            sp = read(path, kind="spectrum")[i]
            out[name] = sp.select(drop_inductive=True).spectrum if ind else sp
    return {k: (v.frequency_Hz, v.impedance_ohm) for k, v in out.items()}


def run_sselab(data, repeat: int) -> dict:
    from sselab.eis.kk_explore import explore_kk
    from sselab.eis.zhit import zhit
    from sselab.measurements import Spectrum

    res = {}
    for name, (f, z) in data.items():
        s = Spectrum(frequency_Hz=f, impedance_ohm=z)
        zr, tz = _median_time(lambda: zhit(s), repeat)
        kr, tk = _median_time(lambda: explore_kk(s), repeat)
        res[name] = {"zhit_max_pct": 100 * zr.max_residual, "zhit_s": tz,
                     "kk_M": kr.recommended.recommended_m, "kk_variant": kr.recommended.name,
                     "kk_max_pct": 100 * kr.final.max_residual, "kk_s": tk}
    return res


def run_peer(npz: Path, repeat: int) -> dict:
    import pyimpspec

    d = np.load(npz, allow_pickle=False)
    names = [str(n) for n in d["names"]]
    res = {}
    for k, name in enumerate(names):
        ds = pyimpspec.DataSet(d[f"f{k}"], d[f"z{k}"], label=name)
        zr, tz = _median_time(lambda: pyimpspec.perform_zhit(ds, num_procs=1), repeat)
        _, re, im = zr.get_residuals_data()
        mod = np.abs(ds.get_impedances())
        mod_hit = np.abs(zr.get_impedances())
        (tests, (best, *_)), tk = _median_time(
            lambda: pyimpspec.perform_exploratory_kramers_kronig_tests(ds, num_procs=1), repeat)
        _, kre, kim = best.get_residuals_data()
        res[name] = {"zhit_max_pct": float(100 * np.max(np.abs((mod - mod_hit) / mod))),
                     "zhit_max_reim_pct": float(max(np.max(np.abs(re)), np.max(np.abs(im)))), "zhit_s": tz,
                     "kk_M": int(best.num_RC), "kk_max_pct": float(max(np.max(np.abs(kre)), np.max(np.abs(kim)))),
                     "kk_s": tk}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-repeat", type=int, default=1, help="pyimpspec's exploratory KK takes ~10-70 s a spectrum")
    ap.add_argument("--peer", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--peers-venv", help="the peers' venv (default: $SSELAB_PEERS_VENV, then benchmarks/.venv-peers)")
    a = ap.parse_args()
    if a.peer:
        print(json.dumps(run_peer(a.peer, a.repeat)))
        return
    data = spectra()
    ours = run_sselab(data, a.repeat)
    peer = None
    peer_py, where = peers_python(a.peers_venv)
    if peer_py is not None:
        CACHE.mkdir(exist_ok=True)
        npz = CACHE / "zhit_kk_spectra.npz"
        arrays = {"names": np.array(list(data))}
        for k, (f, z) in enumerate(data.values()):
            arrays[f"f{k}"], arrays[f"z{k}"] = f, z
        np.savez(npz, **arrays)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        out = subprocess.run([str(peer_py), __file__, "--peer", str(npz), "--repeat", str(a.peer_repeat)],
                             capture_output=True, text=True, check=True, env=env)
        peer = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}; "
          f"median of {a.repeat} (pyimpspec: {a.peer_repeat}); residuals in % of |Z|; s = sselab, p = pyimpspec")
    print(f"{'spectrum':28} {'Z-HIT max % (s / p)':>22} {'Z-HIT ms (s / p)':>18} {'KK M (s / p)':>14} "
          f"{'KK max % (s / p)':>18} {'KK ms (s / p)':>16}")
    for name, o in ours.items():
        p = (peer or {}).get(name)
        pz = f"{p['zhit_max_pct']:.2f}" if p else "-"
        pzt = f"{1e3 * p['zhit_s']:.0f}" if p else "-"
        pm = f"{p['kk_M']}" if p else "-"
        pk = f"{p['kk_max_pct']:.2f}" if p else "-"
        pkt = f"{1e3 * p['kk_s']:.0f}" if p else "-"
        print(f"{name:28} {o['zhit_max_pct']:10.2f} / {pz:>8} {1e3 * o['zhit_s']:8.1f} / {pzt:>7} "
              f"{o['kk_M']:5d} / {pm:>5} {o['kk_max_pct']:8.2f} / {pk:>7} {1e3 * o['kk_s']:7.1f} / {pkt:>6}")
    if peer is None:
        print(f"(pyimpspec not run: {where})")
    else:
        print(f"pyimpspec: {peer_py} ({where})")


if __name__ == "__main__":
    main()
