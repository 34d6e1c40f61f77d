"""The web API's masking/cropping and DRT blocking option: the same function as the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from webstudy import client, wait_job


def test_fit_and_drt_with_masked_points_and_blocking_option(demo_study):
    from sselab.eis import simulate_spectrum

    f = np.logspace(5, -1, 30)
    s = simulate_spectrum("R0-p(R1,C1)", {"R0": 10.0, "R1": 500.0, "C1": 1e-7}, f)
    z = s.impedance_ohm.copy()
    z[0] = z[0].real + 40j  # an inductive artefact
    z[10] *= 1.5  # an outlier
    spectrum = {"frequency_Hz": f.tolist(), "z_real_ohm": z.real.tolist(), "z_imag_ohm": z.imag.tolist()}
    with client(demo_study) as c:
        body = {"spectrum": spectrum, "circuit": "R0-p(R1,C1)", "drop_inductive": True, "mask": [10]}
        job = wait_job(c, c.post("/api/fit", json=body).json()["job_id"])
        fit = job["result"]["fit"]
        assert fit["parameters"]["R1"]["value"] == pytest.approx(500.0, rel=1e-6)
        assert [(m["index"], m["reason"]) for m in fit["mask"]["masked"]] == [(0, "inductive"), (10, "user")]
        bad = c.post("/api/fit", json={**body, "mask": [99]})
        assert bad.status_code == 400 and "beyond" in bad.json()["detail"]
        mid = demo_study.ids[0]
        job = wait_job(c, c.post("/api/drt", json={"measurement_id": mid, "f_min_Hz": 1.0, "blocking": "no"}).json()["job_id"])
        assert job["status"] == "done" and job["result"]["mask"]["settings"]["f_min_Hz"] == 1.0
        assert job["result"]["drt"]["blocking_n"] is None
        assert c.post("/api/drt", json={"measurement_id": mid, "blocking": "maybe"}).status_code == 422


def test_zhit_kk_explore_and_views_endpoints(demo_study):
    mid = demo_study.ids[0]
    with client(demo_study) as c:
        z = c.get(f"/api/zhit/{mid}").json()
        assert z["status"] in ("ok", "warning") and len(z["modulus_hit_ohm"]) == z["n_points"]
        k = c.get(f"/api/kk-explore/{mid}").json()
        assert k["recommended_M"] == k["test"]["n_elements"] and len(k["sweeps"]) == 4
        v = c.get(f"/api/conductivity-views/{mid}", params={"thickness_m": 1e-3, "area_m2": 1e-4}).json()
        assert len(v["sigma_real_S_per_cm"]) == len(v["frequency_Hz"]) and v["cell_constant_per_cm"] == pytest.approx(0.1)  # 0.1 cm / 1 cm²
        assert c.get("/api/zhit/999999").status_code == 404
