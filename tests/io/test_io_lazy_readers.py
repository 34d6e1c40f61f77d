"""io.read imports and sniffs only the readers that could still come first (registry._ranked over
sselab.io.formats.DECLARED): DECLARED is what the modules register, in a fresh process's order;
the order of candidates() is the eager one (every reader loaded and sniffed, one stable sort by
(sniffed, extension, priority)) on every real file for every kind; a .csv spectrum is read by
the CSV reader with no other format module imported, and read() gives the same spectrum."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

EAGER = r"""
import json, sys
from pathlib import Path
from sselab.io import registry
from sselab.io.registry import GENERIC_EXTENSIONS, KINDS, _suffix
registry._load_formats()  # every module, in a fresh process's order
declared = [[r.read.__module__.rsplit(".", 1)[1], r.name, list(r.extensions), list(r.kinds), r.priority,
             r.sniff is not None] for r in registry._READERS]
orders = {}
for path in map(Path, json.load(sys.stdin)):
    head = path.read_bytes()[:4096]
    suffix = _suffix(path)
    for kind in (None, *KINDS):
        found = []
        for reader in registry._READERS:
            if kind is not None and kind not in reader.kinds:
                continue
            by_ext = suffix in reader.extensions
            by_sniff = reader.sniff(path, head) if reader.sniff else False
            if kind is None and by_ext and not by_sniff and reader.sniff is not None and suffix in GENERIC_EXTENSIONS:
                continue
            if by_ext or by_sniff:
                found.append((by_sniff, by_ext, reader.priority, reader.name))
        found.sort(key=lambda t: t[:3], reverse=True)
        orders[f"{path}|{kind}"] = [t[-1] for t in found]
import pkgutil
from sselab.io import formats
modules = sorted(i.name for i in pkgutil.iter_modules(formats.__path__))
print(json.dumps({"declared": declared, "orders": orders, "modules": modules}))
"""

LAZY = r"""
import json, sys
from pathlib import Path
from sselab.io.registry import KINDS, candidates
orders = {}
for path in map(Path, json.load(sys.stdin)):
    for kind in (None, *KINDS):
        orders[f"{path}|{kind}"] = [r.name for r in candidates(path, kind)]
print(json.dumps({"orders": orders}))
"""


def _run(code: str, files: list[str]) -> dict:
    r = subprocess.run([sys.executable, "-c", code], input=json.dumps(files), capture_output=True, text=True,
                       env={"PYTHONPATH": str(ROOT / "src")}, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_declared_readers_and_order_are_the_eager_ones(shared_data):
    from sselab.io.formats import DECLARED, HELPERS

    files = sorted(str(p) for root in (shared_data, ROOT / "tests" / "data") for p in Path(root).rglob("*")
                   if p.is_file() and p.suffix.lower() != ".md")
    assert len(files) > 50
    eager, lazy = _run(EAGER, files), _run(LAZY, files)
    assert [list(d) for d in eager["declared"]] == [[m, n, list(e), list(k), p, s] for m, n, e, k, p, s in DECLARED]
    assert sorted(HELPERS) == sorted(set(eager["modules"]) - {d[0] for d in DECLARED})  # they register nothing
    assert len(lazy["orders"]) == len(eager["orders"]) > 500
    assert lazy["orders"] == eager["orders"]
    assert sum(bool(v) for v in eager["orders"].values()) > 100  # most files have a reader for some kind


def test_a_csv_spectrum_loads_one_format_module(tmp_path):
    from sselab.eis import simulate_spectrum
    from sselab.io.writers import write_spectrum_csv

    path = tmp_path / "s.csv"
    s = simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 1e3, "CPE1.Q": 1e-9, "CPE1.n": 0.9}, np.logspace(5, 0, 30))
    write_spectrum_csv(path, s)
    code = f"""
import sys
from sselab.io import read
[s] = read({str(path)!r}, kind="spectrum")
print(sorted(m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("sselab.io.formats.")))
print(s.instrument, s.n_points, s.metadata["reading_verdict"]["status"])
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src")},
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["['csv_spectrum']", "csv-spectrum 30 ok"]


def test_read_errors_are_unchanged(tmp_path):
    from sselab.io import read

    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(Exception) as exc:
        read(bad)
    assert "nothing in this .csv table says what it holds" in str(exc.value)
    odd = tmp_path / "x.qqq"
    odd.write_text("1 2\n")
    with pytest.raises(Exception) as exc:
        read(odd, kind="spectrum")
    assert "no spectrum reader for this file type (.qqq)" in str(exc.value)
