"""The manifest's global EIS fit (settings global_shared / global_arrhenius) and masking keys."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.eis import simulate_spectrum
from sselab.io.writers import write_spectrum_csv
from sselab.store import open_store
from sselab.study.pipeline import run_study

KB = 8.617333262e-5
CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)"


def test_manifest_global_fit_and_mask(tmp_path):
    temps_c = (25, 50, 75, 100)
    f = np.logspace(6, -1, 50)
    for i, tc in enumerate(temps_c):
        T = tc + 273.15
        s = simulate_spectrum(CIRCUIT, {"R0": 200, "R1": 1e-2 * np.exp(0.45 / (KB * T)), "CPE1.Q": 1e-10,
                                        "CPE1.n": 0.9, "R2": 3e-3 * np.exp(0.5 / (KB * T)), "CPE2.Q": 2e-7,
                                        "CPE2.n": 0.7}, f, noise=0.01, seed=i)
        z = s.impedance_ohm.copy()
        z[:2] = z[:2].real + 50j  # two inductive artefacts, masked by drop_inductive
        write_spectrum_csv(tmp_path / f"cell_{tc}C.csv", s.__class__(frequency_Hz=f, impedance_ohm=z))
    (tmp_path / "study.yaml").write_text(f"""study: global
samples:
  - name: pellet
    thickness: 1 mm
    area: 1 cm2
measurements:
  - file: cell_*.csv
    technique: eis
    cell: Au|SE|Au
    sample: pellet
analysis:
  eis:
    circuit: {CIRCUIT}
    bulk_element: R1
    drop_inductive: true
    global_shared: [CPE2.n]
    global_arrhenius: [R1]
""")
    summary = run_study(tmp_path / "study.yaml", tmp_path / "r.sqlite")
    assert not summary.failures, summary.failures
    with open_store(tmp_path / "r.sqlite") as store:
        rows = store.analyses(sample="pellet")
    fits = [r for r in rows if r["method"] == "eis_fit"]
    assert len(fits) == 4
    for r in fits:  # the two artefacts (and, at 100 °C, noisy points near the real axis at low f)
        masked = {m["index"]: m["reason"] for m in r["result"]["mask"]["masked"]}
        assert masked[0] == masked[1] == "inductive" and set(masked.values()) == {"inductive"}
        assert r["result"]["fit"]["n_points"] == 50 - len(masked)
        # the model-free checks of the fitted points ride along (kramers_kronig: true by default)
        v = r["result"]["validity"]
        assert {"kk_passed", "kk_max_residual_percent", "zhit_passed", "zhit_max_residual_percent"} <= set(v)
        assert 0 < v["kk_max_residual_percent"] < 10 and 0 < v["zhit_max_residual_percent"] < 20  # 1 % noise
    [g] = [r for r in rows if r["method"] == "eis_global"]
    res = g["result"]
    assert res["n_spectra"] == 4 and res["status"] in ("ok", "warning")
    assert res["shared"]["CPE2.n"]["value"] == pytest.approx(0.7, abs=3 * res["shared"]["CPE2.n"]["stderr"])
    assert res["Ea_eV"] == pytest.approx(0.45, abs=3 * res["Ea_stderr_eV"])

    from sselab.report.html import write_report

    html = write_report(tmp_path / "r.sqlite", tmp_path / "report").read_text()
    assert "Z-HIT max residual / %" in html and "KK max residual / %" in html
    table = (tmp_path / "report" / "tables" / "eis_validity.csv").read_text().splitlines()
    assert len(table) == 5 and table[0].startswith("sample,cell,T_C,file,kk_max_residual_percent")
