"""The documentation builds (``scripts/docs``: Sphinx, numpydoc, sphinx-gallery) with warnings
as errors, the API page documents CircuitModel, and the gallery's examples ran and printed
their results.  Built from a copy of ``docs/`` so the test writes nothing into the tree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_docs_build_with_warnings_as_errors(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("sphinx_gallery")
    src = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", src, ignore=shutil.ignore_patterns("_build", "auto_examples", "sg_execution_times.rst"))
    out = tmp_path / "html"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q", str(src), str(out)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    api = (out / "api" / "eis.html").read_text()
    assert re.search(r"<h1>Impedance spectroscopy API", api)
    assert 'id="sselab.eis.CircuitModel"' in api and 'id="sselab.eis.CircuitModel.fit"' in api
    assert "Parameters" in api and "weighting" in api  # the numpydoc sections were rendered
    # the examples ran during the build: their printed results are on the pages
    fit = (out / "auto_examples" / "plot_fit_circuitmodel.html").read_text()
    m = re.search(r"R1 fitted ([\d.]+) Ω, true 5000 Ω", fit)
    assert m and float(m.group(1)) == pytest.approx(5000, rel=0.05)
    series = (out / "auto_examples" / "plot_series_fit.html").read_text()
    m = re.search(r"shared CPE2.n = ([\d.]+) ± ([\d.]+)", series)
    assert m and abs(float(m.group(1)) - 0.7) < 3 * float(m.group(2))
    kk = (out / "auto_examples" / "plot_kk_zhit.html").read_text()
    assert re.search(r"stable: lin-KK .* passed", kk) and re.search(r"drifting: lin-KK .* failed", kk)
    assert list((out / "_images").glob("sphx_glr_plot_series_fit_*.png"))
