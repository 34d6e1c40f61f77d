"""The transport and DC commands, in-process: contract keys, units, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.transport.geometry import SampleGeometry
from sselab.transport.simulate import simulate_polarisation


def test_conductivity_cli_paper(cli):
    rc, out, err = cli("conductivity", "--resistance", "88.4", "--thickness", "0.65 mm", "--diameter", "13 mm", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["sigma_S_per_cm"] == pytest.approx(5.54e-4, rel=2e-3)
    assert d["area_cm2"] == pytest.approx(1.3273, rel=1e-4)
    rc, out, err = cli("conductivity", "--resistance", "88.4", "--thickness", "0.065", "--area", "1.327 cm2", "--json")
    assert json.loads(out)["sigma_S_per_cm"] == pytest.approx(0.065 / (88.4 * 1.327))


def test_conductivity_cli_missing_geometry(cli):
    rc, out, err = cli("conductivity", "--resistance", "88.4", "--thickness", "0.65 mm")
    assert rc == 2 and "--diameter" in err and "Traceback" not in err


def test_arrhenius_cli(cli, tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("T_C,sigma_mS_per_cm\n40,0.094\n100,0.76\n")
    rc, out, err = cli("arrhenius", p, "--json", "--plot", tmp_path / "a.png")
    assert rc == 0, err
    d = json.loads(out)
    assert d["Ea_eV"] == pytest.approx(0.3508, abs=5e-4)
    assert d["convention"] == "sigma" and "sigma_25C" in d and "Ea_stderr_eV" in d
    assert (tmp_path / "a.png").stat().st_size > 1000
    rc, out, _ = cli("arrhenius", p, "--convention", "sigmaT", "--json")
    assert json.loads(out)["Ea_eV"] > d["Ea_eV"]


def test_arrhenius_cli_single_temperature(cli, tmp_path):
    p = tmp_path / "one.csv"
    p.write_text("T_K,sigma\n373.15,5.54e-4\n")
    rc, out, err = cli("arrhenius", p)
    assert rc == 2 and "2 different temperatures" in err


def _write_ca(path, ct):
    rows = "\n".join(f"{t},{i},{v}" for t, i, v in zip(ct.time_s, ct.current_A, ct.potential_V))
    path.write_text("time/s,I/A,Ewe/V\n" + rows + "\n")


def test_dc_electronic_cli(cli, tmp_path):
    g = SampleGeometry.from_text("0.65 mm", diameter="13 mm")
    files = []
    for k, v in enumerate((0.5, 1.0, 2.0, 3.0)):
        f = tmp_path / f"ca_{v}V.csv"
        _write_ca(f, simulate_polarisation(1e-6, 5e-8, g, v, (200.0,), duration_s=3600, interval_s=20, noise_A=1e-11, seed=k))
        files.append(f)
    rc, out, err = cli("dc", "electronic", *files, "--thickness", "0.65 mm", "--diameter", "13 mm", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["sigma_el"] == pytest.approx(5e-8, rel=0.01)
    assert d["R_el"] == pytest.approx(0.065 / (5e-8 * g.area_cm2), rel=0.01)
    rc, out, err = cli("dc", "electronic", *files, "--diameter", "13 mm")
    assert rc == 2 and "--thickness" in err


def test_dc_tion_file_without_current(cli, tmp_path):
    f = tmp_path / "nocurrent.csv"
    f.write_text("time/s,Ewe/V\n" + "\n".join(f"{t},0.5" for t in range(20)) + "\n")
    rc, out, err = cli("dc", "tion", f)
    assert rc == 2 and err.startswith("error:")
