"""The methods' commands end to end on simulated files with known truth: ``dc bruce-vincent``,
``dc hebb-wagner``, ``ccd``, ``eis stacks`` (JSON values, plots, exit codes, bad input)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.cycling.ccd import simulate_stepped_cycling
from sselab.dc.hebb_wagner import hebb_wagner_current
from sselab.eis import simulate_spectrum
from sselab.io.writers import write_galvanostatic_csv, write_spectrum_csv, write_transient_csv
from sselab.measurements import CurrentTransient

L_CM, A_CM2 = 0.065, 1.327


def _hold(path, I0, Is, V, tau=300.0, seed=0):
    t = np.linspace(0, 20 * tau, 400)
    i = Is + (I0 - Is) * np.exp(-t / tau)
    i = i * (1 + 1e-4 * np.random.default_rng(seed).standard_normal(t.size))
    write_transient_csv(path, CurrentTransient(time_s=t, current_A=i, potential_V=np.full(t.size, V)))


def test_bruce_vincent_command(tmp_path, cli):
    Rb, t_plus, Ri0, Riss, dV = 800.0, 0.4, 500.0, 600.0, 0.01
    I0, Is = dV / (Rb + Ri0), dV / (Rb / t_plus + Riss)
    _hold(tmp_path / "hold.csv", I0, Is, dV)
    f = np.logspace(6, -1, 61)
    for name, Ri in (("before", Ri0), ("after", Riss)):
        s = simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", {"R0": 5.0, "R1": Rb, "CPE1.Q": 1e-10, "CPE1.n": 0.95,
                                                           "R2": Ri, "CPE2.Q": 1e-5, "CPE2.n": 0.85}, f, noise=0.002, seed=3)
        write_spectrum_csv(tmp_path / f"{name}.csv", s)
    rc, out, err = cli("dc", "bruce-vincent", tmp_path / "hold.csv", "--before", tmp_path / "before.csv",
                       "--after", tmp_path / "after.csv", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["t_plus"] == pytest.approx(t_plus, abs=0.02) and d["R0_ohm"] == pytest.approx(Ri0, rel=0.03)
    rc, out, err = cli("dc", "bruce-vincent", tmp_path / "hold.csv", "--r0", "500", "--rss", "600")
    assert rc == 0 and "t+ = 0.3999" in out and "status: ok" in out  # 0.39999(3): I0, Is from the hold
    rc, _, err = cli("dc", "bruce-vincent", tmp_path / "hold.csv", "--r0", "500")
    assert rc == 2 and "either as spectra" in err and "Traceback" not in err


def test_hebb_wagner_command(tmp_path, cli):
    V = [0.1, 0.2, 0.3, 0.4, 0.5]
    files = []
    for k, v in enumerate(V):
        Is = float(hebb_wagner_current([v], 4.9e-8, 1e-11, 373.15, L_CM, A_CM2)[0])
        files.append(tmp_path / f"hw_{v}.csv")
        _hold(files[-1], 5 * Is, Is, v, seed=k)
    rc, out, err = cli("dc", "hebb-wagner", *files, "--thickness", "0.65 mm", "--area", "1.327 cm2",
                       "--temperature", "100 C", "--json", "--plot", tmp_path / "hw.png")
    assert rc == 0, err
    d = json.loads(out)
    assert d["sigma_n_S_per_cm"] == pytest.approx(4.9e-8, rel=0.03)
    assert (tmp_path / "hw.png").stat().st_size > 10_000
    rc, _, err = cli("dc", "hebb-wagner", *files, "--thickness", "0.65 mm", "--area", "1.327 cm2",
                     "--temperature", "100 C", "--plot", tmp_path / "hw.jpgx")
    assert rc == 2 and "unknown figure format" in err


def test_ccd_command(tmp_path, cli):
    rec = simulate_stepped_cycling([0.01, 0.02, 0.05, 0.1, 0.2], area_cm2=A_CM2, short_at_mA_per_cm2=0.1, seed=2)
    write_galvanostatic_csv(tmp_path / "ccd.csv", rec)
    rc, out, err = cli("ccd", tmp_path / "ccd.csv", "--area", "1.327 cm2", "--json", "--plot", tmp_path / "ccd.svg")
    assert rc == 0, err
    d = json.loads(out)
    assert d["ccd_mA_per_cm2"] == 0.05 and d["failure_mA_per_cm2"] == 0.1 and (tmp_path / "ccd.svg").exists()
    first = simulate_stepped_cycling([0.01, 0.02], area_cm2=A_CM2, short_at_mA_per_cm2=0.01)
    write_galvanostatic_csv(tmp_path / "first.csv", first)
    rc, out, _ = cli("ccd", tmp_path / "first.csv", "--area", "1.327 cm2")
    assert rc == 3 and "status: failed" in out


def test_stacks_command(tmp_path, cli):
    f = np.logspace(6, -1, 71)
    bulk = {"R0": 10.0, "R1": 1000.0, "CPE1.Q": 1e-10, "CPE1.n": 0.95, "CPE2.Q": 1e-5, "CPE2.n": 0.9}
    write_spectrum_csv(tmp_path / "au.csv", simulate_spectrum("R0-p(R1,CPE1)-p(R2,CPE2)", {**bulk, "R2": 5e3}, f,
                                                              noise=0.003, seed=2))
    rc, out, err = cli("eis", "stacks", tmp_path / "au.csv", "--thickness", "0.65 mm", "--area", "1.327 cm2", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["conductor"] == "mixed" and d["sigma_el_S_per_cm"] == pytest.approx(L_CM / A_CM2 / 6010.0, rel=0.03)


def test_plots_of_dc_tion_electronic_series_and_ageing(tmp_path, cli):
    """Every analysis command named in #19 writes its figure (and refuses a bad name first)."""
    from sselab.transport.geometry import SampleGeometry
    from sselab.transport.simulate import simulate_polarisation

    g = SampleGeometry.from_text("0.65 mm", diameter="13 mm")
    holds = []
    for k, v in enumerate((0.5, 1.0, 2.0)):
        ct = simulate_polarisation(5e-7, 5e-8, g, potential_V=v, time_constants_s=(300.0,), duration_s=3000.0,
                                   interval_s=20.0, seed=k)
        holds.append(tmp_path / f"hold_{v}.csv")
        write_transient_csv(holds[-1], ct)
    rc, _, err = cli("dc", "tion", holds[0], "--plot", tmp_path / "tion.png")
    assert rc in (0, 3), err
    assert (tmp_path / "tion.png").stat().st_size > 10_000
    rc, _, err = cli("dc", "electronic", *holds, "--thickness", "0.65 mm", "--diameter", "13 mm", "--plot", tmp_path / "iv.svg")
    assert rc in (0, 3), err
    assert (tmp_path / "iv.svg").exists()
    f = np.logspace(6, -1, 50)
    files = []
    for T, R1 in ((313.15, 4000.0), (333.15, 2000.0), (353.15, 1100.0)):
        s = simulate_spectrum("R0-p(R1,CPE1)-CPE2", {"R0": 10.0, "R1": R1, "CPE1.Q": 1e-10, "CPE1.n": 0.9,
                                                     "CPE2.Q": 1e-6, "CPE2.n": 0.85}, f, noise=0.003, seed=int(T),
                              temperature_K=T)
        files.append(tmp_path / f"s_{T - 273.15:.0f}C.csv")
        write_spectrum_csv(files[-1], s)
    rc, _, err = cli("eis", "series", *files, "--circuit", "R0-p(R1,CPE1)-CPE2", "--bulk", "R1",
                     "--thickness", "0.65 mm", "--diameter", "13 mm", "--plot", tmp_path / "series.png")
    assert rc in (0, 3), err
    assert (tmp_path / "series.png").stat().st_size > 10_000
    rc, _, err = cli("eis", "ageing", *files, "--circuit", "R0-p(R1,CPE1)-CPE2", "--parameter", "R1",
                     "--times", "0,24,48", "--plot", tmp_path / "ageing.pdf")
    assert rc in (0, 3), err
    assert (tmp_path / "ageing.pdf").exists()
