"""Traps found by a new-user tour of the CLI on the real files (../shared/data, see SOURCES.md):
each once printed a number with exit 0; now a refusal (exit 2, one line) or a failed verdict."""

from __future__ import annotations

import json

from sselab.io import read

AGEING_CIRCUIT = "R0-p(R1,CPE1)-CPE2"


def test_ageing_from_3_of_61_spectra_fails(shared_data, cli):
    """geis.mpr with R0-p(R1,CPE1)-CPE2: 58 of 61 fits fail; the slope of the last 3 (0.03 h of a
    0.83 h series) was called 'stable' with status warning and exit 0."""
    from sselab.cycling.ageing import interface_ageing

    res = interface_ageing(read(shared_data / "biologic" / "geis.mpr", "spectrum"), AGEING_CIRCUIT)
    used = [f for f in res.fits if f["used"]]
    assert len(res.fits) == 61 and len(used) < 61 / 2
    assert res.verdict.status == "failed" and "most_inputs_dropped" in res.verdict.codes
    assert f"only {len(used)} of the 61 spectrum inputs" in res.verdict.summary()
    rc, out, err = cli("eis", "ageing", shared_data / "biologic" / "geis.mpr", "--circuit", AGEING_CIRCUIT, "--json")
    assert rc == 3 and json.loads(out)["status"] == "failed"


def test_from_inputs_keeps_a_majority_as_a_warning():
    from sselab.verdict import from_inputs

    ok = {"status": "ok", "reasons": []}
    bad = {"status": "failed", "reasons": [{"code": "diverged", "message": "x", "severity": "failed"}]}
    v = from_inputs({"a": ok, "b": ok, "c": bad}, dropped=["c"], what="spectrum", min_used_fraction=0.5)
    assert v.status == "warning" and "most_inputs_dropped" not in v.codes
    v = from_inputs({"a": ok, "b": bad, "c": bad}, dropped=["b", "c"], what="spectrum", min_used_fraction=0.5)
    assert v.status == "failed" and "most_inputs_dropped" in v.codes
