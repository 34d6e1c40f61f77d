"""Report rendering speed: ``write_report`` on the virtual Mg3AsN study (61 figures), one or more
source trees side by side, interleaved.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_report.py --repeats 3
    PYTHONPATH=src .venv/bin/python benchmarks/bench_report.py --src /tmp/old/src --src src   # before/after

The study (``write_virtual_study(seed=4)`` + ``run_study``) is built once into
``benchmarks/.cache/report_study`` with the first ``--src``.  Each measurement is a fresh
subprocess running ``write_report(..., jobs=J)`` (SVG figures, as the demo writes them) and
prints its wall seconds and CPU seconds (the process and its figure workers); the median and
range over ``--repeats`` are printed with the load average.  Wall times on a shared machine are
upper bounds; the CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "report_study"

_BUILD = """
import sys
from pathlib import Path
from sselab.simulate.virtual_study import write_virtual_study
from sselab.study.pipeline import run_study
m = write_virtual_study(Path(sys.argv[1]) / "study", seed=4)
run_study(m, Path(sys.argv[1]) / "r.sqlite", jobs=2)
"""

_TIME = """
import resource, shutil, sys, time
from pathlib import Path
from sselab.report import write_report
out = Path(sys.argv[2]); shutil.rmtree(out, ignore_errors=True)
t = time.perf_counter()
write_report(Path(sys.argv[1]), out, study="Mg3AsN-virtual", truth={}, jobs=int(sys.argv[3]))
wall = time.perf_counter() - t
cpu = sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
          for f in ("ru_utime", "ru_stime"))
print(wall, cpu, len(list((out / "figures").iterdir())))
"""


def _run(src: str, code: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    lines = subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()
    return lines[-1] if lines else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", action="append", help="source tree(s) to time (default: this repo's src)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--jobs", default="1,2", help="comma-separated figure-worker counts")
    a = ap.parse_args()
    srcs = a.src or [str(HERE.parent / "src")]
    db = CACHE / "r.sqlite"
    if not db.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        _run(srcs[0], _BUILD, str(CACHE))
    jobs = [int(j) for j in a.jobs.split(",")]
    res: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for _ in range(a.repeats):
        for j in jobs:
            for src in srcs:
                wall, cpu, n = _run(src, _TIME, str(db), str(CACHE / "out"), str(j)).split()
                res.setdefault((src, j), []).append((float(wall), float(cpu)))
    print(f"write_report, virtual study ({n} SVG figures), {a.repeats} repeats, load average now "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    print(f"{'source':40s} {'jobs':>4s} {'wall s, median [range]':>24s} {'CPU s, median [range]':>24s}")
    for (src, j), v in res.items():
        w, c = [x[0] for x in v], [x[1] for x in v]
        print(f"{src[-40:]:40s} {j:4d} {statistics.median(w):10.2f} [{min(w):.2f}–{max(w):.2f}] "
              f"{statistics.median(c):10.2f} [{min(c):.2f}–{max(c):.2f}]")


if __name__ == "__main__":
    main()
