"""What the rest of the paper (sselab.simulate.paper_study) adds to the demo's time.

Writes the virtual study (with structure), runs the pipeline serially, and sums the task time
spent on the paper-study files (stacks/, hot-pressed/, composite/, the 600C-12h XPS profile) and
their derived tasks (stacks, eis_series, ageing, bruce_vincent, ccd, the -HP samples'
dc_electronic/deconvolution/consistency), beside the whole run's task time and the time to
write the paper-study files.  Prints one line per number; load average printed with them.

    PYTHONPATH=src python benchmarks/bench_paper_study.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

PAPER_DIRS = ("/stacks/", "/hot-pressed/", "/composite/", "600C-12h_depth-profile")
DERIVED = {"stacks", "eis_series", "ageing", "bruce_vincent", "ccd"}


def main() -> None:
    from sselab.simulate.paper_study import write_paper_measurements
    from sselab.simulate.virtual_study import write_virtual_study
    from sselab.store import open_store
    from sselab.study.pipeline import run_study

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        write_paper_measurements(Path(tmp) / "only", 0, {"as-BM": {}}, [])
        t_write = time.perf_counter() - t
        manifest = write_virtual_study(Path(tmp) / "study")
        t = time.perf_counter()
        run_study(manifest, Path(tmp) / "r.sqlite")
        t_run = time.perf_counter() - t
        with open_store(Path(tmp) / "r.sqlite") as s:
            analyses = s.analyses()
    total = sum(a.get("duration_s") or 0.0 for a in analyses)
    mine = 0.0
    for a in analyses:
        paths = [m.get("path", "") for m in a.get("measurements") or []]
        if (a["method"] in DERIVED or str(a.get("sample", "")).endswith("-HP")
                or any(d in p for p in paths for d in PAPER_DIRS)):
            mine += a.get("duration_s") or 0.0
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared)")
    print(f"paper-study files written in {t_write:.2f} s")
    print(f"pipeline run {t_run:.1f} s; task time {total:.1f} s, of which paper-study tasks {mine:.2f} s")


if __name__ == "__main__":
    main()
