"""SEM/EDS in the workbench: uploads are recognised (sem_image / eds), the measurement page gets
the micrograph as PNG with its pixel size and the spectrum's arrays, and the analyse form runs the
pipeline's sem_image / eds_quantify executors (truth: the virtual study's files; the real Zeiss
image's pixel size from tests/microscopy/test_readers.py)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from webstudy import client, wait_job

from sselab.simulate.microscopy import write_microscopy


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("semweb")
    return root, write_microscopy(root, seed=0)


def _upload(c, path, sample="as-BM"):
    r = c.post("/api/upload", files={"file": (path.name, path.read_bytes(), "application/octet-stream")},
               data={"sample": sample})
    assert r.status_code == 200, r.text
    return r.json()


def test_sem_upload_page_and_particles_analysis(demo_study, files):
    import matplotlib.image as mpimg

    root, truth = files
    with client(demo_study) as c:
        up = _upload(c, root / truth["sem_particles"]["file"])
        assert up["kind"] == "sem_image"
        mid = up["measurements"][0]["id"]
        m = c.get(f"/api/measurements/{mid}").json()
        assert m["technique"] == "sem" and m["kind"] == "SEMImage"
        info = c.get(f"/api/sem/{mid}").json()
        assert info["pixel_size_um"] == pytest.approx(0.015) and info["shape_px"] == [768, 1024]
        png = c.get(f"/api/sem/{mid}/image.png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        img = mpimg.imread(io.BytesIO(png.content))
        assert img.shape[:2] == (768, 1024) and np.ptp(img[..., 0]) > 0.5  # stretched grey levels
        opt = c.get(f"/api/analyse/options/{mid}").json()
        assert opt["technique"] == "sem" and opt["defaults"]["particles"]["threshold"] == "otsu"
        bad = c.post("/api/analyse", json={"measurement_id": mid, "settings": {"particles": {"treshold": "li"}}})
        assert bad.status_code == 400 and "treshold" in bad.json()["detail"]
        job = c.post("/api/analyse", json={"measurement_id": mid, "settings": {"analysis": "particles"}}).json()
        res = wait_job(c, job["job_id"], timeout=120)["result"]
        assert res["kind"] == "sem_image" and res["status"] in ("ok", "warning") and "d10/d50/d90" in res["summary"]
        stored = c.get(f"/api/sem/{mid}").json()["analysis"]
        assert stored["d50_um"] == pytest.approx(truth["sem_particles"]["d50_um"], rel=0.05)


def test_sem_layers_from_the_form(demo_study, files):
    root, truth = files
    with client(demo_study) as c:
        mid = _upload(c, root / truth["sem_layers"]["file"])["measurements"][0]["id"]
        n = len(truth["sem_layers"]["layers_um"])
        job = c.post("/api/analyse", json={"measurement_id": mid, "settings": {"analysis": "layers", "layers": {"n_layers": n}}}).json()
        assert wait_job(c, job["job_id"], timeout=120)["result"]["kind"] == "sem_image"
        res = c.get(f"/api/sem/{mid}").json()["analysis"]
        assert res["boundaries_um"] == pytest.approx(truth["sem_layers"]["boundaries_um"], abs=1.0)


def test_eds_upload_plot_arrays_and_formula(demo_study, files):
    root, truth = files
    with client(demo_study) as c:
        up = _upload(c, root / truth["eds"]["file"])
        assert up["kind"] == "eds"
        mid = up["measurements"][0]["id"]
        m = c.get(f"/api/measurements/{mid}").json()
        assert m["technique"] == "eds" and list(m["arrays"])[:2] == ["energy_keV", "counts"]
        assert c.get(f"/api/sem/{mid}").status_code == 400
        job = c.post("/api/analyse", json={"measurement_id": mid, "settings": {"normalise": {"As": 1}}}).json()
        res = wait_job(c, job["job_id"], timeout=120)["result"]
        assert res["kind"] == "eds_quantify" and res["summary"].startswith("formula Mg3.1AsN1.3")


def test_real_zeiss_upload_keeps_its_calibration(demo_study, shared_data):
    with client(demo_study) as c:
        up = _upload(c, shared_data / "sem-eds/zeiss_inlens_particles_512.tif", sample="real")
        assert up["kind"] == "sem_image"
        info = c.get(f"/api/sem/{up['measurements'][0]['id']}").json()
        assert info["pixel_size_um"] == pytest.approx(0.011649976)


def test_real_bcf_map_uploaded_and_quantified(demo_study, shared_data):
    # SOURCES.md: the map shows Al, Ag, C, Cu (tests/eds/test_eds.py checks the same set)
    with client(demo_study) as c:
        up = _upload(c, shared_data / "sem-eds/bruker_bcf_v2_50x50px.bcf", sample="real")
        assert up["kind"] == "eds"
        mid = next(m["id"] for m in up["measurements"] if m["item"] == 0)
        job = c.post("/api/analyse", json={"measurement_id": mid, "settings": {}}).json()
        res = wait_job(c, job["job_id"], timeout=120)["result"]
        assert res["kind"] == "eds_quantify" and "at.%" in res["summary"]
        elements = {part.split()[0] for part in res["summary"].removesuffix(" at.%").split(", ")}
        assert {"Al", "Ag", "Cu"} <= elements <= {"Al", "Ag", "C", "Cu", "Cl"}


def test_sem_figure_endpoint(demo_study, files):
    """The analysis figures: 404 before an analysis and for an unknown name; PNGs after."""
    import matplotlib.image as mpimg

    root, truth = files
    with client(demo_study) as c:
        mid = _upload(c, root / truth["sem_layers"]["file"])["measurements"][0]["id"]
        r = c.get(f"/api/sem/{mid}/figure/layers.png")
        assert r.status_code == 404 and "no stored SEM analysis" in r.json()["detail"]
        job = c.post("/api/analyse", json={"measurement_id": mid,
                                           "settings": {"analysis": "layers", "layers": {"n_layers": 5}}}).json()
        assert wait_job(c, job["job_id"], timeout=120)["status"] == "done"
        png = c.get(f"/api/sem/{mid}/figure/layers.png")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert mpimg.imread(io.BytesIO(png.content)).shape[1] > 500
        assert c.get(f"/api/sem/{mid}/figure/overlay.png").status_code == 404  # a layers result has no overlay
        assert c.get(f"/api/sem/{mid}/figure/nonsense.png").status_code == 404
