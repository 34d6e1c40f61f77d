"""Reader coverage: sselab and peer readers on a corpus of real files with checked truth.

Usage::

    PYTHONPATH=src python benchmarks/bench_readers.py [--manifest benchmarks/readers_manifest.yaml]

For every manifest entry, sselab's ``read(path)`` (no kind given: the sniffing is tested too)
is classed as

- correct: the kind, the number of measurements and the points/axis ends/values given in
  the manifest all match (rel. 1e-6);
- refused: a clean ReaderError (correct when the manifest says ``expect: refuse``);
- misread: anything else — the worst outcome, a silent wrong reading.

Peers: galvani (a sselab dependency, used for .mpr) is run here; pyimpspec and yadg run only
from ``benchmarks/.venv-peers`` (they pin other numpy/pandas versions), xrayutilities (.xrdml,
.ras) and vamas (.vms, .npl) from ``benchmarks/.venv-peers-xrd``: when those folders are absent
they are skipped and the report says so.  Diffraction entries give n, x0/x1 (2θ ends, deg) and
y0/y1 (counts); XPS entries regions, n, e0/e1 (binding-energy ends, eV) and c0 (first count) of
the first region.  Prints per-format and total counts.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
KIND_OF = {"Spectrum": "spectrum", "CurrentTransient": "transient", "GalvanostaticRecord": "galvanostatic",
           "Voltammogram": "voltammogram", "PotentialRecord": "potential", "DiffractionPattern": "diffraction",
           "XPSAcquisition": "xps"}


def _close(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=1e-6, atol=0))


def judge_sselab(path: Path, truth: dict) -> tuple[str, str]:
    from sselab.exceptions import ReaderError
    from sselab.io import read

    try:
        items = read(path)
    except ReaderError as exc:
        right = truth.get("expect") == "refuse" and truth.get("because", "").lower() in exc.problem.lower()
        return ("correct" if right else "refused"), exc.problem[:90]
    if truth.get("expect") == "refuse":
        return "misread", f"read as {KIND_OF.get(type(items[0]).__name__)} but holds no such data"
    m = items[0]
    kind = KIND_OF.get(type(m).__name__, "?")
    why = []
    if kind != truth["kind"]:
        why.append(f"kind {kind} != {truth['kind']}")
    if "count" in truth and len(items) != truth["count"]:
        why.append(f"{len(items)} measurements != {truth['count']}")
    n = m.n_points if hasattr(m, "n_points") else getattr(m, "time_s", np.empty(0)).size
    if "n" in truth and n != truth["n"] and kind not in ("diffraction", "xps"):
        why.append(f"{n} points != {truth['n']}")
    if kind == "spectrum" and not why:
        if "f0" in truth and not _close(m.frequency_Hz[0], truth["f0"]):
            why.append(f"f0 {m.frequency_Hz[0]:g}")
        if "f1" in truth and not _close(m.frequency_Hz[-1], truth["f1"]):
            why.append(f"f1 {m.frequency_Hz[-1]:g}")
        if "z0" in truth:
            z = complex(*truth["z0"])
            if not (_close(m.impedance_ohm[0].real, z.real) and _close(m.impedance_ohm[0].imag, z.imag)):
                why.append(f"Z0 {m.impedance_ohm[0]:.6g} != {z:.6g}")
    if kind in ("diffraction", "xps") and not why:
        why += _structure_mismatch(m, items, truth)
    return ("misread", "; ".join(why)) if why else ("correct", m.verdict.status)


def _close0(a: float, b: float) -> bool:
    """Axis ends: relative 1e-6, or 1e-6 absolute about zero (an energy end of -2e-13 is 0)."""
    return bool(np.isclose(a, b, rtol=1e-6, atol=1e-6))


def _structure_mismatch(m, items: list, truth: dict) -> list[str]:
    """Diffraction: points n, 2θ ends x0/x1 [deg], intensities y0/y1 [counts].  XPS: regions
    (of the first acquisition), points n, binding-energy ends e0/e1 [eV] and first count c0 of
    the first region."""
    why = []
    if type(m).__name__ == "DiffractionPattern":
        x, y, n = m.two_theta_deg, m.intensity, m.two_theta_deg.size
    else:
        if "regions" in truth and len(m.regions) != truth["regions"]:
            why.append(f"{len(m.regions)} regions != {truth['regions']}")
        x, y, n = m.regions[0].binding_energy_eV, m.regions[0].counts, m.regions[0].binding_energy_eV.size
    if "n" in truth and n != truth["n"]:
        why.append(f"{n} points != {truth['n']}")
    for key, val in (("x0", x[0]), ("x1", x[-1]), ("e0", x[0]), ("e1", x[-1]), ("y0", y[0]), ("y1", y[-1]),
                     ("c0", y[0])):
        if key in truth and not _close0(val, truth[key]):
            why.append(f"{key} {val:.7g} != {truth[key]}")
    return why


def judge_galvani(path: Path, truth: dict) -> tuple[str, str] | None:
    if path.suffix.lower() != ".mpr":
        return None
    from galvani.BioLogic import MPRfile

    try:
        mpr = MPRfile(str(path))
    except Exception as exc:  # noqa: BLE001 - a peer's failure of any kind is a refusal
        return "refused", f"{type(exc).__name__}"
    rows = 0 if mpr.data is None else len(mpr.data)
    if truth.get("expect") == "refuse":
        return ("correct", "no rows") if rows == 0 else ("misread", f"{rows} rows")
    if truth.get("count") == 1 and "n" in truth:
        return ("correct", f"{rows} rows") if rows == truth["n"] else ("misread", f"{rows} rows != {truth['n']}")
    return "read", f"{rows} rows (not judged: several measurements)"


def _speed_files(folder: Path, rows: int) -> list[tuple[str, Path, str | None, dict, str]]:
    """Generated files of ``rows`` rows: (label, path, kind, numpy.loadtxt arguments, floor note)."""
    f = np.logspace(6, -2, rows)
    re_, im = 100 + 1e-3 * f, -np.sqrt(f)
    out = []
    p = folder / "big.csv"
    np.savetxt(p, np.c_[f, re_, im], delimiter=",", header="f (Hz),Z' (Ohm),Z'' (Ohm)", comments="")
    out.append(("CSV spectrum", p, "spectrum", {"delimiter": ",", "skiprows": 1}, ""))
    p = folder / "big.tsv"
    np.savetxt(p, np.c_[f, re_, im], delimiter="\t", header="Freq/Hz\tZre/Ohm\tZim/Ohm", comments="")
    out.append(("TSV spectrum", p, "spectrum", {"delimiter": "\t", "skiprows": 1}, ""))
    p = folder / "big.mpt"
    head = "EC-Lab ASCII FILE\nNb header lines : 5\n\nPotentio Electrochemical Impedance Spectroscopy\n"
    body = io.StringIO()
    np.savetxt(body, np.c_[f, re_, -im, np.abs(re_ + 1j * im)], delimiter="\t", fmt="%.7E")
    p.write_text(head + "freq/Hz\tRe(Z)/Ohm\t-Im(Z)/Ohm\t|Z|/Ohm\n" + body.getvalue())
    out.append(("EC-Lab .mpt", p, None, {"delimiter": "\t", "skiprows": 5}, ""))
    p = folder / "big.DTA"
    body = io.StringIO()
    np.savetxt(body, np.c_[np.arange(rows), np.arange(rows) * 1.0, f, re_, im], delimiter="\t",
               fmt=["\t%d", "%.6g", "%.7g", "%.7g", "%.7g"])
    p.write_text("EXPLAIN\nTAG\tEISPOT\nZCURVE\tTABLE\n\tPt\tTime\tFreq\tZreal\tZimag\n\t#\ts\tHz\tohm\tohm\n"
                 + body.getvalue())
    out.append(("Gamry .DTA", p, None, {"delimiter": "\t", "skiprows": 5, "usecols": (1, 2, 3, 4, 5)}, ""))
    p = folder / "big.xy"
    tt = np.linspace(5, 120, rows)
    np.savetxt(p, np.c_[tt, 1000 + 100 * np.sin(tt)], fmt="%.5f %.3f", header="2theta intensity", comments="# ")
    out.append(("XRD .xy", p, "diffraction", {"comments": "#"}, ""))
    return out


def speed(rows: int = 200_000, repeats: int = 3) -> None:
    """sselab's text readers vs numpy.loadtxt on the same file (the floor for a text table),
    ``rows`` generated rows each; best of ``repeats`` (the machine is shared: the best run is
    the least disturbed one), wall time and process CPU time."""
    import tempfile

    from sselab.io import read

    with tempfile.TemporaryDirectory() as tmp:
        for label, path, kind, kw, _ in _speed_files(Path(tmp), rows):
            t_s, t_n, c_s, c_n = [], [], [], []
            for _ in range(repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                items = read(path, kind=kind) if kind else read(path)
                t1, c1 = time.perf_counter(), time.process_time()
                np.loadtxt(path, **kw)
                t2, c2 = time.perf_counter(), time.process_time()
                t_s.append(t1 - t0)
                t_n.append(t2 - t1)
                c_s.append(c1 - c0)
                c_n.append(c2 - c1)
            n = getattr(items[0], "n_points", None) or items[0].two_theta_deg.size
            assert n == rows, f"{label}: {n} points read of {rows}"
            mb = path.stat().st_size / 1e6
            print(f"speed {label:14s} {rows} rows ({mb:5.1f} MB): sselab read {min(t_s):.3f} s, "
                  f"numpy.loadtxt {min(t_n):.3f} s, ratio {min(t_s) / min(t_n):.2f} (CPU time ratio "
                  f"{min(c_s) / min(c_n):.2f})")


PEER_SNIPPET = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
out = {}
for path in sys.argv[1:]:
    res = {}
    try:
        import pyimpspec
    except ImportError:
        pyimpspec = None
    try:
        if pyimpspec is None:
            raise LookupError("not installed")
        data = pyimpspec.parse_data(path)
        res["pyimpspec"] = {"count": len(data), "n": data[0].get_num_points(),
                            "f0": float(data[0].get_frequencies()[0]), "f1": float(data[0].get_frequencies()[-1]),
                            "z0": [float(data[0].get_impedances()[0].real), float(data[0].get_impedances()[0].imag)]}
    except LookupError:
        pass
    except Exception as exc:
        res["pyimpspec"] = {"error": type(exc).__name__}
    if path.lower().endswith((".mpr", ".mpt")):
        try:
            from yadg.extractors import extract
        except ImportError:
            extract = None
        try:
            if extract is None:
                raise LookupError("not installed")
            ds = extract(filetype="eclab." + path.rsplit(".", 1)[1].lower(), path=path)
            node = ds if hasattr(ds, "sizes") else ds[list(ds.children)[0]]
            res["yadg"] = {"rows": int(node.sizes.get("uts", 0))}
        except LookupError:
            pass
        except Exception as exc:
            res["yadg"] = {"error": type(exc).__name__}
    out[path] = res
print(json.dumps(out))
"""


PEER_XRD_SNIPPET = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
out = {}
for path in sys.argv[1:]:
    low, res = path.lower(), {}
    base = low[:-3] if low.endswith(".gz") else low[:-4] if low.endswith(".bz2") else low
    try:
        import xrayutilities as xu
        if base.endswith(".xrdml"):
            s = xu.io.XRDMLFile(path).scan
            # 'detector' holds the scan as counts per second (counts / counting time)
            tt, y = np.asarray(s.ddict["2Theta"], float), np.asarray(s.ddict["detector"], float)
            ct = np.asarray(s.ddict["countTime"], float).ravel()
            if y.ndim == 2 or y.size == 0:
                res["xrayutilities"] = {"shape": list(y.shape), "ny": int(y.size)}
            else:
                res["xrayutilities"] = {"n": int(tt.size), "x0": float(tt[0]), "x1": float(tt[-1]),
                                        "y0": float(y[0]), "y1": float(y[-1]),
                                        "t": float(ct[0]) if ct.size else None}
        elif base.endswith(".ras"):
            sc = xu.io.RASFile(path).scans
            d = sc[0].data
            tt, y = np.asarray(d[d.dtype.names[0]], float), np.asarray(d[d.dtype.names[1]], float)
            res["xrayutilities"] = {"count": len(sc), "n": int(tt.size), "x0": float(tt[0]), "x1": float(tt[-1]),
                                    "y0": float(y[0]), "y1": float(y[-1]), "t": None}
    except Exception as exc:
        res["xrayutilities"] = {"error": type(exc).__name__}
    if base.endswith((".vms", ".npl")):
        try:
            import vamas
            v = vamas.Vamas(path)
            b = v.blocks[0]
            y = np.asarray(b.corresponding_variables[0].y_values, float)
            x = b.x_start + b.x_step * np.arange(y.size)
            if "kinetic" in b.x_label.lower():
                x = b.analysis_source_characteristic_energy - x
            res["vamas"] = {"regions": len(v.blocks), "n": int(y.size), "e0": float(x[0]), "e1": float(x[-1]),
                            "c0": float(y[0])}
        except Exception as exc:
            res["vamas"] = {"error": type(exc).__name__}
    out[path] = res
print(json.dumps(out))
"""


def run_xrd_peers(paths: list[Path]) -> dict:
    """xrayutilities (.xrdml, .ras, compressed too) and vamas (.vms, .npl) from
    benchmarks/.venv-peers-xrd; {} when that environment is absent."""
    import json

    py = HERE / ".venv-peers-xrd" / "bin" / "python"
    if not py.exists() or not paths:
        return {}
    proc = subprocess.run([str(py), "-c", PEER_XRD_SNIPPET, *map(str, paths)], capture_output=True, text=True,
                          timeout=900)
    if proc.returncode != 0:
        print(f"peers in .venv-peers-xrd failed: {proc.stderr.strip().splitlines()[-1:]}")
        return {}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def judge_structure_peer(res: dict | None, truth: dict) -> str | None:
    """A peer's reading of a diffraction/XPS file against the manifest truth.  A 2-D result
    (a map) is correct where the truth names that ``shape``; no data at all is a refusal;
    XRDML intensities given in counts/s (y0 = counts / counting time) count as correct."""
    if res is None:
        return None
    if "error" in res or res.get("ny") == 0:
        return "refused"
    if "shape" in res:
        return "correct" if res["shape"] == truth.get("shape") else "misread"
    if truth.get("expect") == "refuse":
        return "misread"
    ok = truth.get("n", res["n"]) == res["n"]
    for key in ("x0", "x1", "e0", "e1", "c0", "regions", "count"):
        if key in truth and key in res:
            ok = ok and _close0(res[key], truth[key])
    for key in ("y0", "y1"):
        if key in truth and key in res:
            t = res.get("t")
            ok = ok and (_close0(res[key], truth[key]) or bool(t) and _close0(res[key] * t, truth[key]))
    return "correct" if ok else "misread"


def run_peers(paths: list[Path]) -> dict:
    """pyimpspec and yadg, run in benchmarks/.venv-peers and .venv-peers-yadg (their own
    numpy/pandas pins; pyimpspec 5.1.3 and yadg 7.0.1 cannot share one environment)."""
    import json

    merged: dict = {}
    for venv in (".venv-peers", ".venv-peers-yadg"):
        py = HERE / venv / "bin" / "python"
        if not py.exists():
            continue
        proc = subprocess.run([str(py), "-c", PEER_SNIPPET, *map(str, paths)], capture_output=True, text=True,
                              timeout=900)
        if proc.returncode != 0:
            print(f"peers in {venv} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        for path, res in json.loads(proc.stdout.strip().splitlines()[-1]).items():
            merged.setdefault(path, {}).update(res)
    return merged


def judge_pyimpspec(res: dict | None, truth: dict) -> str | None:
    if res is None or truth["kind"] != "spectrum" and truth.get("expect") != "refuse":
        return None
    if "error" in res:
        return "correct" if truth.get("expect") == "refuse" else "refused"
    if truth.get("expect") == "refuse":
        return "misread"
    ok = all([truth.get("count", res["count"]) == res["count"], truth.get("n", res["n"]) == res["n"],
              "f0" not in truth or _close(res["f0"], truth["f0"]), "f1" not in truth or _close(res["f1"], truth["f1"])])
    if ok and "z0" in truth:
        ok = _close(res["z0"][0], truth["z0"][0]) and _close(res["z0"][1], truth["z0"][1])
    return "correct" if ok else "misread"


def judge_yadg(res: dict | None, truth: dict) -> str | None:
    if res is None:
        return None
    if "error" in res:
        return "correct" if truth.get("expect") == "refuse" else "refused"
    if truth.get("count") == 1 and "n" in truth:
        return "correct" if res["rows"] == truth["n"] else "misread"
    return "read"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=str(HERE / "readers_manifest.yaml"))
    ap.add_argument("--fetched", default=str(HERE / ".cache" / "fetched"),
                    help="folder of the manifest's `fetched: true` files (public files outside the shared corpus)")
    ap.add_argument("--speed", action="store_true", help="also time the text readers on 200k generated rows against numpy.loadtxt")
    ap.add_argument("--speed-only", action="store_true", help="only the speed part")
    ap.add_argument("--kinds", default="", help="comma-separated kinds to run (e.g. diffraction,xps); all when empty")
    args = ap.parse_args()
    if args.speed or args.speed_only:
        speed()
    if args.speed_only:
        return 0
    man = yaml.safe_load(Path(args.manifest).read_text())
    root = (Path(args.manifest).parent / man["root"]).resolve()
    if not root.is_dir():
        print(f"corpus folder {root} absent: nothing to benchmark")
        return 0
    peers_venv = HERE / ".venv-peers"
    if not peers_venv.is_dir():
        print(f"pyimpspec, yadg: skipped ({peers_venv} does not exist; create it with those packages to compare)")
    fetched = Path(args.fetched)

    def where(entry: dict) -> Path:
        return (fetched if entry.get("fetched") else root) / entry["file"]

    if args.kinds:
        man["files"] = [e for e in man["files"] if e["kind"] in args.kinds.split(",")]
    present = [e for e in man["files"] if where(e).exists()]
    peers = run_peers([where(e) for e in present if e["kind"] not in ("diffraction", "xps")])
    for path, res in run_xrd_peers([where(e) for e in present if e["kind"] in ("diffraction", "xps")]).items():
        peers.setdefault(path, {}).update(res)
    tools = ("galvani", "pyimpspec", "yadg", "xrayutilities", "vamas")
    peer_counts: dict[str, Counter] = {t: Counter() for t in tools}
    per_format: dict[str, Counter] = defaultdict(Counter)
    galvani: Counter = Counter()
    peer_format: dict[str, dict[str, Counter]] = {t: defaultdict(Counter) for t in tools}
    t0 = time.perf_counter()
    for entry in man["files"]:
        path = where(entry)
        if not path.exists():
            print(f"  missing {entry['file']}")
            continue
        verdict, detail = judge_sselab(path, entry)
        per_format[entry["format"]][verdict] += 1
        g = judge_galvani(path, entry)
        if g:
            galvani[g[0]] += 1
            peer_format["galvani"][entry["format"]][g[0]] += 1
        pres = peers.get(str(path), {})
        p_imp, p_yadg = judge_pyimpspec(pres.get("pyimpspec"), entry), judge_yadg(pres.get("yadg"), entry)
        for name, v in (("pyimpspec", p_imp), ("yadg", p_yadg)):
            if v:
                peer_counts[name][v] += 1
                peer_format[name][entry["format"]][v] += 1
        for name in ("xrayutilities", "vamas"):
            v = judge_structure_peer(pres.get(name), entry)
            if v:
                peer_counts[name][v] += 1
                peer_format[name][entry["format"]][v] += 1
                if v == "correct" and verdict != "correct":
                    detail += f"  [{name} reads it]"
        if p_imp == "correct" and verdict != "correct":
            detail += "  [pyimpspec reads it]"
        if p_yadg == "correct" and verdict != "correct":
            detail += "  [yadg reads it]"
        flag = "" if verdict == "correct" else "  <--"
        print(f"{entry['file']:52s} sselab {verdict:8s} {detail}" + (f" | galvani {g[0]}" if g else "") + flag)
    total: Counter = Counter()
    print("\nper format: correct / refused / misread ('read' = rows read, not judged: several measurements)")
    print(f"  {'format':16s} {'sselab':>14s}" + "".join(f" {t:>14s}" for t in tools))

    def cell(c: Counter | None) -> str:
        if not c:
            return "-"
        return f"{c['correct']}/{c['refused']}/{c['misread']}" + (f" +{c['read']}r" if c.get("read") else "")

    for fmt, c in sorted(per_format.items()):
        total.update(c)
        print(f"  {fmt:16s} {cell(c):>14s}" + "".join(f" {cell(peer_format[t].get(fmt)):>14s}" for t in tools))
    n = sum(total.values())
    print(f"  {'TOTAL':14s} {total['correct']:3d} / {total['refused']:3d} / {total['misread']:3d}  "
          f"({100 * total['correct'] / max(n, 1):.0f} % correct of {n})")
    print(f"galvani on .mpr: {dict(galvani)}")
    if peers:
        print(f"pyimpspec on impedance files: {dict(peer_counts['pyimpspec'])}")
        print(f"yadg on .mpr/.mpt: {dict(peer_counts['yadg'])}")
        print(f"xrayutilities on .xrdml/.ras: {dict(peer_counts['xrayutilities'])}")
        print(f"vamas on .vms/.npl: {dict(peer_counts['vamas'])}")
    print(f"elapsed {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
