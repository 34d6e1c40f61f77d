"""One code path: each analysis of the demo study gives the same numbers through the command
line (``--json``) as through the pipeline (``sselab run``), with the same defaults."""

from __future__ import annotations

import json

import pytest

from sselab.simulate.paper import EBE_STACK_CIRCUIT
from sselab.simulate.virtual_study import REFERENCE_CIRCUIT, write_virtual_study
from sselab.store import open_store
from sselab.study.pipeline import run_study

TEMPS = ("40", "60", "80", "100")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    manifest = write_virtual_study(tmp_path_factory.mktemp("one_path") / "study", structure=False)
    run_study(manifest, jobs=1)
    with open_store(manifest.parent / "sselab-results" / "results.sqlite") as store:
        analyses = store.analyses(study="Mg3AsN-virtual")
    return manifest.parent, analyses


def _stored(analyses, method, sample=None, file=None):
    for a in analyses:
        if a["method"] != method or (sample and a.get("sample") != sample):
            continue
        if file and not str(a.get("task_id", "")).endswith(file):
            continue
        return a["result"]
    raise AssertionError(f"no stored {method} for {sample or file}")


def _json(cli, *args):
    rc, out, err = cli(*args)
    assert rc in (0, 3), err
    return json.loads(out)


def test_deconvolve_cli_equals_pipeline(study, cli):
    root, analyses = study
    stack = [root / "eis" / f"as-BM_eBE-stack_{t}C.mpt" for t in TEMPS]
    refs = [str(root / "eis" / f"eBE_ref_{t}C.mpt") for t in TEMPS]
    args = ["deconvolve", *stack]
    for r in refs:
        args += ["--reference", r]
    d = _json(cli, *args, "--thickness", "0.65 mm", "--diameter", "13 mm", "--circuit", EBE_STACK_CIRCUIT,
              "--bulk", "R_ap", "--reference-circuit", REFERENCE_CIRCUIT, "--reference-bulk", "R_eBE", "--json")
    p = _stored(analyses, "deconvolution", "as-BM")
    assert [r["sigma_ion_S_per_cm"] for r in d["table"]] == pytest.approx(
        [r["sigma_ion_S_per_cm"] for r in p["table"]], rel=1e-9)
    assert d["Ea_eV"] == pytest.approx(p["Ea_eV"], rel=1e-9)
    assert d["status"] == p["status"]


@pytest.mark.parametrize("volts", ["0.5", "1.0", "2.0", "3.0"])
def test_dc_tion_cli_equals_pipeline(study, cli, volts):
    root, analyses = study
    name = f"as-BM_Au-SE-Au_{volts}V_100C.csv"
    d = _json(cli, "dc", "tion", root / "dc" / name, "--json")
    p = _stored(analyses, "dc_transient", file=name)
    assert d["t_ion"] == pytest.approx(p["t_ion"], rel=1e-12)
    assert d["status"] == p["status"]


def test_eis_fit_cli_equals_pipeline(study, cli):
    root, analyses = study
    name = "as-BM_eBE-stack_100C.mpt"
    d = _json(cli, "eis", "fit", root / "eis" / name, "-c", EBE_STACK_CIRCUIT, "--json")
    p = _stored(analyses, "eis_fit", file=name)["fit"]
    for k, v in p["parameters"].items():
        assert d["parameters"][k]["value"] == pytest.approx(v["value"], rel=1e-9), k
    assert d["status"] == p["status"]


def test_dc_electronic_cli_equals_pipeline(study, cli):
    root, analyses = study
    files = [root / "dc" / f"as-BM_Au-SE-Au_{v}V_100C.csv" for v in ("0.5", "1.0", "2.0", "3.0")]
    d = _json(cli, "dc", "electronic", *files, "--thickness", "0.65 mm", "--diameter", "13 mm", "--json")
    p = _stored(analyses, "dc_electronic", "as-BM")
    assert d["sigma_el_S_per_cm"] == pytest.approx(p["sigma_el_S_per_cm"], rel=1e-9)


def test_cv_and_cycling_cli_equal_pipeline(study, cli):
    root, analyses = study
    cv_file = next((root / "cv").glob("*.csv"))
    d = _json(cli, "cv", cv_file, "--json")
    p = _stored(analyses, "cv")
    assert d["kind"] == p["kind"] and d["vertices_V"] == pytest.approx(p["vertices_V"])
    assert [s["deposition_peak"]["potential_V"] for s in d["scans"]] == pytest.approx(
        [s["deposition_peak"]["potential_V"] for s in p["scans"]])
    cy_files = sorted((root / "cycling").glob("*.csv"))
    assert cy_files
    for cy_file in cy_files:  # each file against its own stored result (the study holds several)
        d = _json(cli, "cycling", cy_file, "--json")
        p = _stored(analyses, "cycling", sample=cy_file.name.split("_")[0])
        assert d["n_cycles"] == p["n_cycles"], cy_file.name
        assert d["polarisation_growth_V_per_cycle"] == pytest.approx(p["polarisation_growth_V_per_cycle"], rel=1e-9)


def test_eis_stacks_cli_equals_pipeline(study, cli):
    root, analyses = study
    d = _json(cli, "eis", "stacks", root / "stacks" / "as-BM_Au-SE-Au_100C.csv", "--reversible",
              root / "stacks" / "as-BM_Mg-SE-Mg_100C.csv", "--thickness", "0.65 mm", "--diameter", "13 mm", "--json")
    p = _stored(analyses, "stacks", "as-BM")
    assert d["conductor"] == p["conductor"] == "ionic"
    for k in ("sigma_ion_S_per_cm", "sigma_el_S_per_cm", "t_el"):
        assert d[k] == pytest.approx(p[k], rel=1e-9), k


def test_eis_series_cli_equals_pipeline(study, cli):
    root, analyses = study
    files = [root / "composite" / f"SE-polymer_SS-SEpolymer-SS_{t}C.csv" for t in ("25", "40", "60", "80")]
    d = _json(cli, "eis", "series", *files, "--circuit", "R_b-CPE_dl", "--bulk", "R_b", "--thickness", "0.10 mm",
              "--diameter", "13 mm", "--json")
    p = _stored(analyses, "eis_series", "SE-polymer")
    assert d["Ea_eV"] == pytest.approx(p["Ea_eV"], rel=1e-9)
    assert [r["sigma_S_per_cm"] for r in d["table"]] == pytest.approx([r["sigma_S_per_cm"] for r in p["table"]], rel=1e-9)


def test_ccd_cli_equals_pipeline(study, cli):
    root, analyses = study
    d = _json(cli, "ccd", root / "composite" / "SE-polymer_Mg-SEpolymer-Mg_CCD_60C.csv", "--diameter", "13 mm", "--json")
    p = _stored(analyses, "ccd", "SE-polymer")
    assert d["ccd_mA_per_cm2"] == p["ccd_mA_per_cm2"] == pytest.approx(0.02)
    assert d["short_half_cycle"] == p["short_half_cycle"]


def test_bruce_vincent_cli_equals_pipeline(study, cli):
    root, analyses = study
    c = root / "composite"
    d = _json(cli, "dc", "bruce-vincent", c / "SE-polymer_BV_hold_10mV_60C.csv", "--before", c / "SE-polymer_BV_before_60C.csv",
              "--after", c / "SE-polymer_BV_after_60C.csv", "--json")
    p = _stored(analyses, "bruce_vincent", "SE-polymer")
    for k in ("I0_A", "Is_A"):
        assert d[k] == pytest.approx(p[k], rel=1e-9), k
    assert d["t_plus"] == pytest.approx(p["t_plus"], rel=1e-6)  # R0, Rss: the same circuit fit (CLI: by itself)
