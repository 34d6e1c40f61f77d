"""The paper's Table 1 (positions, B, occupancy, R factors) from the pipeline's ``xrd_refine``
with ``refine_atoms``, and its report table."""

import numpy as np

from sselab.report import tables
from sselab.simulate.structure import write_xy
from sselab.study.analyses_structure import xrd_refine
from sselab.study.settings import XRDSettings
from sselab.study.tasks import Task
from sselab.xrd.library import mg3asn
from sselab.xrd.simulate import simulate_pattern

#: Table 1 of the reference paper: B [Å²] and FullProf occupancies (m/48); factor = occ·48/m
TABLE1 = {"Mg1": (-5.953, 0.063 * 48 / 3), "As1": (-7.981, 0.023 * 48), "N1": (-8.890, 0.021 * 48)}


def test_xrd_refine_task_gives_table1(tmp_path):
    truth = {"Mg3AsN.B_Mg1": -5.953, "Mg3AsN.B_As1": -7.981, "Mg3AsN.B_N1": -8.890,
             "Mg3AsN.occ_As1": TABLE1["As1"][1] / TABLE1["Mg1"][1], "Mg3AsN.occ_N1": TABLE1["N1"][1] / TABLE1["Mg1"][1]}
    pat = simulate_pattern([mg3asn(4.2239)], np.arange(15, 115, 0.02), values=truth, seed=11, peak_counts=1.2e4,
                           D_nm={"Mg3AsN": 31.4}, strain={"Mg3AsN": 1.64e-3})
    path = write_xy(tmp_path / "p.xy", pat, "Table 1 test")
    settings = XRDSettings(phases=("Mg3AsN",), refine_atoms=True, williamson_hall=False).model_dump()
    task = Task(id="s/xrd/p.xy", kind="xrd_refine", sample="s", technique="xrd", files=(path,),
                settings=settings, context={})
    res = xrd_refine(task)
    sites = {s["site"]: s for s in res["sites"]}
    assert set(sites) == {"Mg1", "As1", "N1"}
    assert (sites["N1"]["x"], sites["As1"]["x"]) == (0.0, 0.5)  # special positions: nothing refined
    for lab, (b, _) in TABLE1.items():
        s = sites[lab]
        assert abs(s["B_A2"] - b) < 3 * s["B_stderr_A2"], (lab, s["B_A2"], b)  # negative B recovered, not clipped
    for lab in ("As1", "N1"):  # occupancy relative to Mg (the largest site holds the scale)
        s = sites[lab]
        assert abs(s["occupancy_factor"] - truth[f"Mg3AsN.occ_{lab}"]) < 3 * s["occupancy_stderr"]
    assert sites["Mg1"]["occupancy_fullprof"] == 3 / 48
    assert any(r["code"] == "negative_B" for r in res["reasons"])  # reported, as FullProf would
    df = tables.atoms([{"method": "xrd_refine", "status": res["status"] if res["status"] == "ok" else "ok",
                        "result": res, "sample": "s"}])
    assert list(df["site"]) == [s["site"] for s in res["sites"]] and df["Rwp"].iloc[0] == res["Rwp"]
    assert tables.atoms([{"method": "xrd_refine", "status": "ok", "result": {"phases": []}, "sample": "s"}]).empty


def test_paper_vs_analysis_has_table1_rows():
    """as-BM's site rows: refined B beside the simulation's truth and the paper's Table 1."""
    from sselab.simulate.structure import TABLE1_SITES

    sites = [{"site": "Mg1", "element": "Mg", "multiplicity": 3, "x": 0.0, "y": 0.5, "z": 0.0, "x_stderr": None,
              "y_stderr": None, "z_stderr": None, "B_A2": -5.9, "B_stderr_A2": 0.02, "occupancy_factor": 1.0,
              "occupancy_stderr": None, "occupancy_fullprof": 0.0625}]
    row = {"method": "xrd_refine", "status": "ok", "sample": "as-BM",
           "result": {"main_phase": "Mg3AsN", "phases": [], "sites": sites, "Rp": 1, "Rwp": 2, "Rexp": 2, "chi2": 1}}
    truth = {"as-BM": {"xrd": {"site_values": dict(TABLE1_SITES)}}}
    df = tables.paper_vs_analysis([row], truth)
    b = df[df["quantity"] == "B Mg1 (Rietveld)"].iloc[0]
    assert (b["this_analysis"], b["truth"], b["paper"]) == (-5.9, -5.953, -5.953)
    occ = df[df["quantity"] == "occupancy Mg1 (m/48)"].iloc[0]
    assert occ["paper"] == 0.063 and occ["truth"] == 3 / 48
    shown = tables.humanise(tables.atoms([row]))
    assert shown["B / Å²"].iloc[0].startswith("-5.90") and shown["x"].iloc[0] == "0"
    assert shown["occupancy (m/M)"].iloc[0] == "0.0625"
