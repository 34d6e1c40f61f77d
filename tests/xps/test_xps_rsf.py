"""The built-in RSF library (Scofield, Al Ka) and user libraries."""

from __future__ import annotations

import json

import numpy as np

import pytest

from sselab.exceptions import AnalysisError, ParameterError
from sselab.xps.quantify import SCOFIELD_AL_KA, SCOFIELD_AL_KA_LINES
from sselab.xps.rsf import library, lookup, normalise, read_library


def test_library_agrees_with_the_checked_values():
    """The 8 values checked earlier against the CasaXPS ALSCOF listing."""
    lib = library()
    for k, v in {**SCOFIELD_AL_KA, **SCOFIELD_AL_KA_LINES}.items():
        if k in lib:
            assert lib[k][0] == pytest.approx(v, rel=0.005), k
    assert len({k.split()[0] for k in lib}) >= 80
    assert all(src for _, src in lib.values())


def test_subshell_is_the_sum_of_its_lines():
    """Scofield's subshell cross-section = sum of the spin-orbit lines (rounding of 3 digits)."""
    lib = library()
    checked = 0
    for key, (v, _) in lib.items():
        el, line = key.split()
        if line[-1] in "pdf" and len(line) == 2:
            j = {"p": ("1/2", "3/2"), "d": ("3/2", "5/2"), "f": ("5/2", "7/2")}[line[-1]]
            parts = [lib.get(f"{el} {line}{x}") for x in j]
            if all(parts):
                assert v == pytest.approx(parts[0][0] + parts[1][0], rel=0.02, abs=0.01), key
                checked += 1
    assert checked >= 80


def test_lookup_and_missing():
    assert lookup("Ni2p")[0] == 22.18 and lookup("W 4f7/2")[0] == 5.48 and lookup("Mo 3d")[0] == 9.5
    assert lookup("Pt 4f")[0] == pytest.approx(15.45)
    assert lookup("Ni 2p", {"Ni 2p": 20.0}) == (20.0, "user")
    assert normalise("Survey") is None
    with pytest.raises(AnalysisError, match=r"Ti 2p \(element Ti\)"):
        lookup("Ti 2p")


def test_user_library_file(tmp_path):
    p = tmp_path / "lib.csv"
    p.write_text("element,line,rsf\nNi,2p,21.0\n# comment\nW,4f,9.0\n")
    assert read_library(p) == {"Ni 2p": 21.0, "W 4f": 9.0}
    q = tmp_path / "lib.txt"
    q.write_text("Ni 2p = 21.5\nSurvey = 3\n")
    with pytest.raises(ParameterError, match="core level"):
        read_library(q)


@pytest.mark.parametrize("name, elements", [
    ("0-150W.vms", {"Ni 2p", "W 4f", "O 1s", "C 1s"}),
    ("Mutlipak_vms.npl", {"C 1s", "O 1s", "S 2p", "N 1s", "Mo 3d"}),
    ("Pt4f.vms", {"Pt 4f"}),
])
def test_shared_files_quantify_every_element(cli, shared_data, name, elements):
    rc, out, err = cli("xps", "quantify", shared_data / "xps" / name, "--json")
    d = json.loads(out)
    assert rc == 0 and set(d["atomic_percent"]) == elements, err
    assert all(r["rsf_source"] for r in d["rows"])


def test_cli_rsf_file(cli, shared_data, tmp_path):
    lib = tmp_path / "lib.txt"
    lib.write_text("Mo 3d = 11.0\n")
    rc, out, err = cli("xps", "quantify", shared_data / "xps" / "Mutlipak_vms.npl", "--rsf-file", lib, "--json")
    row = [r for r in json.loads(out)["rows"] if r["label"] == "Mo 3d"][0]
    assert rc == 0 and row["rsf"] == 11.0 and row["rsf_source"] == "user"


def test_cps_and_transmission_normalisation_by_hand(shared_data):
    """0-150W.vms: C 1s has 10 scans x 0.199336 s, O 1s 5 x 0.239043 s, each with a transmission
    column.  Area ratio after normalisation = raw ratio x (t_C/t_O) x (T_C/T_O) for a flat T."""
    from sselab.io import read
    from sselab.xps.quantify import region_areas

    acq, = read(shared_data / "xps" / "0-150W.vms", kind="xps")
    raw, _, _ = region_areas(acq, ["C 1s", "O 1s"], normalise=False, transmission=False)
    cps, _, notes = region_areas(acq, ["C 1s", "O 1s"], normalise=True, transmission=False)
    assert cps["C 1s"][0] == pytest.approx(raw["C 1s"][0] / (0.199336 * 10), rel=1e-6)
    assert cps["O 1s"][0] == pytest.approx(raw["O 1s"][0] / (0.239043 * 5), rel=1e-6)
    assert any("0.199336 s × 10 scans" in n for n in notes)
    both, _, _ = region_areas(acq, ["C 1s"], normalise=True, transmission=True)
    t = np.asarray([r for r in acq.regions if r.name == "C 1s"][0].metadata["transmission"])
    assert t.std() / t.mean() < 0.01          # nearly flat over the region: the area scales by its mean
    assert both["C 1s"][0] == pytest.approx(cps["C 1s"][0] / t.mean(), rel=0.01)


def test_double_transmission_refused(shared_data):
    from sselab.io import read
    from sselab.xps.quantify import quantify_acquisition

    acq, = read(shared_data / "xps" / "0-150W.vms", kind="xps")
    with pytest.raises(AnalysisError, match="twice"):
        quantify_acquisition(acq, correction="transmission")
