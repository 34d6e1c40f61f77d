"""Symmetry analyses kept per structure content (sselab.xrd.structures._SYSTEMS, reflections._ORBITS):
the kept answer is pymatgen's, a changed structure gets its own, and callers cannot change it."""

from __future__ import annotations

from sselab.xrd import reflections, structures
from sselab.xrd.library import get_phase, mg3asn


def test_orbits_kept_per_structure_equal_a_fresh_analysis():
    p = get_phase("Mg3N2")
    labels, site_of = reflections._orbits(p)
    assert (labels, site_of) == reflections._analysed_orbits(p)
    assert labels == ("Mg1", "N1", "N2") and len(site_of) == 80 and sorted(set(site_of)) == [0, 1, 2]
    site_of[0] = 99  # the caller's copy
    assert reflections._orbits(p)[1][0] != 99


def test_crystal_system_kept_and_a_new_structure_analysed():
    assert get_phase("ZrO2-t").crystal_system == structures._analysed_system(get_phase("ZrO2-t").structure) == "tetragonal"
    s = mg3asn(4.1001).structure.copy()
    n = len(structures._SYSTEMS)
    assert structures.Phase("x", s).crystal_system == "cubic"
    assert len(structures._SYSTEMS) == n + 1  # another cell: analysed, not looked up under another's key
    assert structures.Phase("y", s.copy()).crystal_system == "cubic" and len(structures._SYSTEMS) == n + 1
    s.replace(0, "P")  # another species on a site: another key
    assert structures.symmetry_key(s) != structures.symmetry_key(mg3asn(4.1001).structure)


def test_space_groups_kept_alive_for_cells_of_other_sizes():
    mg3asn(4.0123)
    assert "Pm-3m" in structures._GROUPS


def test_occupancies_that_species_string_rounds_alike_get_their_own_analysis():
    # two half-occupied sites of a body-centred cell: equivalent (one orbit) when their occupancies
    # are equal, two orbits at 0.5001 / 0.5002 (spglib compares occupancies exactly), though pymatgen's
    # species_string shows both as "Mg:0.5, Li:0.5"
    from pymatgen.core import Lattice, Structure

    def cell(o1, o2):
        return structures.Phase("x", Structure(Lattice.cubic(4.0), [{"Mg": o1, "Li": 1 - o1}, {"Mg": o2, "Li": 1 - o2}],
                                               [[0, 0, 0], [0.5, 0.5, 0.5]]))

    equal, unequal = cell(0.5, 0.5), cell(0.5001, 0.5002)
    assert [s.species_string for s in equal.structure] == [s.species_string for s in unequal.structure]
    assert reflections._orbits(equal) == (("MgLi1",), [0, 0])
    assert reflections._orbits(unequal) == reflections._analysed_orbits(unequal) == (("MgLi1", "MgLi2"), [0, 1])
    assert reflections.structure_key(equal) != reflections.structure_key(unequal)
