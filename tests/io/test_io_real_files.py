"""Every shared electrochemistry file reads with the right kind, counts and values.

Files and their descriptions: ../shared/data/SOURCES.md (rows eis/*, biologic/*, gamry/*).
Truth comes from an independent parse of the same file (numpy.loadtxt or galvani) and from the
values SOURCES.md states.
"""

from __future__ import annotations

import numpy as np
import pytest

from sselab.io import read
from sselab.measurements import CurrentTransient, GalvanostaticRecord, Spectrum, Voltammogram


def test_example_data_csv(shared_data):
    # SOURCES.md row eis/exampleData.csv (impedance.py, MIT): headerless f, Z', Z''
    path = shared_data / "eis" / "exampleData.csv"
    truth = np.loadtxt(path, delimiter=",")
    [s] = read(path)
    assert isinstance(s, Spectrum) and s.instrument == "csv-spectrum"
    assert s.n_points == truth.shape[0] == 66
    np.testing.assert_array_equal(s.frequency_Hz, truth[:, 0])  # file order kept (low → high)
    np.testing.assert_array_equal(s.impedance_ohm, truth[:, 1] + 1j * truth[:, 2])
    # SOURCES.md's "57 points, 1.26 kHz–3 mHz" is the capacitive part (Z'' < 0), the part
    # impedance.py keeps with ignoreBelowX; the file also holds 9 inductive points up to 10 kHz
    capacitive = s.impedance_ohm.imag < 0
    assert capacitive.sum() == 57
    assert s.frequency_Hz[capacitive].max() == pytest.approx(1.2589e3, rel=1e-3)
    assert s.frequency_Hz.min() == pytest.approx(3.1623e-3, rel=1e-4)
    assert any("no header" in n for n in s.notes)


def test_zview_z(shared_data):
    # SOURCES.md row eis/Circuit1_EIS_1.z: ZPlot file of a dummy R-RC cell
    path = shared_data / "eis" / "Circuit1_EIS_1.z"
    lines = path.read_text(encoding="latin-1").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("End Comments")) + 1
    truth = np.loadtxt(lines[start:])
    [s] = read(path)
    assert s.instrument == "zview" and s.n_points == truth.shape[0] == 48
    np.testing.assert_allclose(s.frequency_Hz, truth[:, 0])
    np.testing.assert_allclose(s.impedance_ohm, truth[:, 4] + 1j * truth[:, 5])
    # R-RC dummy: ~29 Ω at 50 kHz, ~75.8 Ω at 1 Hz
    assert s.impedance_ohm.real[0] == pytest.approx(29.036)
    assert s.impedance_ohm.real[-1] == pytest.approx(75.803)


def test_gamry_eis_dta(shared_data):
    # SOURCES.md row eis/exampleDataGamry.DTA
    path = shared_data / "eis" / "exampleDataGamry.DTA"
    lines = path.read_text(encoding="latin-1").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("ZCURVE")) + 3
    rows = np.array([[float(x) for x in ln.split("\t")[1:6]] for ln in lines[start:] if ln.startswith("\t")])
    [s] = read(path)
    assert s.instrument == "gamry-dta" and s.n_points == rows.shape[0] == 72
    np.testing.assert_allclose(s.frequency_Hz, rows[:, 2])
    np.testing.assert_allclose(s.impedance_ohm, rows[:, 3] + 1j * rows[:, 4])
    assert s.area_cm2 == pytest.approx(1.0)


def test_peis_mpr_and_mpt_agree(shared_data):
    # SOURCES.md row biologic/peis.mpr, peis.mpt (yadg test files)
    [a] = read(shared_data / "biologic" / "peis.mpr")
    [b] = read(shared_data / "biologic" / "peis.mpt")
    assert (a.instrument, b.instrument) == ("biologic-mpr", "biologic-mpt")
    assert a.n_points == b.n_points == 32
    np.testing.assert_allclose(a.frequency_Hz, b.frequency_Hz, rtol=1e-6)
    np.testing.assert_allclose(a.impedance_ohm, b.impedance_ohm, rtol=1e-6)
    assert a.frequency_Hz[0] == pytest.approx(2e5, rel=1e-4) and a.frequency_Hz[-1] == pytest.approx(1.0, rel=1e-3)
    # the file stores -Im(Z) = 0.73 Ω at 200 kHz: Z'' = -0.73 Ω
    assert a.impedance_ohm[0] == pytest.approx(10.512296 - 0.7304766j, rel=1e-6)
    assert b.area_cm2 == pytest.approx(0.001)


def test_geis_mpr_is_61_spectra(shared_data):
    # SOURCES.md: galvanostatic EIS, 1 MHz–0.2 Hz, 61 spectra
    spectra = read(shared_data / "biologic" / "geis.mpr", kind="spectrum")
    assert len(spectra) == 61
    assert sum(s.n_points for s in spectra) == 2528 - 29  # rows minus the 29 non-EIS rows
    for s in spectra:
        assert s.frequency_Hz.max() == pytest.approx(1e6, rel=1e-3)
        assert np.all(np.diff(s.frequency_Hz) < 0)  # one sweep each, file order (high → low)
    # 60 complete sweeps of 41 points down to 0.2 Hz; the run stopped 2 points into the last
    assert [s.n_points for s in spectra] == [41] * 60 + [39]
    assert all(s.frequency_Hz.min() == pytest.approx(0.2, rel=1e-2) for s in spectra[:60])
    assert [s.metadata["cycle_number"] for s in spectra] == list(range(1, 62))


def test_ca_mpr_and_mpt(shared_data):
    # SOURCES.md row biologic/ca.mpr, ca.mpt: 12 h at 0.3 V, 60 s sampling, area 1.131 cm²,
    # first point 18.6 µA, 29 nA at 60 s; the .mpt has LF line endings
    [a] = read(shared_data / "biologic" / "ca.mpr", kind="transient")
    [b] = read(shared_data / "biologic" / "ca.mpt", kind="transient")
    for t in (a, b):
        assert isinstance(t, CurrentTransient) and t.time_s.size == 721
        assert t.current_A[0] == pytest.approx(18.6e-6, rel=1e-2)
        assert t.time_s[1] == pytest.approx(60.0, abs=0.01)
        assert t.current_A[1] == pytest.approx(29e-9, rel=0.01)
        assert t.time_s[-1] == pytest.approx(12 * 3600, rel=1e-4)
        assert np.median(t.potential_V) == pytest.approx(0.3, abs=0.005)
        assert t.metadata["control_potential_V"] == pytest.approx(0.3, abs=1e-4)
    np.testing.assert_allclose(a.current_A, b.current_A, rtol=1e-6)
    np.testing.assert_allclose(a.time_s, b.time_s, atol=1e-6)
    assert b.area_cm2 == pytest.approx(1.131)
    assert any("LF line endings" in n for n in b.notes)


def test_ca_issue_149_newer_layout(shared_data):
    # SOURCES.md: EC-Lab 11.50 layout, 4 loops
    loops = read(shared_data / "biologic" / "ca.issue_149.mpr", kind="transient")
    assert len(loops) == 4 and [t.time_s.size for t in loops] == [20, 20, 20, 20]
    assert all(t.time_s[0] == 0 and np.all(np.diff(t.time_s) > 0) for t in loops)
    assert any("<I>/mA" in n for n in loops[0].notes)


def test_gcpl_mpr(shared_data):
    # SOURCES.md: ±11 µA, 12 h per half cycle, 32 half cycles, overpotential ~0.103 → 0.111 V
    [g] = read(shared_data / "biologic" / "gcpl.mpr", kind="galvanostatic")
    assert isinstance(g, GalvanostaticRecord)
    # the file has no I/<I> column: the measured mean current dq/Δt (what EC-Lab exports as <I>/mA;
    # the set value control/V/mA is in V during potential steps), 0 at the first point as exported
    assert g.current_A[0] == 0 and any("dq/Δt" in n for n in g.notes)
    i, v, t = g.current_A[1:], g.voltage_V[1:], g.time_s[1:]
    assert np.median(np.abs(i)) == pytest.approx(11e-6, rel=1e-3)
    sign = np.sign(i)
    starts = np.flatnonzero(np.r_[True, sign[1:] != sign[:-1]])
    assert starts.size == 32
    assert np.diff(t[starts]) == pytest.approx(12 * 3600, rel=1e-3)
    ends = np.r_[starts[1:], sign.size] - 1
    assert abs(v[ends[1]]) == pytest.approx(0.103, abs=0.002)
    assert abs(v[ends[-1]]) == pytest.approx(0.111, abs=0.003)


def test_mb_mpr_eis_and_steps(shared_data):
    # SOURCES.md: Li|LLZO|Li, EIS then ±2.8 µA 1 h steps, repeated
    path = shared_data / "biologic" / "mb.mpr"
    spectra = read(path, kind="spectrum")
    assert len(spectra) == 8 and {s.n_points for s in spectra} == {70}
    assert spectra[0].frequency_Hz[0] == pytest.approx(1e6, rel=1e-3)
    assert np.all(spectra[0].impedance_ohm.imag < 0)  # from |Z| and a negative phase
    [g] = read(path, kind="galvanostatic")
    assert g.time_s.size == 1588 - 560
    steps = np.abs(g.current_A) > 1e-6
    np.testing.assert_allclose(np.abs(g.current_A[steps]), 2.8e-6, rtol=0.02)
    assert (g.current_A > 1e-6).any() and (g.current_A < -1e-6).any()


def test_cv_mpr(shared_data):
    # SOURCES.md: Na|Na2B12H12, 1.5–5.5 V, 0.1 mV/s, 2 cycles
    [cv] = read(shared_data / "biologic" / "cv.mpr", kind="voltammogram")
    assert isinstance(cv, Voltammogram)
    assert cv.scan_rate_V_per_s == pytest.approx(1e-4, rel=0.01)
    assert cv.potential_V.min() == pytest.approx(1.5, abs=0.01)
    assert cv.potential_V.max() == pytest.approx(5.5, abs=0.01)
    assert cv.metadata["cycles"] == [1, 2]


def test_gamry_cv_decimal_commas(shared_data):
    # SOURCES.md row gamry/gamry_cv.DTA: comma decimal separators
    path = shared_data / "gamry" / "gamry_cv.DTA"
    [cv] = read(path, kind="voltammogram")
    assert cv.scan_rate_V_per_s == pytest.approx(0.0499999)
    assert cv.time_s.size == 81  # the table declares 3597 but the run was aborted
    assert cv.potential_V[0] == pytest.approx(0.200054) and cv.current_A[0] == pytest.approx(1.72821e-5)
    assert np.allclose(np.diff(cv.time_s), 0.06)
    assert "decimal commas" in cv.notes and any("declares 3597" in n for n in cv.notes)


@pytest.mark.parametrize(
    "name, kind",
    [("biologic/ca.mpr", "transient"), ("biologic/cv.mpr", "voltammogram"),
     ("biologic/gcpl.mpr", "galvanostatic"), ("biologic/geis.mpr", "spectrum"),
     ("biologic/ca.mpt", "transient"), ("gamry/gamry_cv.DTA", "voltammogram")],
)
def test_reader_picks_kind_from_technique(shared_data, name, kind):
    from sselab.io.registry import candidates

    path = shared_data / name
    reader = candidates(path, None)[0]
    items = reader.read(path, None)
    assert {type(m).__name__ for m in items} == {
        {"transient": "CurrentTransient", "voltammogram": "Voltammogram",
         "galvanostatic": "GalvanostaticRecord", "spectrum": "Spectrum"}[kind]
    }


def test_spectrum_kind_on_dc_file_says_which_kind(shared_data):
    from sselab.exceptions import ReaderError

    with pytest.raises(ReaderError, match=r"ca\.mpr.*kind='transient'"):
        read(shared_data / "biologic" / "ca.mpr", kind="spectrum")
