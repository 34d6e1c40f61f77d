"""The demo's terminal table never cuts a number, whatever the terminal width."""

import pytest

import sselab.demo as demo_mod


def _summary():
    rows = [{"quantity": "σ_ion at 100 °C (eBE, a quantity name long enough to need wrapping)", "sample": "600C-12h",
             "recovered": 1.998e-4, "stderr": 3e-7, "truth": 2e-4, "paper": 2e-4, "unit": "S/cm", "status": "warning",
             "reasons": ["t_ion: INCONSISTENT"]},
            {"quantity": "EDS Mg per formula unit", "sample": "as-BM", "recovered": 3.0987, "stderr": None, "truth": 3.1,
             "paper": 3.1, "unit": "per formula unit", "status": "not simulated", "reasons": []}]
    return {"rows": rows, "outputs": {"report": "/x/report.html"}, "seconds": 1.0}


@pytest.mark.parametrize("width", ["60", "80", "200"])
def test_demo_table_shows_every_value_whole(cli, monkeypatch, width):
    monkeypatch.setattr(demo_mod, "run_demo", lambda *a, **k: _summary())
    monkeypatch.setenv("COLUMNS", width)
    rc, out, err = cli("demo", "--out", "unused")
    assert rc == 0, err
    for whole in ("1.998(3)e-4", "3.0987 ± ?", "600C-12h", "per formula unit", "not simulated", "warning"):
        assert whole in out, (width, whole, out)
    assert "…" not in out
    assert "warning: t_ion: INCONSISTENT" in out
