"""Application-level speed: `sselab demo`, `sselab run` of the scale study, `sselab eis fit` per file, `sselab --help`.

    .venv/bin/python benchmarks/bench_app_speed.py                         # everything, 3 repeats
    .venv/bin/python benchmarks/bench_app_speed.py --only help,cli --repeats 5
    .venv/bin/python benchmarks/bench_app_speed.py --only cli --files-small 2000 --files 10000 --csv-dir /tmp/csv
    .venv/bin/python benchmarks/bench_app_speed.py --only run --samples 10  # the 2,100-file study

Each item runs the installed CLI as a subprocess (what a user waits for) and prints wall and CPU
seconds (CPU: the child and its worker processes), the median and the range over ``--repeats``:

- ``help``: ``sselab --help``, ``sselab eis fit --help`` and a one-file ``sselab eis fit --json``
  (targets: ≤ 0.3 s and "well under 0.3 s" wall on an idle machine);
- ``cli``: ``sselab eis fit --json`` on ``--files-small`` and ``--files`` CSV spectra of the
  eBE-stack circuit (simulated, 0.3 % noise, seed per file; written once into
  ``benchmarks/.cache/app_speed/``); the *marginal* rate is
  (n_large − n_small) / (t_large − t_small), start-up excluded (target ≥ 3,000 files/s);
- ``demo``: ``sselab demo`` (default ``--jobs``, i.e. this machine's CPUs, at most 4) and
  ``--jobs 1``, each repeat into a fresh folder (target ≤ 8 s wall); then again into the first
  folder, which the pipeline finds filled and re-runs only in part (not the target's figure);
- ``run``: ``sselab run --no-report --json`` of :mod:`bench_study_scale`'s study (``--samples``
  × (100 EIS + 100 DC) + 100 eBE references; 10 samples = 2,100 files; target ≤ 10 s), serial
  and with ``--jobs 2``, from an empty database each time.

Wall times on a shared machine are upper bounds; the CPU seconds are the steadier figure.
The load average is printed with each result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "app_speed"
SSELAB = [sys.executable, "-m", "sselab.cli"]
#: the commands' environment: this one's, with Python's bytecode cache on unless ``--no-bytecode``
#: (a user's Python writes ``.pyc`` files; with PYTHONDONTWRITEBYTECODE=1 every command compiles
#: the ~290 modules it imports from source: the demo 9.5 s against 9.0 s)
CHILD_ENV = dict(os.environ)


def run_cli(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU (children) seconds of one ``sselab`` command.  Its output is captured as bytes:
    decoding 48 MB of JSON (10,000 fits) into text here took ~0.05 s of this process's time, inside
    the command's wall clock, that a user redirecting the output to a file does not spend."""
    t0, c0 = time.perf_counter(), os.times()
    r = subprocess.run([*SSELAB, *args], capture_output=True, env=CHILD_ENV)
    c1 = os.times()
    return time.perf_counter() - t0, (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system), r


def stats(xs: list[float]) -> str:
    return f"{statistics.median(xs):.3g} [{min(xs):.3g}–{max(xs):.3g}]"


def load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def repeat(label: str, args: list[str], n: int, check: bool = True) -> tuple[list[float], list[float]]:
    """Run ``sselab *args`` ``n`` times; ``{k}`` in an argument becomes the repeat's number (a
    fresh output folder per repeat: the demo into a folder it has filled re-runs only what
    changed, 6.1 s against 9.5 s fresh)."""
    walls, cpus = [], []
    for k in range(n):
        wall, cpu, r = run_cli([a.replace("{k}", str(k)) for a in args])
        if check and r.returncode not in (0, 3):
            raise SystemExit(f"{label}: rc {r.returncode}: {r.stderr.decode(errors='replace').strip()[-400:]}")
        walls.append(wall)
        cpus.append(cpu)
    print(f"  {label}: wall {stats(walls)} s, CPU {stats(cpus)} s (n={n}, load {load()})", flush=True)
    return walls, cpus


def bench_help(n: int) -> None:
    from sselab.simulate.paper import EBE_STACK_CIRCUIT

    print("\n## `sselab --help`, `sselab eis fit --help`, a one-file `sselab eis fit --json`")
    repeat("sselab --help", ["--help"], n)
    repeat("sselab eis fit --help", ["eis", "fit", "--help"], n)
    [one] = cli_files(1)
    repeat("sselab eis fit FILE --json (one file)", ["eis", "fit", str(one), "--circuit", EBE_STACK_CIRCUIT, "--json"], n)


#: where the CLI's CSV files are written once (``--csv-dir``)
CSV_DIR = CACHE / "csv"


def cli_files(n: int) -> list[Path]:
    from sselab.io.writers import write_spectrum_csv
    from sselab.simulate.paper import MaterialModel, ebe_stack_spectrum

    folder = CSV_DIR
    folder.mkdir(parents=True, exist_ok=True)
    model = MaterialModel()
    rng = np.random.default_rng(0)
    paths = []
    for k in range(n):
        p = folder / f"ebe_{k:05d}.csv"
        if not p.exists():
            T = float(rng.uniform(298.15, 398.15))
            write_spectrum_csv(p, ebe_stack_spectrum(T, model, noise=0.003, seed=k))
        paths.append(p)
    return paths


def bench_cli(n_small: int, n_large: int, reps: int) -> None:
    from sselab.simulate.paper import EBE_STACK_CIRCUIT

    files = cli_files(n_large)
    print(f"\n## `sselab eis fit --json` on {n_small} and {n_large} CSV files (eBE stack, 0.3 % noise)")
    base = ["eis", "fit", "--circuit", EBE_STACK_CIRCUIT, "--json"]
    small, cpu_small = repeat(f"{n_small} files", base + [str(p) for p in files[:n_small]], reps)
    large, cpu_large = repeat(f"{n_large} files", base + [str(p) for p in files], reps)
    rates = [(n_large - n_small) / max(b - a, 1e-9) for a, b in zip(sorted(small), sorted(large))]
    cpu_rates = [(n_large - n_small) / max(b - a, 1e-9) for a, b in zip(sorted(cpu_small), sorted(cpu_large))]
    print(f"  marginal rate: {stats(rates)} files/s by wall, {stats(cpu_rates)} files/s by CPU (paired by rank; "
          f"the CPU rate is what an idle machine's wall rate approaches); CPU per file at {n_large}: "
          f"{1e3 * statistics.median(cpu_large) / n_large:.2f} ms incl. start-up")


def bench_demo(reps: int) -> None:
    print("\n## `sselab demo` (80+ comparison rows)")
    with tempfile.TemporaryDirectory() as tmp:
        repeat("demo (default --jobs), fresh folder", ["demo", "--out", f"{tmp}/a{{k}}", "--json"], reps)
        repeat("demo --jobs 1, fresh folder", ["demo", "--out", f"{tmp}/b{{k}}", "--jobs", "1", "--json"], reps)
        repeat("demo (default --jobs) again into a filled folder", ["demo", "--out", f"{tmp}/a0", "--json"], reps)


def bench_run(samples: int, reps: int) -> None:
    sys.path.insert(0, str(HERE))
    import bench_study_scale as bss

    root = bss.CACHE
    for sub in ("eis", "dc"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    layout = bss.write_data(root, samples, 100, 100, study=True)
    manifest = bss.write_manifest(root, layout)
    n = sum(len(s["eis"]) + len(s["dc"]) for s in layout["samples"]) + len(layout["refs"])
    print(f"\n## `sselab run --no-report` on {manifest.name}: {n} files, empty database each time")
    for jobs in (1, 2):
        walls, cpus, inner = [], [], []
        for _ in range(reps):
            db = Path(tempfile.mkdtemp()) / "r.sqlite"
            wall, cpu, r = run_cli(["run", str(manifest), "--db", str(db), "--jobs", str(jobs), "--no-report", "--json"])
            if r.returncode != 0:
                raise SystemExit(f"run failed: {r.stderr.decode(errors='replace').strip()[-400:]}")
            s = json.loads(r.stdout)
            walls.append(wall)
            cpus.append(cpu)
            inner.append(s["seconds"])
        print(f"  --jobs {jobs}: wall {stats(walls)} s (run_study {stats(inner)} s), CPU {stats(cpus)} s, "
              f"{n / statistics.median(walls):.0f} files/s (n={reps}, load {load()}; {s['n_run']} tasks, "
              f"{s['n_failed']} failed)", flush=True)


def main() -> None:
    global CSV_DIR
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="help,cli,demo,run", help="comma-separated: help, cli, demo, run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--files-small", type=int, default=200)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--samples", type=int, default=10, help="run: samples of the scale study (10 = 2,100 files)")
    ap.add_argument("--csv-dir", type=Path, default=CSV_DIR,
                    help="cli: folder of the simulated CSV files (written once; default %(default)s)")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE as set here (default: the commands write and use .pyc files)")
    a = ap.parse_args()
    CSV_DIR = a.csv_dir
    import sselab

    if not a.no_bytecode:
        import compileall

        CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        compileall.compile_dir(str(Path(sselab.__file__).parent), quiet=1)  # untimed: what the first run would write
    only = set(a.only.split(","))

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {load()}; python {platform.python_version()}; "
          f"sselab from {Path(sselab.__file__).parent}; the commands' PYTHONDONTWRITEBYTECODE="
          f"{CHILD_ENV.get('PYTHONDONTWRITEBYTECODE', '')!r}")
    if "help" in only:
        bench_help(max(a.repeats, 5))
    if "cli" in only:
        bench_cli(a.files_small, a.files, a.repeats)
    if "demo" in only:
        bench_demo(a.repeats)
    if "run" in only:
        bench_run(a.samples, a.repeats)


if __name__ == "__main__":
    main()
