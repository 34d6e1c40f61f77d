"""Readers: all real files in shared/data/xps, malformed files, vamas-package cross-check."""


import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read

EXPECTED = {
    "0-150W.vms": ["wide", "Ni 2p", "O 1s", "C 1s", "W 4f"],
    "Mutlipak_vms.npl": ["C 1s", "O 1s", "S 2p", "N 1s", "Mo 3d"],
    "Pt4f.vms": ["Pt 4f"],
    "regular.vms": ["Survey"],
    "irregular.vms": ["Survey"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_vamas_blocks(shared_data, name):
    acq, = read(shared_data / "xps" / name, kind="xps")
    assert [r.name for r in acq.regions] == EXPECTED[name]
    assert 1486.5 < acq.excitation_energy_eV < 1486.7
    assert all(r.counts.size == r.binding_energy_eV.size > 100 for r in acq.regions)


def test_kinetic_to_binding(shared_data):
    acq, = read(shared_data / "xps" / "0-150W.vms")
    wide = acq.regions[0]
    # file: kinetic 286.69 eV start, step 1 eV, hv 1486.69 eV -> BE 1200 down to -5
    assert wide.binding_energy_eV[0] == pytest.approx(1200.0)
    assert wide.binding_energy_eV[-1] == pytest.approx(-5.0)


def test_regular_and_irregular_agree(shared_data):
    reg, = read(shared_data / "xps" / "regular.vms")
    irr, = read(shared_data / "xps" / "irregular.vms")
    a, b = reg.regions[0], irr.regions[0]
    np.testing.assert_allclose(a.binding_energy_eV, b.binding_energy_eV, atol=1e-6)
    assert irr.metadata["scan_mode"] == "IRREGULAR"


def test_matches_vamas_package(shared_data):
    vamas = pytest.importorskip("vamas")
    for name in ("Pt4f.vms", "regular.vms"):
        ref = vamas.Vamas(str(shared_data / "xps" / name))
        acq, = read(shared_data / "xps" / name)
        assert len(ref.blocks) == len(acq.regions)
        for blk, reg in zip(ref.blocks, acq.regions):
            np.testing.assert_allclose(blk.corresponding_variables[0].y_values, reg.counts)


def test_phi_pro_depth_profile(shared_data):
    cycles = read(shared_data / "xps" / "SnO2_10nm_1.pro", kind="xps")
    assert len(cycles) == 21
    assert [r.name for r in cycles[0].regions] == ["Survey", "C 1s", "Si 2p", "Sn 3d"]
    times = [c.regions[1].sputter_time_s for c in cycles]
    assert times[:3] == [0.0, 30.0, 60.0] and times[-1] == 600.0
    c1s = cycles[0].regions[1]
    assert c1s.binding_energy_eV[0] == 298.0 and c1s.binding_energy_eV[-1] == pytest.approx(278.0)


def test_malformed(tmp_path, shared_data):
    text = (shared_data / "xps" / "Pt4f.vms").read_text()
    bad = tmp_path / "truncated.vms"
    bad.write_text("\n".join(text.splitlines()[:300]))
    with pytest.raises(ReaderError, match="truncated|ends early"):
        read(bad, kind="xps")
    junk = tmp_path / "junk.vms"
    junk.write_text("hello\nworld\n")
    with pytest.raises(ReaderError):
        read(junk, kind="xps")
    nonnum = tmp_path / "nonnum.vms"
    lines = text.splitlines()
    lines[lines.index("Kinetic Energy") + 2 if "Kinetic Energy" in lines else 100] = "abc"
    nonnum.write_text("\n".join(lines))
    with pytest.raises(ReaderError):
        read(nonnum, kind="xps")


def test_csv_two_column(tmp_path):
    p = tmp_path / "as3d.csv"
    e = np.linspace(45, 35, 11)
    p.write_text("# region: As 3d\nBinding Energy (eV),Counts\n" + "\n".join(f"{a},{b}" for a, b in zip(e, e * 2)))
    acq, = read(p, kind="xps")
    assert acq.regions[0].name == "As 3d"
    np.testing.assert_allclose(acq.regions[0].counts, e * 2)
    k = tmp_path / "ke.csv"
    k.write_text("# excitation energy: 1486.6 eV\nKinetic Energy,Counts\n1446.6,1\n1446.7,2\n1446.8,3\n")
    acq, = read(k, kind="xps")
    np.testing.assert_allclose(acq.regions[0].binding_energy_eV, [40.0, 39.9, 39.8])
