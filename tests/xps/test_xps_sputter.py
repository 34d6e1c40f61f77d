"""Sputter (etch) times of depth-profile steps: VAMAS blocks and PHI .pro cycles.

Real files: shared/data/xps (SOURCES.md rows "xps/*").  None of the five VAMAS files is a
depth profile: read by hand, their experimental variables are Index/PositionX/Y/Z
(0-150W.vms, Kratos), "Exp Variable" [d] = 0 (Pt4f.vms, regular.vms; CasaXPS's default),
"Value" [d] = 0 (irregular.vms) and none (the PHI .npl), so every block has no sputter
time.  The sputter-time cases are therefore real files edited line by line.
"""

from pathlib import Path

import numpy as np
import pytest

from sselab.io import read

VAMAS = ("0-150W.vms", "Mutlipak_vms.npl", "Pt4f.vms", "regular.vms", "irregular.vms")


@pytest.mark.parametrize("name", VAMAS)
def test_shared_vamas_files_carry_no_sputter_time(shared_data, name):
    acq, = read(shared_data / "xps" / name, kind="xps")
    for r in acq.regions:
        assert r.sputter_time_s is None
        assert "sputter_time_from" not in r.metadata and "etch_level" not in r.metadata
    variables = acq.regions[0].metadata["experimental_variables"]
    by_hand = {"0-150W.vms": ["Index", "PositionX [mm]", "PositionY [mm]", "PositionZ [mm]"],
               "Mutlipak_vms.npl": [], "Pt4f.vms": ["Exp Variable"], "regular.vms": ["Exp Variable"],
               "irregular.vms": ["Value"]}[name]
    assert list(variables) == by_hand
    if name == "0-150W.vms":   # Index runs over the five blocks
        assert [r.metadata["experimental_variables"]["Index"] for r in acq.regions] == [1, 2, 3, 4, 5]


def _pt4f_lines(shared_data: Path) -> list[str]:
    return (shared_data / "xps" / "Pt4f.vms").read_text().splitlines()


def _write(tmp_path: Path, lines: list[str], name: str = "edited.vms") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


# line numbers (1-based) in Pt4f.vms, read by hand: 15 "Exp Variable", 16 "d" (its unit),
# 22 block identifier "Pt4f PE20", 31 "10" block comment lines, 43 "0" the variable's value
def test_experimental_variable_etch_time(shared_data, tmp_path):
    lines = _pt4f_lines(shared_data)
    assert (lines[14], lines[15], lines[21], lines[30], lines[42]) == ("Exp Variable", "d", "Pt4f PE20", "10", "0")
    lines[14], lines[15], lines[42] = "Etch Time", "s", "120"
    r = read(_write(tmp_path, lines), kind="xps")[0].regions[0]
    assert r.sputter_time_s == 120.0
    assert "Etch Time" in r.metadata["sputter_time_from"]
    lines[15], lines[42] = "min", "2.5"
    assert read(_write(tmp_path, lines), kind="xps")[0].regions[0].sputter_time_s == 150.0
    # a variable that does not say etch/sputter is not a sputter time in a NORM experiment
    lines[14] = "Time"
    assert read(_write(tmp_path, lines), kind="xps")[0].regions[0].sputter_time_s is None


def test_comment_identifier_and_level(shared_data, tmp_path):
    lines = _pt4f_lines(shared_data)
    lines[30] = "11"
    lines.insert(31, "Etch Time : 2.5 min")        # one more block comment line
    r = read(_write(tmp_path, lines), kind="xps")[0].regions[0]
    assert r.sputter_time_s == 150.0 and r.metadata["sputter_time_from"].startswith("block comment")
    assert r.name == "Pt 4f" and r.counts.size > 100      # the rest of the block still parses

    lines = _pt4f_lines(shared_data)
    lines[21] = "Pt4f PE20 Etch Level 3"
    r = read(_write(tmp_path, lines), kind="xps")[0].regions[0]
    assert r.sputter_time_s is None and r.metadata["etch_level"] == 3
    lines[21] = "Pt4f Sputter time=45s"
    r = read(_write(tmp_path, lines), kind="xps")[0].regions[0]
    assert r.sputter_time_s == 45.0 and r.metadata["sputter_time_from"].startswith("block identifier")
    lines[21] = "Pt4f Etch Time 3 parsecs"            # not a time unit: ignored
    assert read(_write(tmp_path, lines), kind="xps")[0].regions[0].sputter_time_s is None


def _sdp_file(tmp_path: Path, minutes: list[float]) -> Path:
    """A two-block SDP (sputter depth profile) VAMAS file: sselab's NORM writer's output with
    the header made SDP, the variable called "Time" [min] and the sputter fields ISO 14976
    requires in SDP blocks inserted (ion Ar, Z = 18; 500 eV source)."""
    from sselab.measurements import XPSAcquisition, XPSRegion
    from sselab.xps.simulate import write_vamas

    e = np.linspace(50.0, 40.0, 101)
    regions = tuple(XPSRegion("Mg 2p", e, 100.0 + 10 * k + e, sputter_time_s=60.0 * t) for k, t in enumerate(minutes))
    src = write_vamas(XPSAcquisition(source="sdp", instrument="t", regions=regions), tmp_path / "norm.vms")
    lines = src.read_text().splitlines()
    assert lines[7] == "NORM" and lines[11] == "Etch Time" and lines[12] == "s"
    lines[7], lines[11], lines[12] = "SDP", "Time", "min"
    out, i = lines[:18], 18
    for t in minutes:
        block = lines[i:i + 49 + 101]   # 49 parameter lines, 101 values
        assert block[0] == "Mg 2p" and block[12] == "Al"
        block[11] = repr(float(t))                     # the variable in minutes
        block = block[:13] + ["18", "1", "1"] + block[13:]                  # sputter ion Z, atoms, charge
        k = block.index("pulse counting") + 4                               # after signal time correction
        block = block[:k] + ["500", "1E+37", "1E+37", "1E+37", "45", "0", "continuous"] + block[k:]
        out += block
        i += 49 + 101
    out += lines[i:]
    return _write(tmp_path, out, "sdp.vms")


def test_sdp_profile_variable_is_sputter_time(tmp_path):
    path = _sdp_file(tmp_path, [0.0, 2.0])
    acq, = read(path, kind="xps")
    assert acq.metadata["experiment_mode"] == "SDP"
    assert [r.sputter_time_s for r in acq.regions] == [0.0, 120.0]
    r = acq.regions[1]
    assert "SDP profile" in r.metadata["sputter_time_from"]
    src = r.metadata["sputter_source"]
    assert src["sputter_ion_Z"] == 18 and src["sputter_energy_eV"] == 500.0 and src["sputter_mode"] == "continuous"
    np.testing.assert_allclose(r.counts, 110.0 + r.binding_energy_eV)


def test_phi_pro_sputter_schedule(shared_data):
    cycles = read(shared_data / "xps" / "SnO2_10nm_1.pro", kind="xps")
    # header, by hand: NoPreSputterCyc 1, NoDPDataCyc 21, DepthCalDef "... Ar+ 10.00 0.50 20 ...":
    # one unsputtered cycle, then 20 cycles of 0.50 min
    expected = [30.0 * k for k in range(21)]
    for c, t in zip(cycles, expected):
        assert {r.sputter_time_s for r in c.regions} == {t}
    meta = cycles[0].metadata
    assert meta["sputter_schedule"] == [{"layer": 1, "name": "Layer3", "ion": "Ar+", "interval_min": 0.5, "cycles": 20}]
    assert any("agree with the header" in n for n in cycles[0].notes)
