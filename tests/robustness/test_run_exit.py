"""`sselab run` ends with exit code 3 and the summary when any analysis failed."""

from __future__ import annotations

import json

import yaml

from sselab.simulate.virtual_study import write_virtual_study


def test_run_with_a_failed_analysis_exits_3_with_the_summary(cli, tmp_path):
    path = write_virtual_study(tmp_path / "v", seed=6)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    keep = [m for m in doc["measurements"] if m["file"].split("/")[-1] in ("eBE_ref_40C.mpt", "eBE_ref_100C.mpt")]
    assert len(keep) == 2
    doc["measurements"] = keep
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    broken = path.parent / keep[1]["file"]
    broken.write_text("this is not a spectrum\n")
    rc, out, err = cli("run", path, "--no-report", "--json")
    assert rc == 3, err
    summary = json.loads(out)
    assert summary["n_failed"] >= 1 and any("eBE_ref_100C" in f for f in summary["failures"])
    assert "analyses failed (exit code 3)" in err
    rc, out, err = cli("run", path, "--no-report")
    assert rc == 3 and "failed:" in out and "eBE_ref_100C" in out
