"""``sselab info``: what sselab sees in real files, as text and JSON."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def real(shared_data):
    d = shared_data / "realfiles"
    if not d.is_dir():
        pytest.skip("realfiles corpus absent")
    return d


def test_info_json_spectrum_with_declared_count_warning(cli, real):
    rc, out, _ = cli("info", real / "impedancepy__exampleDataZPlot.z", "--json")
    assert rc == 0
    d = json.loads(out)
    assert d["reader"] == "zview" and d["kind"] == "spectrum" and d["count"] == 1
    m = d["measurements"][0]
    assert m["points"] == 21
    assert m["axes"]["frequency"]["first"] == 3e5 and m["axes"]["frequency"]["last"] == 3000
    assert m["axes"]["frequency"]["unit"] == "Hz"
    assert d["status"] == "warning" and d["reasons"][0]["code"] == "declared_count_mismatch"
    assert any("taken as Z''" in s for s in m["columns_and_conventions"])


def test_info_text_several_files_and_regions(cli, real):
    rc, out, _ = cli("info", real / "yadg__geis.mpr", real / "lg4x__Mutlipak_vms.npl")
    assert rc == 0
    assert "61 spectrum measurement(s), reader biologic-mpr" in out
    assert "5 regions" in out and "status: ok" in out


def test_info_unreadable_file_is_one_line_exit_2(cli, tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\nhello,world\n")
    rc, out, err = cli("info", p)
    assert rc == 2 and err.count("\n") == 1 and "x.csv" in err
