"""SEM/EDS through the study pipeline: manifest techniques ``sem``/``eds``, executors, stored results.

Truth: the virtual study's micrographs and spectrum (known sizes, thicknesses, formula) and the
real files in shared/data/sem-eds (values checked by hand in tests/microscopy and tests/eds).
"""

import json

import pytest
import yaml

from sselab.exceptions import ManifestError
from sselab.simulate.microscopy import manifest_entries, write_microscopy
from sselab.store import open_store
from sselab.study import analyses  # noqa: F401 - registers the executors
from sselab.study.manifest import load_manifest
from sselab.study.pipeline import run_study
from sselab.study.tasks import DEFAULT_KINDS, build_tasks, registered_kinds


def _manifest(root, measurements, analysis=None, allow_outside=False):
    doc = {"study": "sem-eds", "allow_outside": allow_outside, "samples": [{"name": "as-BM"}],
           "measurements": measurements, "analysis": analysis or {}}
    p = root / "study.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def virtual(tmp_path_factory):
    root = tmp_path_factory.mktemp("semflow")
    truth = write_microscopy(root, seed=0)
    p = _manifest(root, manifest_entries(truth), {"eds": {"normalise": {"As": 1}}})
    run = run_study(p, root / "results.sqlite")
    with open_store(root / "results.sqlite") as s:
        res = {a["method"] + ":" + a["result"].get("analysis", ""): a["result"] for a in s.analyses()}
    return truth, run, res, root / "results.sqlite"


def test_kinds_registered():
    assert DEFAULT_KINDS["sem"] == "sem_image" and DEFAULT_KINDS["eds"] == "eds_quantify"
    assert {"sem_image", "eds_quantify"} <= set(registered_kinds())


def test_pipeline_recovers_particle_sizes(virtual):
    truth, run, res, _ = virtual
    assert run.n_failed == 0, run.failures
    r, t = res["sem_image:particles"], truth["sem_particles"]
    assert r["pixel_size_um"] == pytest.approx(0.015) and r["image"]["vendor"] == "imagej"
    assert r["d50_um"] == pytest.approx(t["d50_um"], rel=0.05)
    assert r["min_um"] == pytest.approx(t["min_um"], rel=0.05) and r["max_um"] == pytest.approx(t["max_um"], rel=0.05)
    assert len(r["diameters_um"]) == r["n_particles"] and r["status"] in ("ok", "warning")


def test_pipeline_recovers_layers(virtual):
    truth, _, res, _ = virtual
    r, t = res["sem_image:layers"], truth["sem_layers"]
    assert r["boundaries_um"] == pytest.approx(t["boundaries_um"], abs=1.0)  # 2 px of 0.5 µm
    se = [ly for ly in r["layers"] if not ly["open"]][1]
    assert se["thickness_um"] == pytest.approx(t["layers_um"]["Mg3AsN"], abs=1.0)
    assert len(r["curves"]["position_um"]) == len(r["curves"]["profile"]) > 100


def test_pipeline_recovers_eds_formula(virtual):
    truth, _, res, _ = virtual
    r = res["eds_quantify:"]
    for el, v in truth["eds"]["formula"].items():
        assert r["formula"][el] == pytest.approx(v, rel=0.05)
    assert {f["element"] for f in r["identified"]} >= {"Mg", "As", "N"}
    assert r["beam_energy_keV"] == 20.0 and len(r["curves"]["energy_keV"]) == len(r["curves"]["counts"]) > 500


def test_unknown_settings_key_is_refused(tmp_path):
    p = _manifest(tmp_path, [{"file": "x.tif", "technique": "sem", "sample": "as-BM",
                              "settings": {"particles": {"treshold": "li"}}}])
    (tmp_path / "x.tif").write_bytes(b"")
    with pytest.raises(ManifestError, match="treshold"):
        load_manifest(p)


def test_settings_reach_the_tasks(tmp_path):
    (tmp_path / "x.tif").write_bytes(b"")
    (tmp_path / "y.msa").write_bytes(b"")
    p = _manifest(tmp_path, [
        {"file": "x.tif", "technique": "sem", "sample": "as-BM", "settings": {"scale_bar": "100 um"}},
        {"file": "y.msa", "technique": "eds", "sample": "as-BM"}],
        {"sem": {"particles": {"threshold": 0.4, "polarity": "dark"}}, "eds": {"kfactors": {"Mg": 1.05}}})
    sem, eds = build_tasks(load_manifest(p))
    assert sem.settings["particles"]["threshold"] == 0.4 and sem.settings["particles"]["polarity"] == "dark"
    assert sem.settings["scale_bar"] == "100 um" and sem.settings["analysis"] == "particles"
    assert eds.settings["kfactors"] == {"Mg": 1.05} and eds.kind == "eds_quantify"


def test_real_files_through_the_pipeline(shared_data, tmp_path):
    d = shared_data / "sem-eds"
    p = _manifest(tmp_path, [
        {"file": str(d / "zeiss_inlens_particles_512.tif"), "technique": "sem", "sample": "as-BM",
         "settings": {"particles": {"threshold": "multiotsu"}}},
        {"file": str(d / "nist_K412_glass.msa"), "technique": "eds", "sample": "as-BM",
         "settings": {"elements": ["O", "Mg", "Al", "Si", "Ca", "Fe"]}}], allow_outside=True)
    run = run_study(p, tmp_path / "r.sqlite")
    assert run.n_failed == 0, run.failures
    with open_store(tmp_path / "r.sqlite") as s:
        sem = next(a["result"] for a in s.analyses(method="sem_image"))
        eds = next(a["result"] for a in s.analyses(method="eds_quantify"))
    # as tests/microscopy/test_particles.py::test_real_zeiss_particles (checked on the overlay)
    assert sem["pixel_size_um"] == pytest.approx(0.011649976) and 40 <= sem["n_particles"] <= 120
    assert 0.04 < sem["d10_um"] < sem["d90_um"] < 0.35
    # NIST K412 stated mass %: cation ratios to Si within the standardless ±35 %
    w = eds["weight_percent"]
    for el, true in (("Ca", 10.899), ("Fe", 7.774), ("Mg", 11.657)):
        assert (w[el] / w["Si"]) / (true / 21.198) == pytest.approx(1, abs=0.35)
    assert "standardless_kfactors" in {r["code"] for r in eds["reasons"]}
    json.dumps(eds)


def test_demo_rows_come_from_the_stored_results(virtual, tmp_path):
    """microscopy_rows reads the pipeline's results when given them (and equals recomputing)."""
    from sselab.simulate.microscopy import microscopy_rows

    truth, run, _, _ = virtual
    with open_store(run_db(virtual)) as s:
        stored_results = s.analyses()
    stored = microscopy_rows(run_db(virtual).parent, truth, analyses=stored_results)
    direct = microscopy_rows(run_db(virtual).parent, truth)
    assert [r["recovered"] for r in stored] == pytest.approx([r["recovered"] for r in direct], rel=1e-9)
    # stored results are used: a doctored stored d50 shows up in the rows
    doctored = [dict(a, result={**a["result"], "d50_um": 123.0}) if a["method"] == "sem_image" else a for a in stored_results]
    rows = {r["quantity"]: r["recovered"] for r in microscopy_rows(run_db(virtual).parent, truth, analyses=doctored)}
    assert rows["crystal size d50 (SEM) — as-BM"] == 123.0


def run_db(virtual):
    return virtual[3]


def test_demo_microscopy_part_reads_the_store(tmp_path):
    from sselab.demo import _microscopy_part

    truth = write_microscopy(tmp_path, seed=0)
    (tmp_path / "truth.json").write_text(json.dumps({"microscopy": truth}), encoding="utf-8")
    p = _manifest(tmp_path, manifest_entries(truth), {"eds": {"normalise": {"As": 1}}})
    db = tmp_path / "sselab-results" / "results.sqlite"
    run_study(p, db)
    from sselab.store import open_store

    with open_store(db) as store:  # as the demo reads them, once, with the study's other results
        analyses = store.analyses()
    rows = {r["quantity"]: r for r in _microscopy_part(tmp_path, analyses, {"microscopy": truth})}
    assert rows["crystal size d50 (SEM) — as-BM"]["recovered"] == pytest.approx(truth["sem_particles"]["d50_um"], rel=0.05)
    assert rows["EDS N per As — as-BM"]["recovered"] == pytest.approx(1.3, rel=0.05)


def test_membrane_eds_map_pipeline_equals_cli_and_recovers_truth(tmp_path):
    """Fig. 6e: the membrane's EDS map (AP particles 1.5× denser in the bottom half, assumed)
    through the pipeline (technique eds, analysis maps) = ``sselab eds maps --bands 2 --json``;
    the demo rows recover the per-half at.%, bottom/top ratios and map variation of the truth."""
    import typer
    from typer.testing import CliRunner

    from sselab.cli.eds import register
    from sselab.simulate.microscopy_eds import membrane_map_entry, membrane_map_rows, write_membrane_map

    t = write_membrane_map(tmp_path, seed=0)
    p = _manifest(tmp_path, [membrane_map_entry(t)])
    doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    doc["samples"] = [{"name": "SE-polymer"}]
    p.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    run = run_study(p, tmp_path / "results.sqlite")
    assert run.n_failed == 0, run.failures
    with open_store(tmp_path / "results.sqlite") as s:
        stored = [a for a in s.analyses() if a["method"] == "eds_quantify"]
    piped = stored[0]["result"]
    assert piped["analysis"] == "maps" and piped["shape_px"] == [64, 64]

    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # a group needs two commands to take the subcommand name
    res = CliRunner().invoke(app, ["eds", "maps", str(tmp_path / t["file"]), "--elements", ",".join(t["elements"]),
                                   "--bands", "2", "--json"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.output)
    assert cli["region_atomic_percent"] == piped["region_atomic_percent"]
    assert cli["region_atomic_percent_stderr"] == piped["region_atomic_percent_stderr"]
    assert cli["homogeneity"] == piped["homogeneity"]

    rows = {r["quantity"]: r for r in membrane_map_rows(tmp_path, {"eds_membrane_map": t}, analyses=stored)}
    assert rows == {r["quantity"]: r for r in membrane_map_rows(tmp_path, {"eds_membrane_map": t})}
    ratios = [r for q, r in rows.items() if "bottom/top" in q]
    assert len(ratios) == 4
    for r in ratios:
        assert r["recovered"] == pytest.approx(r["truth"], rel=0.03) and r["paper"] is None
        assert r["status"] in ("ok", "warning")
    mg = rows["EDS map Mg at.% bottom/top (Fig. 6e) — SE-polymer"]
    assert mg["recovered"] > 1.4 and mg["truth"] == pytest.approx(t["region_atomic_percent"]["2"]["Mg"]
                                                                   / t["region_atomic_percent"]["1"]["Mg"])
    halves = [r for q, r in rows.items() if "half" in q]
    assert len(halves) == 4
    for r in halves:
        assert r["recovered"] == pytest.approx(r["truth"], rel=0.03)
        assert abs(r["recovered"] - r["truth"]) < r["stderr"]
    for el in ("Mg", "F"):
        r = rows[f"EDS map {el} variation beyond counting, CV (Fig. 6e) — SE-polymer"]
        assert r["recovered"] == pytest.approx(r["truth"], rel=0.15)

    # the report's table row and element-map figure come from the same stored result
    from sselab.report import microscopy

    tab = microscopy.table(stored)
    text = tab.loc[tab["analysis"] == "EDS maps", "result"].item()
    assert "region 1:" in text and "region 2:" in text
    assert f"Mg {piped['region_atomic_percent']['2']['Mg']:.1f}" in text
    fig = microscopy.eds_maps_figure(stored[0])
    assert len([a for a in fig.axes if a.images]) == len(t["elements"])

    from sselab.web.routes_microscopy import result_summary

    line = result_summary(piped)
    assert line.startswith("1: ") and f"Mg {piped['region_atomic_percent']['1']['Mg']:.1f}" in line
