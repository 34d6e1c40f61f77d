"""Temperature series, eBE deconvolution, mixed-conductor fit and cross-checks on simulated data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.exceptions import AnalysisError
from sselab.transport.consistency import check_transport
from sselab.transport.deconvolution import EBEReference, deconvolve
from sselab.transport.geometry import SampleGeometry
from sselab.transport.mixed import fit_mixed_conductor
from sselab.transport.series import temperature_from_name, temperature_series
from sselab.transport.simulate import simulate_mixed_spectrum
from sselab.units import K_B_EV

eis = pytest.importorskip("sselab.eis")
PAPER = SampleGeometry.from_text("0.65 mm", diameter="13 mm")
CIRCUIT = "R0-p(R1,CPE1)-CPE2"


def _sigma(tc, s40=2e-7, ea=0.35):
    return s40 * np.exp(-ea / K_B_EV * (1 / (tc + 273.15) - 1 / 313.15))


def _series_spectra(tmp_path=None):
    out = []
    for i, tc in enumerate((100, 40, 80, 60)):  # unordered on purpose
        R = PAPER.cell_constant_per_cm / _sigma(tc)
        vals = {"R0": 5.0, "R1": R, "CPE1.Q": 1e-11, "CPE1.n": 0.95, "CPE2.Q": 5e-6, "CPE2.n": 0.8}
        out.append(eis.simulate_spectrum(CIRCUIT, vals, noise=0.005, seed=i, source=f"AP_{tc}C.mpr"))
    return out


def test_temperature_series_round_trip():
    res = temperature_series(_series_spectra(), CIRCUIT, PAPER)
    temps = [r.temperature_K for r in res.rows]
    assert temps == sorted(temps) and [r.temperature_source for r in res.rows] == ["file name"] * 4
    assert [r.seeded for r in res.rows] == [False, True, True, True]
    for r in res.rows:
        c = r.conductivity
        assert c.bulk_element == "R1" and "capacitance" in c.bulk_choice
        truth = _sigma(r.temperature_K - 273.15)
        assert abs(c.sigma_S_per_cm - truth) < 4 * c.sigma_stderr_S_per_cm
    assert abs(res.arrhenius.Ea_eV - 0.35) < 4 * res.arrhenius.Ea_stderr_eV
    d = res.to_dict()
    assert d["convention"] == "sigma" and len(d["table"]) == 4 and "R_b_ohm" in d["table"][0]


def test_series_needs_two_temperatures_and_names():
    spectra = _series_spectra()[:1]
    with pytest.raises(AnalysisError, match="2 or more"):
        temperature_series(spectra, CIRCUIT, PAPER)
    anon = [s.with_meta(source="x.mpr") for s in _series_spectra()[:2]]
    with pytest.raises(AnalysisError, match="no temperature"):
        temperature_series(anon, CIRCUIT, PAPER)
    assert temperature_from_name("a_40C_b_60C") is None


def test_series_cli(cli, tmp_path):
    files = []
    for s in _series_spectra():
        p = tmp_path / s.source.replace(".mpr", ".csv")
        rows = "\n".join(f"{f},{z.real},{z.imag}" for f, z in zip(s.frequency_Hz, s.impedance_ohm))
        p.write_text("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n" + rows + "\n")
        files.append(p)
    rc, out, err = cli("eis", "series", *files, "--circuit", CIRCUIT, "--bulk", "R1",
                       "--thickness", "0.65 mm", "--diameter", "13 mm", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert abs(d["Ea_eV"] - 0.35) < 0.01


def test_deconvolution_paper_arithmetic_and_scaling():
    # 2 eBE layers of 14.6 Ω (REFERENCE §4, 100 °C) in a stack of 117.6 Ω leave 88.4 Ω -> 5.54e-4 S/cm
    row = deconvolve(117.6, 0.5, PAPER, EBEReference(14.6, 0.2))
    assert row.R_SE_ion_ohm == pytest.approx(88.4)
    assert row.sigma_ion_S_per_cm == pytest.approx(5.54e-4, rel=2e-3)
    assert row.R_SE_ion_stderr_ohm == pytest.approx(np.hypot(0.5, 0.4))
    # reference pellet 1 mm thick, layers 0.5 mm: each layer has half the resistance
    ref = EBEReference(29.2, 0.0, SampleGeometry(1e-3, PAPER.area_m2))
    row2 = deconvolve(117.6, 0.0, PAPER, ref, layer_geometry=SampleGeometry(0.5e-3, PAPER.area_m2))
    assert row2.R_eBE_total_ohm == pytest.approx(29.2)
    with pytest.raises(AnalysisError, match="nothing left"):
        deconvolve(20.0, 0.0, PAPER, EBEReference(14.6))


def test_deconvolution_round_trip_series_arrhenius():
    from sselab.transport.arrhenius import arrhenius

    temps = np.array([40.0, 60.0, 80.0, 100.0])
    sig_se = _sigma(temps, 0.094e-3 / 3, 0.30)
    r_ebe = 14.6 * np.exp(0.2 / K_B_EV * (1 / (temps + 273.15) - 1 / 373.15))
    rows = [deconvolve(PAPER.cell_constant_per_cm / s + 2 * r, 0.0, PAPER, EBEReference(r), temperature_K=t + 273.15)
            for s, r, t in zip(sig_se, r_ebe, temps)]
    assert [r.sigma_ion_S_per_cm for r in rows] == pytest.approx(list(sig_se), rel=1e-9)
    a = arrhenius([r.temperature_K for r in rows], [r.sigma_ion_S_per_cm for r in rows])
    assert a.Ea_eV == pytest.approx(0.30, rel=1e-6)


def test_mixed_conductor_round_trip_and_unresolvable():
    s = simulate_mixed_spectrum(1e-6, 2e-7, PAPER, noise=0.005, seed=4)
    res = fit_mixed_conductor(s, PAPER)
    assert res.ion_resolvable and res.el_resolvable
    assert abs(res.sigma_ion_S_per_cm - 1e-6) < 4 * res.sigma_ion_stderr_S_per_cm
    assert abs(res.sigma_el_S_per_cm - 2e-7) < 4 * res.sigma_el_stderr_S_per_cm
    assert res.t_ion == pytest.approx(1 / 1.2, abs=0.01)
    # σ_el 1e-10 S/cm: R_el ~ 5e8 Ω, far beyond |Z| at 0.1 Hz -> not resolvable, said in words
    blocked = fit_mixed_conductor(simulate_mixed_spectrum(1e-6, 1e-10, PAPER, noise=0.005, seed=5), PAPER)
    assert blocked.ion_resolvable and not blocked.el_resolvable
    assert any("σ_el not resolvable" in m for m in blocked.messages)
    d = blocked.to_dict()  # not printed as if it were a measurement
    assert d["sigma_el_S_per_cm"] is None and d["t_ion_from_conductivities"] is None
    assert d["sigma_el_estimate_S_per_cm"] == blocked.sigma_el_S_per_cm
    assert d["sigma_ion_S_per_cm"] == pytest.approx(blocked.sigma_ion_S_per_cm)


def test_consistency_flags_paper_as_bm_and_passes_consistent_data():
    bad = check_transport(t_ion_dc=0.077, t_ion_dc_stderr=0.01, sigma_ion_S_per_cm=5.54e-4,
                          sigma_ion_stderr_S_per_cm=0.2e-4, sigma_el_S_per_cm=4.9e-8, sigma_el_stderr_S_per_cm=0.3e-8)
    assert not bad.consistent and "INCONSISTENT" in bad.messages[0]
    assert bad.checks[0].value_b == pytest.approx(5.54e-4 / (5.54e-4 + 4.9e-8))
    good = check_transport(t_ion_dc=0.61, t_ion_dc_stderr=0.02, sigma_ion_S_per_cm=1.1e-7, sigma_ion_stderr_S_per_cm=5e-9,
                           sigma_el_S_per_cm=6.87e-8, sigma_el_stderr_S_per_cm=3e-9,
                           sigma_el_ac_S_per_cm=7.0e-8, sigma_el_ac_stderr_S_per_cm=4e-9)
    assert good.consistent and len(good.checks) == 2
    off = check_transport(sigma_el_S_per_cm=4.9e-8, sigma_el_stderr_S_per_cm=3e-9, sigma_el_ac_S_per_cm=1.5e-6,
                          sigma_el_ac_stderr_S_per_cm=1e-7)
    assert not off.consistent and "factor" in off.messages[0]


def test_deconvolve_cli(cli, tmp_path):
    files = []
    for i, tc in enumerate((40, 70, 100)):
        R = PAPER.cell_constant_per_cm / _sigma(tc) + 2 * 14.6
        s = eis.simulate_spectrum(CIRCUIT, {"R0": 5.0, "R1": R, "CPE1.Q": 1e-11, "CPE1.n": 0.95, "CPE2.Q": 5e-6,
                                            "CPE2.n": 0.8}, noise=0.003, seed=i)
        p = tmp_path / f"stack_{tc}C.csv"
        p.write_text("freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n" + "\n".join(f"{f},{z.real},{z.imag}" for f, z in zip(s.frequency_Hz, s.impedance_ohm)) + "\n")
        files.append(p)
    rc, out, err = cli("deconvolve", *files, "--reference", "14.6 ohm", "--thickness", "0.65 mm",
                       "--diameter", "13 mm", "--bulk", "R1", "--json")
    assert rc == 0, err
    d = json.loads(out)
    for row in d["table"]:
        assert row["sigma_ion_S_per_cm"] == pytest.approx(_sigma(row["temperature_C"]), rel=0.02)
    assert d["Ea_eV"] == pytest.approx(0.35, abs=0.01)
