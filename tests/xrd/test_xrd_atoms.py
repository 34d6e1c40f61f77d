"""Free atomic coordinates, per-site B and occupancy (sselab.xrd.atoms, refine(refine_atoms=...))."""

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from sselab.xrd.atoms import coordinate_freedom
from sselab.xrd.library import arsenic, mg3as2, mg3asn, mg3n2
from sselab.xrd.model import PowderModel
from sselab.xrd.rietveld import refine
from sselab.xrd.simulate import simulate_pattern
from sselab.xrd.structures import Phase


def test_special_positions_get_only_their_free_coordinates():
    assert coordinate_freedom(mg3asn()).names == ()  # 1a, 1b, 3d of Pm-3m: nothing free
    assert coordinate_freedom(arsenic()).names == ("z_As1",)  # 6c (0, 0, z)
    fr = coordinate_freedom(mg3n2())  # 48e general (x, y, z), 8b fixed, 24d one coordinate
    assert fr.names == ("x_Mg1", "y_Mg1", "z_Mg1", "z_N2")
    rutile = Phase("TiO2", Structure.from_spacegroup("P4_2/mnm", Lattice.tetragonal(4.594, 2.959),
                                                     ["Ti", "O"], [[0, 0, 0], [0.305, 0.305, 0]]))
    fr = coordinate_freedom(rutile)  # O 4f (x, x, 0): one parameter moving x and y together
    assert len(fr.names) == 1 and fr.names[0].endswith("_O1")
    moved = rutile.structure.frac_coords + fr.basis @ np.array([0.01])
    s2 = Structure(rutile.structure.lattice, rutile.structure.species, moved)
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer
    assert SpacegroupAnalyzer(s2, symprec=1e-4).get_space_group_number() == 136  # symmetry kept


def test_coordinate_jacobian_matches_finite_differences():
    m = PowderModel([mg3n2()], np.linspace(20, 90, 1500))
    v = m.parameters().value_array
    w = m.windows(v)
    names = ["Mg3N2.x_Mg1", "Mg3N2.y_Mg1", "Mg3N2.z_N2"]
    idx = np.array([m.index(n) for n in names])
    _, J = m.evaluate_jacobian(v, w, idx)
    for j, i in enumerate(idx):
        vp, vm = v.copy(), v.copy()
        vp[i] += 1e-6
        vm[i] -= 1e-6
        num = (m.evaluate(vp, w) - m.evaluate(vm, w)) / 2e-6
        assert np.max(np.abs(num - J[:, j])) < 1e-5 * np.max(np.abs(num))


TRUTH = {"Mg3N2.x_Mg1": 0.852, "Mg3N2.y_Mg1": 0.114, "Mg3N2.z_Mg1": 0.392, "Mg3N2.z_N2": 0.965,
         "Mg3N2.B_Mg1": 0.8, "Mg3N2.B_N1": 1.2, "Mg3N2.B_N2": 0.6, "Mg3As2.z_As2": 0.975, "Mg3As2.B_As1": 0.7}


def test_two_phase_coordinates_and_b_recovered_within_esd():
    x = np.linspace(15, 115, 5000)
    pat = simulate_pattern([mg3n2(), mg3as2()], x, values=TRUTH, seed=3, peak_counts=2e4)
    res = refine(pat, [mg3n2(), mg3as2()], refine_atoms=True)
    checked = 0
    for p, phase in zip(res.phases, (mg3n2(), mg3as2())):
        start = dict(zip(coordinate_freedom(phase).names, coordinate_freedom(phase).values))
        for c, val in p.coordinates.items():
            true = TRUTH.get(f"{p.name}.{c}", start[c])
            assert abs(val - true) < 3 * p.coordinates_stderr[c], (p.name, c, val, true)
            checked += 1
        for lab, b in p.b_iso_A2.items():
            true = TRUTH.get(f"{p.name}.B_{lab}", 0.5)
            assert abs(b - true) < 3 * p.b_iso_stderr_A2[lab], (p.name, lab, b, true)
    assert checked == 8
    # started 0.004–0.02 away from the truth: the refinement moved the coordinates there
    assert abs(res.phase("Mg3As2").coordinates["z_As2"] - 0.975) < 0.001
    assert res.chi2 < 1.2


def test_occupancy_with_fixed_total_recovered():
    """Two sites whose occupancies are tied (occ_N2 = 2 − occ_N1, a fixed total): the master
    is refined, the slave follows with the same esd."""
    truth = {"Mg3N2.occ_N1": 0.8, "Mg3N2.occ_N2": 1.2}
    x = np.linspace(15, 115, 4000)
    pat = simulate_pattern([mg3n2()], x, values=truth, seed=5, peak_counts=3e4)
    res = refine(pat, [mg3n2()], occupancies=["Mg3N2.occ_N1"],
                 ties={"Mg3N2.occ_N2": ("Mg3N2.occ_N1", 2.0, -1.0)})
    p = res.phase("Mg3N2")
    assert abs(p.occupancy["N1"] - 0.8) < 3 * p.occupancy_stderr["N1"]
    assert p.occupancy["N1"] + p.occupancy["N2"] == pytest.approx(2.0)
    assert p.occupancy_stderr["N2"] == pytest.approx(p.occupancy_stderr["N1"])
    assert p.occupancy_stderr["N1"] < 0.05


def test_cli_atoms_ties_and_cif(cli, tmp_path):
    """``--atoms --occupancy --tie --cif-out``: coordinates with esds in the JSON, the tie obeyed,
    and the CIF written with the refined coordinates."""
    import json

    from sselab.xrd.structures import from_cif

    truth = {"Mg3N2.z_N2": 0.962, "Mg3N2.occ_N1": 0.9, "Mg3N2.occ_N2": 0.8}
    pat = simulate_pattern([mg3n2()], np.linspace(15, 115, 4000), values=truth, seed=7, peak_counts=3e4)
    path = tmp_path / "sim.xye"
    np.savetxt(path, np.column_stack([pat.two_theta_deg, pat.intensity, pat.sigma]))
    rc, text, err = cli("xrd", "refine", path, "--phases", "Mg3N2", "--atoms", "--occupancy", "Mg3N2.occ_N1",
                        "--tie", "Mg3N2.occ_N2=1.7-Mg3N2.occ_N1", "--asymmetry", "--wavelength", "1.5406", "--cif-out", tmp_path, "--json")
    assert rc in (0, 3), err
    assert "refined structure" in err
    assert "asym_P1" in json.loads(text)["parameters"]
    ph = json.loads(text)["phases"][0]
    assert abs(ph["coordinates"]["z_N2"] - 0.962) < 3 * ph["coordinates_stderr"]["z_N2"]
    assert ph["occupancy"]["N1"] + ph["occupancy"]["N2"] == pytest.approx(1.7)
    assert abs(ph["occupancy"]["N1"] - 0.9) < 3 * ph["occupancy_stderr"]["N1"]
    back = from_cif(tmp_path / "Mg3N2_refined.cif")
    fr = coordinate_freedom(back)
    assert len(fr.names) == 4  # same Wyckoff freedom after the round trip
    # the refined 24d coordinate is in the written structure (some image of it: z or 1 − z, ± ¼ shifts)
    z = ph["coordinates"]["z_N2"]
    coords = back.structure.frac_coords.ravel()
    assert np.min(np.abs(np.concatenate([coords - z % 1, coords - (1 - z) % 1]))) < 1e-4
    rc, _, err = cli("xrd", "refine", path, "--phases", "Mg3N2", "--tie", "nonsense")
    assert rc == 2 and "--tie" in err
