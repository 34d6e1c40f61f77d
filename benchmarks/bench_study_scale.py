"""Arrhenius and DC analyses of 1,000 files each: through the library and through `sselab run`.

    .venv/bin/python benchmarks/bench_study_scale.py                       # 10 samples × 100 T, 10 × 100 DC holds
    .venv/bin/python benchmarks/bench_study_scale.py --samples 2 --study   # reduced, plus `sselab run` on a manifest
    .venv/bin/python benchmarks/bench_study_scale.py --demo                # also `sselab demo` end to end
    .venv/bin/python benchmarks/bench_study_scale.py --samples 1 --study --skip-library --reference-db OLD.sqlite

Data (written once into benchmarks/.cache/study_scale/, reproducible, seed 0): for each of
``--samples`` virtual Mg3AsN pellets (the paper's material model, :mod:`sselab.simulate.paper`,
with σ_ion(100 °C) = 10^U(−4.5, −3) S/cm and Ea = U(0.25, 0.50) eV):

- ``--temperatures`` EIS spectra of Mg|eBE|SE|eBE|Mg, 25–125 °C, BioLogic .mpt, 100 points
  1 MHz–100 mHz, 0.3 % noise;
- ``--holds`` chronoamperometry records of Au|SE|Au at 100 °C, 0.05–3 V (CSV, 601 points,
  0.2 % noise), simulated as in :mod:`sselab.simulate.virtual_study`;
- for ``--study``: an iBE|eBE|iBE reference spectrum per temperature and ``study.yaml``.

Timed (wall and CPU seconds, files/s), in this process:

1. Arrhenius of N EIS files: ``sselab.io.read`` each file, ``fit_circuit_batch`` over all,
   σ_ion of ``R_ap`` per fit (``conductivity_from_fit``), ``arrhenius`` per sample;
   checks Ea against the truth;
2. DC analysis of N CA files: read, ``transference`` per file, ``electronic_conductivity``
   per sample; checks σ_el against the truth;
3. ``--study``: ``sselab run study.yaml --no-report --json`` as a subprocess (one fit per task;
   per-sample eBE deconvolution + Arrhenius, σ_el and consistency), with ``--jobs``;
4. ``--demo``: ``sselab demo`` end to end (subprocess).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import yaml

from sselab.dc.electronic import electronic_conductivity
from sselab.dc.steady_state import SteadyStateCriterion
from sselab.dc.transference import transference
from sselab.eis.batch import fit_circuit_batch
from sselab.eis.simulate import paper_frequencies, simulate_spectrum
from sselab.io import read
from sselab.io.writers import write_spectrum_mpt, write_transient_csv
from sselab.simulate.paper import EBE_STACK_CIRCUIT, MaterialModel, ebe_stack_spectrum
from sselab.simulate.virtual_study import REFERENCE_CIRCUIT
from sselab.transport.arrhenius import arrhenius
from sselab.transport.conductivity import conductivity_from_fit
from sselab.transport.geometry import SampleGeometry
from sselab.transport.simulate import simulate_polarisation

CACHE = Path(__file__).resolve().parent / ".cache" / "study_scale"
T_DC_K = 373.15
T_DC_ION = 0.077  # the paper's as-BM DC t_ion: apparent σ_ion,DC = σ_el·t/(1−t), as in the virtual study


def models(n: int, seed: int = 0) -> list[MaterialModel]:
    rng = np.random.default_rng(seed)
    return [MaterialModel(sigma_ion_ref_S_per_cm=float(10 ** rng.uniform(-4.5, -3.0)), Ea_ion_eV=float(rng.uniform(0.25, 0.5)),
                          sigma_el_ref_S_per_cm=float(10 ** rng.uniform(-8.0, -7.0))) for _ in range(n)]


def geometry(m: MaterialModel) -> SampleGeometry:
    return SampleGeometry(m.thickness_cm / 100, m.area_cm2 / 1e4)


def write_data(root: Path, n_samples: int, n_temps: int, n_holds: int, study: bool) -> dict:
    """Write (or reuse) the files; return the layout and the truth."""
    ms = models(n_samples)
    temps_K = np.linspace(298.15, 398.15, n_temps)
    volts = np.linspace(0.05, 3.0, n_holds)
    layout: dict = {"samples": []}
    for j, m in enumerate(ms):
        name = f"S{j:02d}"
        eis, dc = [], []
        for k, T in enumerate(temps_K):
            p = root / "eis" / f"{name}_eBE-stack_{k:03d}.mpt"
            if not p.exists():
                write_spectrum_mpt(p, ebe_stack_spectrum(float(T), m, noise=0.003, seed=1000 * j + k))
            eis.append((str(p), float(T)))
        g = geometry(m)
        s_el = m.sigma_el_S_per_cm(T_DC_K)
        s_dc = s_el * T_DC_ION / (1 - T_DC_ION)
        for k, v in enumerate(volts):
            p = root / "dc" / f"{name}_Au-SE-Au_{k:03d}.csv"
            if not p.exists():
                Is = v * s_el / g.cell_constant_per_cm
                ct = simulate_polarisation(s_dc, s_el, g, potential_V=float(v), time_constants_s=(600.0,), duration_s=9000.0,
                                           interval_s=15.0, noise_A=0.002 * Is, seed=5000 * j + k)
                write_transient_csv(p, ct)
            dc.append((str(p), float(v)))
        layout["samples"].append({"name": name, "Ea_eV": m.Ea_ion_eV, "sigma_el_S_per_cm": s_el, "eis": eis, "dc": dc,
                                  "thickness_mm": m.thickness_cm * 10, "diameter_mm": m.diameter_cm * 10})
    if study:
        ref = ms[0] if ms else MaterialModel()
        refs = []
        for k, T in enumerate(temps_K):
            p = root / "eis" / f"eBE_ref_{k:03d}.mpt"
            if not p.exists():
                spec = simulate_spectrum(REFERENCE_CIRCUIT, {"R_eBE": ref.r_ebe_ohm(float(T)), "CPE_dl.Q": 2e-5, "CPE_dl.n": 0.9},
                                         paper_frequencies(), noise=0.003, seed=9000 + k, temperature_K=float(T))
                write_spectrum_mpt(p, spec)
            refs.append((str(p), float(T)))
        layout["refs"] = refs
    return layout


def write_manifest(root: Path, layout: dict) -> Path:
    stack, ref_stack, dc_stack = "Mg|eBE|SE|eBE|Mg", "iBE|eBE|iBE", "Au|SE|Au"
    samples = [{"name": s["name"], "thickness": f"{s['thickness_mm']:.3f} mm", "diameter": f"{s['diameter_mm']:g} mm"}
               for s in layout["samples"]]
    samples.append({"name": "eBE", "thickness": "0.65 mm", "diameter": "13 mm"})
    meas = [{"file": p, "technique": "eis", "cell": ref_stack, "sample": "eBE", "temperature": f"{T:.4f} K"}
            for p, T in layout["refs"]]
    for s in layout["samples"]:
        meas += [{"file": p, "technique": "eis", "cell": stack, "sample": s["name"], "temperature": f"{T:.4f} K"}
                 for p, T in s["eis"]]
        meas += [{"file": p, "technique": "dc", "cell": dc_stack, "sample": s["name"], "temperature": "100 °C",
                  "voltage": f"{v:.6g} V"} for p, v in s["dc"]]
    manifest = {
        "study": "scale-benchmark", "database": "results.sqlite", "samples": samples, "measurements": meas,
        "analysis": {"eis": {"circuit": {stack: EBE_STACK_CIRCUIT, ref_stack: REFERENCE_CIRCUIT},
                             "bulk_element": {stack: "R_ap", ref_stack: "R_eBE"}, "weighting": "modulus",
                             "kramers_kronig": False},
                     "transport": {"arrhenius": "sigma", "ebe_reference": "eBE", "ebe_layers": 2},
                     "dc": {"steady_fraction": 0.1}},
    }
    path = root / f"study_{len(layout['samples'])}x{len(layout['samples'][0]['eis'])}.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


class Clock:
    """Wall and CPU time of a block (CPU of this process only)."""

    def __enter__(self) -> "Clock":
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.w, time.process_time() - self.c


def line(what: str, n: int, clk: Clock) -> str:
    return f"  {what:<44} {clk.wall:7.2f} s wall {clk.cpu:7.2f} s CPU  {n / clk.wall:8.1f} files/s ({n / clk.cpu:.1f}/CPU-s)"


def eis_arrhenius(layout: dict) -> None:
    files = [(p, T, s) for s in layout["samples"] for p, T in s["eis"]]
    n = len(files)
    print(f"\n## Arrhenius of {n} EIS files ({len(layout['samples'])} samples × {len(layout['samples'][0]['eis'])} T)")
    with Clock() as c_read:
        spectra = [read(p, kind="spectrum")[0] for p, _, _ in files]
    with Clock() as c_fit:
        fits = fit_circuit_batch(spectra, EBE_STACK_CIRCUIT)
    with Clock() as c_sig:
        sig = {}
        for (p, T, s), fit in zip(files, fits):
            g = SampleGeometry(s["thickness_mm"] / 1e3, np.pi * (s["diameter_mm"] / 2e3) ** 2)
            cond = conductivity_from_fit(fit, g, "R_ap")
            sig.setdefault(s["name"], []).append((T, cond.sigma_S_per_cm, cond.sigma_stderr_S_per_cm))
        arrs = {name: arrhenius([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]) for name, rows in sig.items()}
    failed = sum(1 for f in fits if not f.success)
    total = Clock()
    total.wall, total.cpu = (c_read.wall + c_fit.wall + c_sig.wall), (c_read.cpu + c_fit.cpu + c_sig.cpu)
    print(line("read (sselab.io.read, .mpt)", n, c_read))
    print(line("fit_circuit_batch (7 parameters)", n, c_fit))
    print(line("σ per fit + Arrhenius per sample", n, c_sig))
    print(line("total", n, total))
    dEa = max(abs(arrs[s["name"]].Ea_eV - s["Ea_eV"]) for s in layout["samples"])
    chi2 = float(np.median([f.chi2 for f in fits if f.success]))
    print(f"  failed fits {failed}; median χ² {chi2:.3g}; max |Ea − Ea_true| over samples {dEa * 1e3:.2f} meV")


def dc_analysis(layout: dict) -> None:
    files = [(p, v, s) for s in layout["samples"] for p, v in s["dc"]]
    n = len(files)
    print(f"\n## DC analysis of {n} chronoamperometry files ({len(layout['samples'])} samples × {len(layout['samples'][0]['dc'])} holds)")
    crit = SteadyStateCriterion(window_fraction=0.1)
    with Clock() as c_read:
        cts = [read(p, kind="transient")[0] for p, _, _ in files]
    with Clock() as c_t:
        ts = [transference(ct, crit, i0="extrapolated", set_potential_V=v) for ct, (_, v, _) in zip(cts, files)]
    with Clock() as c_el:
        els = {}
        for s in layout["samples"]:
            idx = [i for i, f in enumerate(files) if f[2] is s]
            g = SampleGeometry(s["thickness_mm"] / 1e3, np.pi * (s["diameter_mm"] / 2e3) ** 2)
            els[s["name"]] = electronic_conductivity([cts[i] for i in idx], g, crit, voltages_V=[files[i][1] for i in idx])
    total = Clock()
    total.wall, total.cpu = (c_read.wall + c_t.wall + c_el.wall), (c_read.cpu + c_t.cpu + c_el.cpu)
    print(line("read (CSV)", n, c_read))
    print(line("transference per file", n, c_t))
    print(line("σ_el per sample (all holds)", n, c_el))
    print(line("total", n, total))
    dt = max(abs(t.t_ion - T_DC_ION) for t in ts)
    ds = max(abs(els[s["name"]].sigma_el_S_per_cm / s["sigma_el_S_per_cm"] - 1) for s in layout["samples"])
    print(f"  max |t_ion − {T_DC_ION}| {dt:.2g}; max relative σ_el error over samples {ds:.2%}")


def run_cli(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    sselab = Path(sys.executable).with_name("sselab")
    t0, c0 = time.perf_counter(), os.times()
    r = subprocess.run([str(sselab), *args], capture_output=True, text=True)
    c1 = os.times()
    return time.perf_counter() - t0, (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system), r


def compare_stores(a: Path, b: Path) -> str:
    """Every stored analysis of two SQLite results databases of the same study compared: key,
    settings, status, message and result (parsed JSON and text), scalar values, measurements
    and links (ids and times left out) — how a speed change is shown to change no result."""
    import sqlite3

    def dump(path: Path) -> tuple:
        with sqlite3.connect(path) as c:
            rows = {r[0]: r[1:] for r in c.execute(
                "select task_id, input_hash, method, settings_hash, settings, status, message, result from analyses")}
            values = sorted(c.execute("select a.task_id, v.position, v.name, v.value, v.stderr, v.unit from result_values v "
                                      "join analyses a on a.id = v.analysis_id"))
            meas = sorted(c.execute("select path, item, input_hash, technique, cell_stack, temperature_K, voltage_V, reader, "
                                    "reading_status, reading_reasons from measurements"))
            links = sorted(c.execute("select a.task_id, m.path, l.position from analysis_measurements l join analyses a "
                                     "on a.id = l.analysis_id join measurements m on m.id = l.measurement_id"))
        return rows, values, meas, links

    (ra, *rest_a), (rb, *rest_b) = dump(a), dump(b)
    as_json = sum(1 for k, v in ra.items() if k in rb and v[:-1] == rb[k][:-1]
                  and json.loads(v[-1] or "null") == json.loads(rb[k][-1] or "null"))
    as_text = sum(1 for k, v in ra.items() if rb.get(k) == v)
    same_rest = ", ".join(f"{name} {'equal' if x == y else 'DIFFER'} ({len(x)})"
                          for name, x, y in zip(("values", "measurements", "links"), rest_a, rest_b))
    return f"{as_json}/{len(ra)} stored results equal as JSON ({as_text} as text; {len(rb)} in the reference); {same_rest}"


def study_run(root: Path, layout: dict, jobs: int, dask_workers: int = 0, reference_db: Path | None = None) -> None:
    manifest = write_manifest(root, layout)
    db = manifest.with_suffix(".sqlite")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    n_eis = sum(len(s["eis"]) for s in layout["samples"]) + len(layout["refs"])
    n_dc = sum(len(s["dc"]) for s in layout["samples"])
    how = ["--jobs", str(jobs)]
    stack = ExitStack()
    if dask_workers:
        from distributed import LocalCluster

        cluster = stack.enter_context(LocalCluster(n_workers=dask_workers, threads_per_worker=1, processes=True,
                                                   dashboard_address=None))
        how = ["--scheduler", cluster.scheduler_address]
    print(f"\n## `sselab run` on {manifest.name}: {n_eis} EIS (incl. {len(layout['refs'])} eBE references) + {n_dc} DC files, "
          + (f"--scheduler (LocalCluster, {dask_workers} worker processes; CPU below excludes the workers)" if dask_workers
             else f"--jobs {jobs}"))
    with stack:
        wall, cpu, r = run_cli(["run", str(manifest), "--db", str(db), *how, "--no-report", "--json"])
    if r.returncode != 0:
        print(f"  failed (rc {r.returncode}): {r.stderr.strip()[-500:]}")
        return
    s = json.loads(r.stdout)
    n = n_eis + n_dc
    print(f"  {s['n_run']} tasks ({s['n_failed']} failed) in {wall:.1f} s wall (run_study {s['seconds']:.1f} s), "
          f"{cpu:.1f} s CPU (children) → {n / wall:.1f} files/s")
    if reference_db is not None:
        print(f"  against {reference_db}: {compare_stores(db, reference_db)}")
    wall2, _, r2 = run_cli(["run", str(manifest), "--db", str(db), "--jobs", str(jobs), "--no-report", "--json"])
    s2 = json.loads(r2.stdout) if r2.returncode == 0 else {}
    print(f"  incremental rerun (nothing changed): {s2.get('n_skipped')} skipped, {s2.get('n_run')} run, {wall2:.1f} s wall")


def demo() -> None:
    out = CACHE / "demo"
    wall, cpu, r = run_cli(["demo", "--out", str(out)])
    tail = r.stdout.strip().splitlines()[-1:] if r.stdout.strip() else [r.stderr.strip()[-300:]]
    print(f"\n## `sselab demo` end to end: {wall:.1f} s wall, {cpu:.1f} s CPU (rc {r.returncode}; {tail[0] if tail else ''})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--temperatures", type=int, default=100)
    ap.add_argument("--holds", type=int, default=100)
    ap.add_argument("--study", action="store_true", help="also `sselab run` on a manifest of these files")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--dask-workers", type=int, default=0, help="with --study: run on a LocalCluster of N workers")
    ap.add_argument("--demo", action="store_true", help="also time `sselab demo`")
    ap.add_argument("--skip-library", action="store_true")
    ap.add_argument("--reference-db", type=Path, help="with --study: compare every stored result with this "
                    "database's (e.g. one written by another sselab version on the same files)")
    a = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"numpy {np.__version__}; load average {load:.1f}")
    root = CACHE / f"{a.samples}x{a.temperatures}x{a.holds}"
    for sub in ("eis", "dc"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    with Clock() as c:
        layout = write_data(root, a.samples, a.temperatures, a.holds, a.study)
    print(f"data in {root} ({c.wall:.1f} s to write or find)")
    if not a.skip_library:
        eis_arrhenius(layout)
        dc_analysis(layout)
    if a.study:
        study_run(root, layout, a.jobs, a.dask_workers, a.reference_db)
    if a.demo:
        demo()


if __name__ == "__main__":
    main()
