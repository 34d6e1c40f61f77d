"""CasaXPS model import: sselab's reading of the stored model and its refit against CasaXPS's own table.

Case: FAIRmat-NFDI/pynxtools-xps @ b79fb8ed, examples/vms/data_analysis/FeO_analyzed.vms (CasaXPS-processed,
Fe 2p, 2 LF + 2 SGL(30) components, U 3 Tougaard) and FeO_analyzed_results.csv (CasaXPS's quantification
table of that file), copied to tests/data/xps.  Targets (#17): positions within 0.05 eV, FWHM within 3 %,
%At within 1 at.%.  Run: PYTHONPATH=src python benchmarks/bench_xps_casa.py
"""

from __future__ import annotations

from pathlib import Path

from sselab.io import read
from sselab.xps.casa import casa_report

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "xps"


def casa_table(path: Path) -> list[dict]:
    rows = []
    lines = path.read_text(encoding="latin-1").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Name\tPosition"))
    for ln in lines[start + 1:]:
        cells = ln.split("\t")
        if len(cells) < 6 or not cells[1].strip():
            break
        rows.append({"name": cells[0], "position_eV": float(cells[1]), "fwhm_eV": float(cells[2]),
                     "raw_area": float(cells[3]), "percent_at": float(cells[5])})
    return rows


def main() -> None:
    acq, = read(DATA / "FeO_analyzed.vms", kind="xps")
    table = casa_table(DATA / "FeO_analyzed_results.csv")
    for refit in (False, True):
        d = casa_report(acq, refit=refit)
        comps = d["regions"][0]["components"]
        print(f"\n{'refit with sselab' if refit else 'stored model as read'} (status {d['status']})")
        print(f"{'comp':<5}{'pos':>9}{'casa':>9}{'d_eV':>7}{'fwhm':>7}{'casa':>7}{'d_%':>7}{'%At':>7}{'casa':>7}")
        for k, (c, t) in enumerate(zip(comps, table)):
            print(f"{k:<5}{c['position_eV']:9.3f}{t['position_eV']:9.2f}{c['position_eV'] - t['position_eV']:7.3f}"
                  f"{c['fwhm_eV']:7.3f}{t['fwhm_eV']:7.2f}{100 * (c['fwhm_eV'] / t['fwhm_eV'] - 1):7.2f}"
                  f"{c['percent_at']:7.2f}{t['percent_at']:7.2f}")
        for n in d["notes"]:
            print("note:", n)


if __name__ == "__main__":
    main()
