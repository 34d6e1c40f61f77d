"""The pipeline on the virtual study: recovers the truth, is incremental and crash-safe."""

import json
import subprocess
import sys
import time

import pytest

from sselab.simulate.virtual_study import write_virtual_study
from sselab.store import open_store
from sselab.study.pipeline import run_study


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    manifest = write_virtual_study(tmp_path_factory.mktemp("pipe"), seed=1)
    db = manifest.parent / "results.sqlite"
    first = run_study(manifest, db)
    truth = json.loads((manifest.parent / "truth.json").read_text())
    return manifest, db, first, truth


def _by(db, method):
    with open_store(db) as s:
        return {a["sample"]: a["result"] for a in s.analyses(method=method)}


def test_runs_everything_without_failures(done):
    _, _, first, _ = done
    assert first.n_failed == 0, first.failures
    assert first.n_run == first.n_tasks and first.n_skipped == 0


@pytest.mark.parametrize("sample", ["as-BM", "600C-12h"])
def test_recovers_sigma_ion_and_Ea(done, sample):
    _, db, _, truth = done
    dec = _by(db, "deconvolution")[sample]
    for row in dec["table"]:
        true = truth[sample]["sigma_ion_S_per_cm"][f"{row['temperature_C']:.0f}"]
        assert row["sigma_ion_S_per_cm"] == pytest.approx(true, rel=0.03)
    assert dec["Ea_eV"] == pytest.approx(truth[sample]["Ea_ion_eV"], abs=0.02)


@pytest.mark.parametrize("sample", ["as-BM", "600C-12h"])
def test_recovers_dc_values_and_flags_inconsistency(done, sample):
    _, db, _, truth = done
    el = _by(db, "dc_electronic")[sample]
    assert el["sigma_el_S_per_cm"] == pytest.approx(truth[sample]["sigma_el_100C_S_per_cm"], rel=0.03)
    con = _by(db, "consistency")[sample]
    assert con["t_ion_dc"] == pytest.approx(truth[sample]["t_ion_dc"], abs=0.01)
    assert con["t_ion_from_conductivities"] == pytest.approx(truth[sample]["t_ion_from_conductivities_100C"], abs=1e-3)
    assert con["consistent"] is False  # the paper's own inconsistency is shown, not hidden


def test_sigma_el_from_the_holds_results_equals_refitting_the_files(done):
    """The pipeline's σ_el reuses each hold's steady state (no second decay fit per file); it
    must equal σ_el computed from the files themselves."""
    from sselab.dc.electronic import electronic_conductivity
    from sselab.dc.steady_state import SteadyStateCriterion
    from sselab.io import read
    from sselab.transport.geometry import SampleGeometry

    _, db, _, _ = done
    with open_store(db) as s:
        [row] = [a for a in s.analyses(method="dc_electronic") if a["sample"] == "as-BM"]
    el = row["result"]
    files = [pt["source"] for pt in el["points"]]
    assert len(files) >= 2
    direct = electronic_conductivity([read(f, "transient")[0] for f in files],
                                     SampleGeometry(el["thickness_cm"] / 100, el["area_cm2"] / 1e4),
                                     SteadyStateCriterion(window_fraction=row["settings"]["steady_fraction"]),
                                     voltages_V=[pt["voltage_V"] for pt in el["points"]])
    assert el["sigma_el_S_per_cm"] == pytest.approx(direct.sigma_el_S_per_cm, rel=1e-9)
    assert el["R_el_stderr_ohm"] == pytest.approx(direct.R_el_stderr_ohm, rel=1e-6)
    assert el["warnings"] == list(direct.warnings)  # each hold's steady-state warnings carried over


def test_incremental_rerun_does_no_refit(done):
    manifest, db, first, _ = done
    again = run_study(manifest, db)
    assert again.n_run == 0 and again.n_skipped == first.n_tasks


def test_changed_file_reruns_only_dependants(tmp_path):
    root = tmp_path / "copy"
    write_virtual_study(root, seed=1, structure=False)
    copy_db = root / "r.sqlite"
    run_study(root / "study.yaml", copy_db)
    f = root / "dc" / "as-BM_Au-SE-Au_3.0V_100C.csv"
    f.write_text(f.read_text() + "\n")  # same data, new bytes
    again = run_study(root / "study.yaml", copy_db)
    assert set(again.executed) == {"as-BM/dc/dc/as-BM_Au-SE-Au_3.0V_100C.csv", "as-BM/dc/electronic"}


def test_killed_run_then_rerun_completes_without_duplicates(tmp_path):
    manifest = write_virtual_study(tmp_path / "crash", seed=2, structure=False)
    db = tmp_path / "crash.sqlite"
    code = f"from sselab.study.pipeline import run_study; run_study({str(manifest)!r}, {str(db)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    with open_store(db, migrate=False) as s:
                        if s.count("analyses") >= 4:
                            break
                except Exception:  # noqa: BLE001 - the schema may not exist yet
                    pass
            time.sleep(0.1)
        killed = proc.poll() is None
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    with open_store(db) as s:
        partial = s.count("analyses")
    final = run_study(manifest, db)
    assert final.n_failed == 0
    if killed:
        assert final.n_skipped >= partial > 0
    with open_store(db) as s:
        rows = s.analyses()
    keys = [(a["input_hash"], a["method"], a["settings_hash"], a["sselab_version"]) for a in rows]
    assert len(keys) == len(set(keys)) == final.n_tasks


def test_manifest_error_is_one_line(cli, tmp_path):
    bad = tmp_path / "study.yaml"
    bad.write_text("study: x\nsamples:\n  - name: a\n    thiknes: 1 mm\nmeasurements:\n  - file: nope.mpt\n    technique: eis\n    sample: a\n")
    rc, out, err = cli("run", bad)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "line 4" in lines[0] and "thiknes" in lines[0]


def _xrd(db):
    with open_store(db) as s:
        return {a["sample"]: a["result"] for a in s.analyses(method="xrd_refine")}


@pytest.mark.parametrize("sample", ["as-BM", "500C-12h", "600C-12h", "700C-12h", "800C-12h"])
def test_xrd_refinement_recovers_structure_truth(done, sample):
    _, db, _, truth = done
    res = _xrd(db)[sample]
    true = truth[sample]["xrd"]
    found = {p["name"]: p for p in res["phases"]}
    assert set(found) == set(true["phases"]) and res["main_phase"] == next(iter(true["phases"]))
    main = found[true["main_phase"]]
    t = true["phases"][true["main_phase"]]
    assert main["a"] == pytest.approx(t["a_A"], abs=1e-3)
    assert main["b"] == main["c"] == main["a"]  # cubic
    assert main["density"] == pytest.approx(t["density_g_cm3"], rel=1e-3)
    assert main["crystallite_size_nm"] == pytest.approx(t["D_nm"], rel=0.2)
    assert main["microstrain"] == pytest.approx(t["strain"], rel=0.25, abs=1e-4)
    for name, p in found.items():
        assert p["weight_fraction"] == pytest.approx(true["phases"][name]["weight_fraction"], abs=0.02)
    # McCusker agreement factors: chi2 = (Rwp/Rexp)^2; the pattern's noise (Table 2's chi2 where the
    # simulation gives the paper's statistics, Poisson alone otherwise) is what the refinement finds
    assert res["chi2"] == pytest.approx((res["Rwp"] / res["Rexp"]) ** 2, rel=1e-9)
    ag = true.get("agreement") or {"chi2": 1.0, "n_points": res["n_points"]}
    dof = ag["n_points"] - res["n_free_parameters"]
    assert abs(res["chi2"] - ag["chi2"]) < 4 * ag["chi2"] * (2 / dof) ** 0.5 and res["Rp"] < res["Rwp"]
    c = res["curves"]
    assert len(c["two_theta_deg"]) == len(c["observed"]) == len(c["calculated"]) > 1000
    assert min(c["two_theta_deg"]) >= 15.0  # the manifest's refinement range


def test_xrd_contaminants_of_the_milled_sample(done):
    _, db, _, truth = done
    res = _xrd(db)["as-BM"]
    found = {p["name"]: p for p in res["phases"]}
    unreliable = [r["message"].split(":")[0] for r in res["reasons"] if r["code"] == "phase_fraction_unreliable"]
    for name in ("ZrO2-t", "Mg3N2"):
        true = truth["as-BM"]["xrd"]["phases"][name]["weight_fraction"]
        wf, err = found[name]["weight_fraction"], found[name]["weight_fraction_stderr"]
        # at the paper's statistics a weak phase may broaden into background (sselab.xrd.broad_phase):
        # then it is flagged and its held fraction still lies within 2 standard errors of the truth
        assert abs(wf - true) < (2 * err if name in unreliable else 0.01), (name, wf, err, unreliable)
    assert set(unreliable) <= {"Mg3N2"}


def test_xps_depth_profile_recovers_composition_and_surface_ordering(done):
    _, db, _, truth = done
    with open_store(db) as s:
        (res,) = [a["result"] for a in s.analyses(method="xps_profile", sample="as-BM")]
    true = truth["as-BM"]["xps"]
    assert res["sputter_time_s"] == [60.0 * m for m in true["sputter_min"]]
    el = res["element_atomic_percent"]
    for level, values in true["element_atomic_percent"].items():
        assert el[level] == pytest.approx(values, abs=1.5)
    n_as = [n / a for n, a in zip(el["N 1s"], el["As 3d"])]
    assert n_as[0] < 0.6 and n_as[-1] > 0.9 and n_as == sorted(n_as)  # N-deficient surface, as in the paper
    comp = res["component_atomic_percent"]
    for oxidised in ("O 1s", "As 3d:As3+", "Mg 2p:MgO"):
        series = el[oxidised] if oxidised in el else comp[oxidised]
        assert series == sorted(series, reverse=True) and series[0] > 5 * series[-1]
    assert res["curves"]["region"] == "N 1s" and len(res["curves"]["binding_energy_eV"]) > 50
    # the paper: N 1s#1 (395.2 eV, under-coordinated N) rises with sputtering, #3 (398.2 eV) does not diminish
    under, oxy = comp["N 1s:N_under"], comp["N 1s:oxynitride"]
    assert under[-1] > 1.5 * under[0] and under == sorted(under)
    assert oxy[-1] > 0.8 * oxy[0]


def test_xps_600C_profile_mg_rich_surface_and_weak_n1s1(done):
    _, db, _, truth = done
    with open_store(db) as s:
        (res,) = [a["result"] for a in s.analyses(method="xps_profile", sample="600C-12h")]
    el = res["element_atomic_percent"]
    true = truth["600C-12h"]["xps"]["element_atomic_percent"]
    ratio, true_ratio = el["Mg 2p"][-1] / el["As 3d"][-1], true["Mg 2p"][-1] / true["As 3d"][-1]
    assert abs(true_ratio - 3.24) < 0.01 and abs(ratio - true_ratio) < 0.05 * true_ratio  # Fig. S6: 3.24:1
    assert el["Mg 2p"][0] / el["As 3d"][0] > ratio  # Mg-rich surface
    n1 = next(c for c in res["fits"]["N 1s"][-1]["components"] if c["name"] == "N_under")
    assert abs(n1["position_eV"] - 394.8) < 5 * n1["position_stderr_eV"]
    comp = res["component_atomic_percent"]["N 1s:N_under"]
    assert comp[-1] > comp[0]  # rises with sputtering (re-formed surface defects)


def _paper_rows(done):
    from sselab.demo_rows import paper_rows

    _, db, _, truth = done
    with open_store(db) as s:
        analyses = s.analyses()
    return paper_rows([], analyses, truth)


def _all_rows(done):
    """Every row `sselab demo --json` prints, built as run_demo builds them from the study's store."""
    from sselab.demo import _microscopy_part, comparison_rows
    from sselab.demo_rows import paper_rows

    manifest, db, _, truth = done
    with open_store(db) as s:
        analyses = s.analyses()
    rows = comparison_rows(analyses, truth) + _microscopy_part(manifest.parent, analyses, truth)
    return paper_rows(rows, analyses, truth)


def test_every_demo_row_recovers_its_truth_within_its_uncertainty(done):
    """Done-when of issue 23: each row with a truth lies within N_STDERR standard errors of it, or
    within its stated tolerance where the analysis gives no standard error; the rows without a
    truth are the paper-arithmetic ones (each flags an inconsistency)."""
    from sselab.demo_checks import N_STDERR, TOLERANCES, within_uncertainty

    rows = _all_rows(done)
    assert N_STDERR <= 3
    outside = [(r["quantity"], r["sample"], r["recovered"], r["stderr"], r["truth"]) for r in rows
               if within_uncertainty(r) is False]
    assert not outside, outside
    assert not [r for r in rows if r["status"] in ("not simulated", "failed")]
    no_truth = [r for r in rows if r["truth"] is None]
    assert no_truth and all(r["reasons"][0].startswith("paper_inconsistent") for r in no_truth)
    with_err = [r for r in rows if r["truth"] is not None and r["stderr"]]
    assert len(with_err) >= 80
    # every stated tolerance is used by a row, and none is wider than 10 % of the truth
    for prefix, (abs_tol, rel, why) in TOLERANCES.items():
        assert any(r["quantity"].startswith(prefix) and not r["stderr"] for r in rows), prefix
        assert rel <= 0.10 and why
    # the check can fail: a row one tolerance (or N_STDERR + 1 standard errors) off is outside
    for r in rows:
        if within_uncertainty(r) and r["recovered"] is not None:
            if r["stderr"]:
                moved = {**r, "recovered": r["truth"] + (N_STDERR + 1) * r["stderr"]}
            else:
                a, b, _ = next(t for p, t in TOLERANCES.items() if r["quantity"].startswith(p))
                moved = {**r, "recovered": r["truth"] + 2 * (a + b * abs(r["truth"])) + 1e-9 * (1 + abs(r["truth"]))}
            assert within_uncertainty(moved) is False, r


def test_demo_rows_hold_every_number_of_table_2(done):
    """Table 2: a, ρ, V, D, ε, Rp, Rwp, Rexp, χ² of the four samples, each a row with the paper's
    value beside it; the simulated statistics give the paper's R factors (as-BM's are its own)."""
    from sselab.simulate.paper import PAPER

    rows = {(r["quantity"], r["sample"]): r for r in _all_rows(done)}
    names = {"a_A": "a (Rietveld)", "density_g_cm3": "ρ (X-ray density)", "volume_A3": "V (Rietveld)",
             "D_nm": "D (Williamson–Hall)", "strain": "ε (Williamson–Hall)", "Rp": "Rp (Rietveld)",
             "Rwp": "Rwp (Rietveld)", "Rexp": "Rexp (Rietveld)", "chi2": "χ² (Rietveld)"}
    for sample, table in PAPER["xrd"].items():
        for key, value in table.items():
            r = rows[(names[key], sample)]
            assert r["paper"] == value and r["recovered"] is not None, r
            if key in ("Rp", "Rwp", "Rexp", "chi2") and sample != "as-BM":
                assert abs(r["truth"] - value) < 0.03 * value, r  # the paper's statistics, by construction


def test_paper_rows_cover_the_paper_and_recover_truth_within_uncertainty(done):
    from sselab.demo_rows import KEYS
    from sselab.simulate.paper import PAPER

    rows = _paper_rows(done)
    assert all(tuple(r) == KEYS for r in rows)
    papers = {r["paper"] for r in rows}
    for v in (PAPER["R_eBE_100C_ohm"], 0.094, 0.76, 0.134, 0.174, 1.5e-6, 2.4e-8, -1.6, 1.4, -2.0, 1.9, 395.2, 43.75):
        assert v in papers, v
    checked = 0
    for r in rows:
        if r["recovered"] is not None and r["stderr"] and r["truth"] is not None and r["status"] != "failed":
            assert abs(r["recovered"] - r["truth"]) < 5 * r["stderr"], r
            checked += 1
    assert checked >= 20
    assert not [r for r in rows if r["status"] in ("not simulated", "failed")]
    assert len(rows) >= 75 and len({r["paper"] for r in rows if r["paper"] is not None}) >= 40


def test_paper_rows_of_the_rest_of_the_paper_recover_their_truth(done):
    """Stack comparison, hot-pressed pellets, composite, ageing, Bruce–Vincent, CCD, 600 °C XPS:
    files of the virtual study analysed by the pipeline, each row within its uncertainty."""
    rows = {(r["quantity"], r["sample"]): r for r in _paper_rows(done)}
    within = [("t_el (stack comparison Au|SE|Au vs Mg|SE|Mg, 100 °C)", "as-BM"),
              ("σ_el from the ion-blocking spectrum (AC, 100 °C)", "as-BM"),
              ("σ_ion from the ion-blocking spectrum (AC, 100 °C)", "as-BM"),
              ("σ_el at 100 °C (DC, hot-pressed, Fig. S8)", "as-BM-HP"),
              ("σ_el at 100 °C (DC, hot-pressed, Fig. S8)", "600C-12h-HP"),
              ("σ_ion at 100 °C (eBE stack, hot-pressed, Fig. S9)", "as-BM-HP"),
              ("Ea (eBE stack, hot-pressed, Fig. S9)", "as-BM-HP"),
              ("σ at 25 °C (SS|SE-polymer|SS)", "SE-polymer"), ("Ea (SE-polymer composite, 25–80 °C)", "SE-polymer"),
              ("overpotential growth (Mg|SE-polymer|Mg, 200 cycles)", "SE-polymer"),
              ("interfacial resistance trend, 6-day ageing (Fig. S11)", "SE-polymer"),
              ("t+ (Bruce–Vincent, Mg|SE-polymer|Mg, 60 °C)", "SE-polymer"),
              ("XPS N 1s#1 binding energy (after 20 min Ar⁺)", "600C-12h")]
    for key in within:
        r = rows[key]
        assert r["recovered"] is not None and r["stderr"], r
        assert abs(r["recovered"] - r["truth"]) < 4 * r["stderr"], r
    assert rows[("σ_el at 100 °C (DC, hot-pressed, Fig. S8)", "as-BM-HP")]["truth"] == 1.5e-6
    # Fig. 4d: the electronic leak of the ion-blocking spectrum falls with the annealing temperature
    annealed = [rows[("σ_el from the ion-blocking spectrum (AC, 100 °C)", s)] for s in ("500C-12h", "600C-12h", "700C-12h")]
    for r in annealed:
        assert abs(r["recovered"] - r["truth"]) < 4 * r["stderr"], r
    assert [r["truth"] for r in annealed] == [3.5e-8, 2.4e-8, 1.5e-8]
    assert annealed[0]["recovered"] > annealed[1]["recovered"] > annealed[2]["recovered"]
    assert rows[("σ at 25 °C (SS|SE-polymer|SS)", "SE-polymer")]["paper"] == 0.134
    assert rows[("t_el (stack comparison Au|SE|Au vs Mg|SE|Mg, 100 °C)", "as-BM")]["recovered"] < 0.01  # ionic
    gcd = rows[("GCD cycles at 2 µA/cm², 60 °C without short (Mg|SE-polymer|Mg)", "SE-polymer")]
    assert gcd["recovered"] == 200 == gcd["paper"]
    for side, true in (("plating", -0.1), ("stripping", 0.1)):
        assert abs(rows[(f"η {side}, last cycle (Mg|SE-polymer|Mg, 2 µA/cm²)", "SE-polymer")]["recovered"] - true) < 0.01
    assert rows[("critical current density (Mg|SE-polymer|Mg, 60 °C)", "SE-polymer")]["recovered"] == 20.0  # µA/cm²
    ratio = rows[("XPS Mg:As after 20 min Ar⁺ sputtering", "600C-12h")]
    assert abs(ratio["recovered"] - ratio["truth"]) < 0.05 * ratio["truth"] and ratio["paper"] == 3.24


def test_stack_comparison_runs_the_eis_stacks_function_on_the_study_files(done):
    """One code path: the stored stacks result equals diagnose_stacks on the same two files."""
    from sselab.io import read
    from sselab.transport.stacks import diagnose_stacks

    manifest, db, _, _ = done
    with open_store(db) as s:
        (a,) = s.analyses(method="stacks", sample="as-BM")
    root = manifest.parent
    blocking = read(root / "stacks" / "as-BM_Au-SE-Au_100C.csv", "spectrum")[0]
    rev = read(root / "stacks" / "as-BM_Mg-SE-Mg_100C.csv", "spectrum")[0]
    d = diagnose_stacks(blocking, thickness_cm=0.065, area_cm2=1.3273228961416879, reversible=rev).to_dict()
    assert d["conductor"] == a["result"]["conductor"] == "ionic"
    assert abs(d["sigma_el_S_per_cm"] / a["result"]["sigma_el_S_per_cm"] - 1) < 1e-9


def test_paper_rows_cycling_and_cv_peaks_reach_the_table(done):
    rows = {(r["quantity"], r["sample"]): r for r in _paper_rows(done)}
    dep = rows[("CV deposition peak (Mg|SE-polymer|Mg, 60 °C)", "SE-polymer")]
    assert abs(dep["recovered"] - dep["truth"]) < 0.01
    assert abs(rows[("CV scan rate", "SE-polymer")]["recovered"] - 0.1) < 1e-9  # mV/s, from V/s
    last = rows[("η deposition, last cycle (Mg|eBE|SE|eBE|Mg, ±0.01 mA)", "as-BM")]
    assert abs(last["recovered"] - last["truth"]) < 0.05
    ebe = rows[("R_eBE (bulk) at 100 °C", "eBE")]
    assert abs(ebe["recovered"] - 14.6) < 0.1


def test_paper_inconsistencies_flagged_with_their_arithmetic():
    import math

    from sselab.demo_rows import inconsistency_rows

    rows = {(r["quantity"], r["sample"]): r for r in inconsistency_rows()}
    ea = rows[("Ea implied by the stack pair (paper arithmetic)", "as-BM")]
    by_hand = 8.617333e-5 * math.log(0.76 / 0.094) / (1 / 313.15 - 1 / 373.15)
    assert abs(ea["recovered"] - by_hand) < 1e-4 and abs(by_hand - 0.351) < 1e-3
    assert ea["paper"] == 0.30 and ea["status"] == "warning" and "0.351" in ea["reasons"][0]
    t = rows[("t_ion implied by σ_ion/(σ_ion+σ_el) (paper arithmetic)", "as-BM")]
    assert abs(t["recovered"] - 5.54e-4 / (5.54e-4 + 4.9e-8)) < 1e-12 and t["paper"] == 0.077
    # the stack conducting better than its SE: l/(A (R_SE + 2 R_eBE)) by hand, R_SE = l/(σ A)
    st = rows[("eBE|SE|eBE stack σ at 100 °C implied by σ_ion and R_eBE (paper arithmetic)", "as-BM")]
    r_se = 0.065 / (5.54e-4 * 1.327)
    assert abs(st["recovered"] - 1e3 * 0.065 / (1.327 * (r_se + 2 * 14.6))) < 1e-9 and st["paper"] == 0.76 > 0.554
    ab = rows[("σ_el of 600C-12h in the abstract/conclusions vs the text (paper arithmetic)", "600C-12h")]
    assert ab["recovered"] == 6.87e-8 and ab["paper"] == 5e-8 and "1.37" in ab["reasons"][0]
    hp = rows[("σ_el of 600C-12h cold- vs hot-pressed, called 'similar' (paper arithmetic)", "600C-12h")]
    assert abs(hp["recovered"] - 6.87e-8 / 2.4e-8) < 1e-12 and "2.9" in hp["reasons"][0]
    w = rows[("XPS As 3d : Mg 2p after 20 min as worded (paper arithmetic)", "as-BM")]
    assert abs(w["recovered"] - 1 / 2.93) < 1e-12
    assert all(r["status"] == "warning" and r["reasons"][0].startswith("paper_inconsistent") for r in rows.values())


def test_cv_peak_potentials_reach_the_result_and_scan_rate_unit_is_V_per_s(done):
    from sselab.store.records import _unit_from_name

    _, db, _, truth = done
    cv = _by(db, "cv")["SE-polymer"]
    assert abs(cv["deposition_peak_V"] - truth["SE-polymer"]["cv_deposition_peak_V"]) < 0.01
    assert abs(cv["dissolution_peak_V"] - truth["SE-polymer"]["cv_dissolution_peak_V"]) < 0.01
    assert _unit_from_name("scan_rate_V_per_s") == "V/s" and _unit_from_name("rate_mV_per_s") == "mV/s"


@pytest.mark.parametrize("sample", ["as-BM", "600C-12h"])
def test_pipeline_runs_the_ac_vs_dc_sigma_el_cross_check(done, sample):
    _, db, _, truth = done
    rep = _by(db, "consistency")[sample]
    check = next(c for c in rep["checks"] if c["name"] == "sigma_el")
    true = truth[sample]["sigma_el_100C_S_per_cm"]
    assert abs(check["sigma_el_dc_S_per_cm"] / true - 1) < 0.01
    assert abs(check["sigma_el_ac_S_per_cm"] / true - 1) < 0.2  # AC: the mixed-conductor fit
    assert check["consistent"], check["message"]


def test_demo_comparison_rows_carry_the_refinement_esds_and_their_verdict(done):
    """The terminal table showed "a 4.2306 ± ?" and status ok for Rietveld rows while the
    refinement has esds and a warning (negative B)."""
    from sselab.demo import _uncertainty_and_status
    from sselab.report.tables import paper_vs_analysis

    _, db, _, truth = done
    with open_store(db) as s:
        analyses = s.analyses()
    rows = {r["quantity"]: r for r in paper_vs_analysis(analyses, truth).to_dict("records") if r["sample"] == "as-BM"}
    xrd = _by(db, "xrd_refine")["as-BM"]
    for q in ("a (Rietveld)", "ρ (X-ray density)", "D (Rietveld)", "ε (Rietveld)", "B N1 (Rietveld)"):
        r = rows[q]
        meta = _uncertainty_and_status(analyses, q, "as-BM", r["stderr"])
        assert meta["stderr"] and meta["stderr"] > 0, q
        assert abs(r["this_analysis"] - r["truth"]) < 5 * meta["stderr"] + 1e-4 * abs(r["truth"]), (q, r, meta)
        assert meta["status"] == xrd["status"]
    # ρ ∝ a⁻³ for the cubic main phase: σρ/ρ = 3 σa/a
    a, rho = rows["a (Rietveld)"], rows["ρ (X-ray density)"]
    assert abs(rho["stderr"] / rho["this_analysis"] - 3 * a["stderr"] / a["this_analysis"]) < 1e-12


@pytest.mark.parametrize("sample", ["as-BM", "600C-12h"])
def test_t_ion_from_conductivities_has_its_propagated_stderr(done, sample):
    _, db, _, _ = done
    rep = _by(db, "consistency")[sample]
    dec, el = _by(db, "deconvolution")[sample], _by(db, "dc_electronic")[sample]
    si, se = dec["sigma_ion_S_per_cm"], el["sigma_el_S_per_cm"]
    by_hand = ((se * dec["sigma_ion_stderr_S_per_cm"]) ** 2 + (si * el["sigma_el_stderr_S_per_cm"]) ** 2) ** 0.5 / (si + se) ** 2
    assert rep["t_ion_from_conductivities_stderr"] == pytest.approx(by_hand, rel=1e-9)


def test_ac_sigma_el_row_takes_its_own_check_not_the_t_ion_inconsistency(done):
    from sselab.demo_rows import _ac_dc_rows

    _, db, _, truth = done
    with open_store(db) as s:
        analyses = s.analyses()
    for r in _ac_dc_rows(analyses, truth):
        assert r["status"] == "ok", r  # σ_el AC and DC agree; the report's t_ion check is another row's business
        assert not any("t_ion" in m for m in r["reasons"])
