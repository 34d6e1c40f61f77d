"""Every XRD reader on files cut at many byte positions (#22): a clear error, or a reading whose
points are the file's own (no value changed) with any dropped row named in a warning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read

HERE = Path(__file__).parent / "data"
FILES = [
    ("realfiles", "nomad__XRD-918-16_10.xrdml"),
    ("realfiles", "nomad__Omega-2Theta_scan_high_temperature.rasx"),
    ("realfiles", "datalab__example_mythen.dat"),
    ("realfiles", "datalab__TiOF.brml"),
    ("xrd", "TiO2.raw"),
    ("local", "PBSO4.XRA"),
    ("local", "xrdpattern_stoe.raw"),
]


@pytest.mark.parametrize("where,name", FILES)
def test_truncated_files_error_or_keep_their_values(shared_data, tmp_path, where, name):
    src = HERE / name if where == "local" else shared_data / where / name
    raw = src.read_bytes()
    full = read(src, "diffraction")[0]
    lookup = dict(zip(np.round(full.two_theta_deg, 6), full.intensity))
    if where == "local" and name.endswith(".XRA"):
        (tmp_path / "INST_XRY.PRM").write_bytes((HERE / "INST_XRY.PRM").read_bytes())
    for cut in np.linspace(10, len(raw) - 1, 25).astype(int):
        p = tmp_path / f"cut{src.suffix}"
        p.write_bytes(raw[:cut])
        try:
            pats = read(p, "diffraction")
        except ReaderError:
            continue
        pat = pats[0]
        warned = bool(pat.metadata.get("reader_warnings"))
        same = [lookup.get(round(float(x), 6)) == y for x, y in zip(pat.two_theta_deg, pat.intensity)]
        assert all(same) or warned, f"{name} cut at {cut}: values changed without a warning"
