"""`sselab eis fit` and `sselab eis kk`: JSON contract, plots, errors as one line."""

import json

from sselab.eis import paper_frequencies, simulate_spectrum
from sselab.io.writers import write_spectrum_csv

TRUTH = {"R0": 20, "R1": 1e4, "CPE1.Q": 1e-9, "CPE1.n": 0.9}


def _file(tmp_path, name="s.csv", seed=1):
    s = simulate_spectrum("R0-p(R1,CPE1)", TRUTH, paper_frequencies(60), noise=0.002, seed=seed)
    path = tmp_path / name
    write_spectrum_csv(path, s)
    return path


def test_fit_json_contract(tmp_path, cli):
    path = _file(tmp_path)
    rc, out, err = cli("eis", "fit", path, "--circuit", "R0-p(R1,CPE1)", "--json", "--plot", tmp_path / "f.png")
    assert rc == 0, err
    d = json.loads(out)
    assert d["circuit"] == "R0-p(R1,CPE1)" and d["weighting"] == "modulus" and d["n_points"] == 60
    assert abs(d["parameters"]["R1"]["value"] / 1e4 - 1) < 0.02
    assert d["parameters"]["R1"]["unit"] == "Ohm" and d["parameters"]["R1"]["stderr"] > 0
    assert (tmp_path / "f.png").stat().st_size > 10_000


def test_fit_many_files_gives_a_list_in_order_with_errors(tmp_path, cli):
    a, b = _file(tmp_path, "a.csv", 1), _file(tmp_path, "b.csv", 2)
    bad = tmp_path / "bad.csv"
    bad.write_text("freq,re,im\n1,2\n")
    rc, out, _ = cli("eis", "fit", a, bad, b, "--circuit", "R0-p(R1,CPE1)", "--json")
    d = json.loads(out)
    assert [x["file"] for x in d] == [str(a), str(bad), str(b)]
    assert "error" in d[1] and "bad.csv" in d[1]["error"]
    assert "parameters" in d[0] and "parameters" in d[2]
    assert rc != 0


def test_kk_json(tmp_path, cli):
    rc, out, _ = cli("eis", "kk", _file(tmp_path), "--json")
    d = json.loads(out)
    assert rc == 0 and d["passed"] is True and d["max_residual_percent"] < 1


def test_bad_circuit_is_one_line(tmp_path, cli):
    rc, out, err = cli("eis", "fit", _file(tmp_path), "--circuit", "R0-p(R1,CPE1")
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "column" in err


def test_missing_file_is_one_line(tmp_path, cli):
    rc, _, err = cli("eis", "fit", tmp_path / "nope.csv", "--circuit", "R0")
    assert rc == 2 and "nope.csv" in err and "Traceback" not in err


def test_help_lists_elements(cli):
    rc, out, _ = cli("eis", "fit", "--help")
    assert rc == 0 and "CPE" in out and "Wo" in out
