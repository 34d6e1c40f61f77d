"""``sselab cycling`` and ``sselab cv`` in-process."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.cycling.simulate import simulate_cycling, simulate_voltammogram


def _write_gcpl(path, rec):
    np.savetxt(path, np.column_stack([rec.time_s, rec.current_A, rec.voltage_V]), delimiter=",",
               header="time/s,I/A,Ewe/V", comments="")


def test_cycling_json(cli, tmp_path):
    rec = simulate_cycling(12, eta_plating_V=-0.2, eta_stripping_V=0.15, short_cycle=9, rest_s=120)
    p = tmp_path / "sim.csv"
    _write_gcpl(p, rec)
    rc, out, err = cli("cycling", p, "--area", "1.327 cm2", "--json", "--plot", tmp_path / "fig")
    assert rc == 0, err
    d = json.loads(out[out.index("{"):])
    assert d["n_cycles"] == 12 and d["short_circuit_cycle"] == 9
    assert d["polarisation_growth_V_per_cycle"] == pytest.approx(0.0, abs=1e-6)
    row = d["cycles"][0]
    assert row["cycle"] == 1
    for name in ("end", "mean", "max_abs", "median_last_10pct"):
        assert f"plating_{name}_V" in row and f"stripping_{name}_V" in row
    assert row["plating_end_V"] == pytest.approx(-0.2, abs=1e-4)
    assert d["current_density_mA_per_cm2"] == pytest.approx(0.01 / 1.327, rel=1e-3)
    assert (tmp_path / "fig_voltage.png").stat().st_size > 0
    assert (tmp_path / "fig_overpotential.png").stat().st_size > 0


def test_cycling_one_sign_is_a_clear_error(cli, tmp_path):
    t = np.arange(200.0)
    p = tmp_path / "one.csv"
    np.savetxt(p, np.column_stack([t, np.full(200, 1e-5), np.full(200, 0.1)]), delimiter=",",
               header="time/s,I/A,Ewe/V", comments="")
    rc, out, err = cli("cycling", p)
    assert rc == 2 and "positive (stripping) only" in err


def test_cycling_without_current_column(cli, tmp_path):
    p = tmp_path / "nocur.csv"
    np.savetxt(p, np.column_stack([np.arange(10.0), np.zeros(10)]), delimiter=",", header="time/s,Ewe/V", comments="")
    rc, out, err = cli("cycling", p)
    assert rc == 2 and err.startswith("error:")


def test_cycling_cut_file_partial(cli, tmp_path):
    p = tmp_path / "cut.csv"
    _write_gcpl(p, simulate_cycling(5, cut_fraction=0.3))
    rc, out, err = cli("cycling", p, "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["n_cycles"] == 4 and any("cut mid-step" in w for w in d["warnings"])


def test_cv_json(cli, tmp_path):
    vg = simulate_voltammogram(n_cycles=1)
    p = tmp_path / "cv.csv"
    np.savetxt(p, np.column_stack([vg.time_s, vg.potential_V, vg.current_A]), delimiter=",",
               header="time/s,Ewe/V,I/A", comments="")
    rc, out, err = cli("cv", p, "--json", "--plot", tmp_path / "cv.png")
    assert rc == 0, err
    d = json.loads(out[out.index("{"):])
    assert d["n_scans"] == 1
    assert d["scans"][0]["deposition_peak"]["potential_V"] == pytest.approx(-1.6, abs=0.01)
    assert d["scans"][0]["dissolution_peak"]["potential_V"] == pytest.approx(1.4, abs=0.01)
