"""Column, unit and sign detection; reader choice by extension and sniffing; writer round trips.

Truth: a spectrum computed here from R0 + R1‖C1 with known values, written in each layout.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from sselab.io import read
from sselab.io.columns import split_unit
from sselab.io.writers import (
    write_galvanostatic_csv, write_spectrum_csv, write_spectrum_mpt, write_transient_csv,
    write_voltammogram_csv,
)
from sselab.measurements import CurrentTransient, GalvanostaticRecord, Spectrum, Voltammogram

F = np.logspace(6, -1, 29)
Z = 100.0 + 1e5 / (1 + 2j * np.pi * F * 1e5 * 1e-10)  # R0 = 100 Ω, R1 = 100 kΩ, C1 = 100 pF


def _table(path, header, cols, sep=",", comma=False, preamble=""):
    rows = []
    for row in zip(*cols):
        text = sep.join(f"{v:.12g}" for v in row)
        rows.append(text.replace(".", ",") if comma else text)
    path.write_text(preamble + sep.join(header) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "header, cols, sign_word",
    [
        (["Frequency (Hz)", "Z' (Ω)", "Z'' (Ω)"], [F, Z.real, Z.imag], "as written"),
        (["freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"], [F, Z.real, -Z.imag], "holds −Z''"),
        (["f [kHz]", "Zreal [kOhm]", "-Z'' [kOhm]"], [F / 1e3, Z.real / 1e3, -Z.imag / 1e3], "holds −Z''"),
        (["Freq (MHz)", "Z' (MΩ)", "Z'' (MΩ)"], [F / 1e6, Z.real / 1e6, -Z.imag / 1e6], "mostly positive"),
        (["Frequency (mHz)", "|Z| (Ohm)", "Phase (deg)"], [F * 1e3, abs(Z), np.degrees(np.angle(Z))], "as written"),
        (["frequency", "Zmod", "-Phase (rad)"], [F, abs(Z), -np.angle(Z)], "holds −phase"),
    ],
)
def test_header_layouts(tmp_path, header, cols, sign_word):
    [s] = read(_table(tmp_path / "s.csv", header, cols))
    np.testing.assert_allclose(s.frequency_Hz, F, rtol=1e-10)
    np.testing.assert_allclose(s.impedance_ohm, Z, rtol=1e-9)
    assert any(sign_word in n for n in s.notes), s.notes


@pytest.mark.parametrize("sep", [";", "\t", " "])
def test_decimal_commas_and_preamble(tmp_path, sep):
    pre = "Sample: pellet A\nTemperature: 60 °C\n\n"
    path = _table(tmp_path / "s.txt", ["f/Hz", "Z'/Ohm", "-Z''/Ohm"], [F, Z.real, -Z.imag], sep, True, pre)
    [s] = read(path)
    np.testing.assert_allclose(s.impedance_ohm, Z, rtol=1e-9)
    assert s.temperature_K == pytest.approx(333.15)
    assert "decimal commas" in s.notes


def test_headerless_positive_imag_is_flipped(tmp_path):
    path = tmp_path / "plain.csv"
    np.savetxt(path, np.c_[F, Z.real, -Z.imag], delimiter=",")
    [s] = read(path)
    np.testing.assert_allclose(s.impedance_ohm, Z, rtol=1e-12)
    assert any("mostly positive (29 of 29 points)" in n for n in s.notes)


def test_headerless_table_read_as_a_spectrum_without_a_sweep_warns(tmp_path):
    """A headerless 3-column table whose first column is no frequency sweep (here evenly spaced
    2θ from 2.08° to 5°, counts and their σ, as a Mythen export) is read as f, Z', Z'' only when
    the kind is stated, and then with a warning; a sweep (the module's F) reads without one."""
    two_theta = np.arange(2.084, 5.0, 0.004)
    counts = 2800 + 100 * np.sin(two_theta)
    path = tmp_path / "mythen.dat"
    np.savetxt(path, np.c_[two_theta, counts, np.sqrt(counts)], fmt="%.6f")
    assert not isinstance(read(path)[0], Spectrum)  # unasked, it is not read as one
    [s] = read(path, kind="spectrum")
    assert s.verdict.status == "warning" and s.verdict.codes == ("not_a_frequency_sweep",)
    assert "2.084 to 4.996" in s.verdict.reasons[0].message
    plain = tmp_path / "plain.csv"
    np.savetxt(plain, np.c_[F, Z.real, -Z.imag], delimiter=",")
    assert read(plain, kind="spectrum")[0].verdict.status == "ok"


def test_split_unit():
    assert split_unit("Re(Z)/Ohm") == ("Re(Z)", "Ohm")
    assert split_unit("control/V/mA") == ("control/V", "mA")
    assert split_unit("Re(Z)") == ("Re(Z)", None)
    assert split_unit("Freq(Hz)") == ("Freq", "Hz")
    assert split_unit("Z' [kΩ]") == ("Z'", "kΩ")


def test_sniffing_picks_reader(tmp_path, shared_data):
    # a BioLogic export saved as .txt; a ZPlot file as .dat; a spectrum table as .dat
    txt = tmp_path / "export.txt"
    shutil.copy(shared_data / "biologic" / "peis.mpt", txt)
    [s] = read(txt)
    assert s.instrument == "biologic-mpt" and s.n_points == 32
    z = tmp_path / "zplot.dat"
    shutil.copy(shared_data / "eis" / "Circuit1_EIS_1.z", z)
    assert read(z)[0].instrument == "zview"
    dta = tmp_path / "gamry.txt"
    shutil.copy(shared_data / "eis" / "exampleDataGamry.DTA", dta)
    assert read(dta)[0].instrument == "gamry-dta"
    ca = tmp_path / "hold.txt"
    shutil.copy(shared_data / "biologic" / "ca.mpt", ca)
    assert read(ca, kind="transient")[0].instrument == "biologic-mpt"
    # by extension
    assert read(shared_data / "biologic" / "peis.mpr")[0].instrument == "biologic-mpr"


def test_spectrum_writers_round_trip(tmp_path):
    s = Spectrum(frequency_Hz=F, impedance_ohm=Z, temperature_K=333.15, area_cm2=1.327)
    inductive = Spectrum(frequency_Hz=F, impedance_ohm=Z.real + 1j * np.abs(Z.imag))
    for comma in (False, True):
        write_spectrum_csv(tmp_path / "a.csv", s, decimal_comma=comma)
        [r] = read(tmp_path / "a.csv")
        np.testing.assert_array_equal(r.impedance_ohm, Z)
        np.testing.assert_array_equal(r.frequency_Hz, F)
        assert (r.temperature_K, r.area_cm2) == (333.15, 1.327)
        write_spectrum_csv(tmp_path / "b.csv", inductive, decimal_comma=comma)
        np.testing.assert_array_equal(read(tmp_path / "b.csv")[0].impedance_ohm, inductive.impedance_ohm)
        write_spectrum_mpt(tmp_path / "m.mpt", [s, s.with_meta(impedance_ohm=2 * Z)], decimal_comma=comma)
        a, b = read(tmp_path / "m.mpt")
        np.testing.assert_allclose(a.impedance_ohm, Z, rtol=1e-10)
        np.testing.assert_allclose(b.impedance_ohm, 2 * Z, rtol=1e-10)
        assert a.temperature_K == pytest.approx(333.15) and a.area_cm2 == pytest.approx(1.327)
        assert ("decimal commas" in a.notes) == comma


def test_mpt_written_with_lf_and_comma_matches_mpr(tmp_path, shared_data):
    [ref] = read(shared_data / "biologic" / "peis.mpr")
    path = tmp_path / "peis_de.mpt"
    write_spectrum_mpt(path, ref, decimal_comma=True, line_ending="\n")
    [back] = read(path)
    np.testing.assert_allclose(back.impedance_ohm, ref.impedance_ohm, rtol=1e-10)


def test_dc_writers_round_trip(tmp_path):
    t = np.arange(0, 3600, 60.0)
    i = 1e-6 * np.exp(-t / 600) + 2e-8
    tr = CurrentTransient(time_s=t, current_A=i, potential_V=np.full_like(t, 0.3), area_cm2=1.131)
    g = GalvanostaticRecord(time_s=t, current_A=np.where(t < 1800, 11e-6, -11e-6), voltage_V=np.sign(1800 - t) * 0.1)
    e = np.r_[np.linspace(1.5, 5.5, 30), np.linspace(5.5, 1.5, 30)]
    cv = Voltammogram(time_s=np.abs(np.r_[0, np.cumsum(np.abs(np.diff(e)))]) / 1e-4, potential_V=e, current_A=e * 1e-7)
    for comma in (False, True):
        write_transient_csv(tmp_path / "t.csv", tr, decimal_comma=comma)
        [r] = read(tmp_path / "t.csv", kind="transient")
        np.testing.assert_array_equal(r.current_A, i)
        assert r.area_cm2 == pytest.approx(1.131)
        write_galvanostatic_csv(tmp_path / "g.csv", g, decimal_comma=comma)
        [r] = read(tmp_path / "g.csv", kind="galvanostatic")
        np.testing.assert_array_equal(r.voltage_V, g.voltage_V)
        write_voltammogram_csv(tmp_path / "v.csv", cv, decimal_comma=comma)
        [r] = read(tmp_path / "v.csv", kind="voltammogram")
        np.testing.assert_array_equal(r.potential_V, e)
        assert r.scan_rate_V_per_s == pytest.approx(1e-4)


def test_dc_csv_units(tmp_path):
    path = tmp_path / "ca.csv"
    path.write_text("Time (min);I (µA);Ewe (mV)\n0;18,6;146\n1;0,029;300\n2;0,020;300\n", encoding="utf-8")
    [t] = read(path, kind="transient")
    np.testing.assert_allclose(t.time_s, [0, 60, 120])
    np.testing.assert_allclose(t.current_A, [18.6e-6, 29e-9, 20e-9])
    np.testing.assert_allclose(t.potential_V, [0.146, 0.3, 0.3])
