"""``spectrum_index: all`` in the manifest: every spectrum of a multi-spectrum file is fitted
(one eis_fit task each) and the sample's series uses them all — the same numbers as
``sselab eis fit FILE --all --json`` and ``sselab eis series FILES --all`` (one code path),
on the real 61-spectrum BioLogic GEIS file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.store import open_store

CIRCUIT = "R0-p(R1,CPE1)"
TEMPS_C = (25, 40, 60)


def _manifest(tmp_path, files, extra: str = "") -> object:
    lines = ["study: geis-all", "allow_outside: true", "samples:", "  - name: s1", "    thickness: 1 mm", "    diameter: 10 mm",
             "measurements:"]
    for f, t in files:
        lines += [f"  - file: {f}", "    technique: eis", "    cell: Au|SE|Au", "    sample: s1",
                  f"    temperature: {t} °C"]
    lines += ["analysis:", "  eis:", f"    circuit: \"{CIRCUIT}\"", "    bulk_element: R1",
              "    spectrum_index: all", "    kramers_kronig: false", extra]
    path = tmp_path / "study.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _stored(path, study="geis-all"):
    with open_store(path.parent / "sselab-results" / "results.sqlite") as store:
        return store.analyses(study=study)


@pytest.fixture(scope="module")
def geis(shared_data):
    return shared_data / "biologic" / "geis.mpr"


def test_every_spectrum_of_a_file_is_fitted_as_by_eis_fit_all(tmp_path, cli, geis):
    manifest = _manifest(tmp_path, [(geis, 25)], "    f_min_Hz: 1")
    rc, out, err = cli("run", manifest, "--no-report", "--json")
    assert rc in (0, 3), err
    fits = {a["task_id"]: a["result"] for a in _stored(manifest) if a["method"] == "eis_fit"}
    assert len(fits) == 61  # geis.mpr holds 61 spectra: one task each
    rc, out, err = cli("eis", "fit", geis, "--all", "--json", "-c", CIRCUIT, "--fmin", "1")
    assert rc in (0, 3), err
    want = json.loads(out)
    assert [w["spectrum_index"] for w in want] == list(range(61))
    for w in want:
        got = fits[next(t for t in fits if t.endswith(f"geis.mpr[{w['spectrum_index']}]"))]
        applied = got["settings_applied"]
        assert applied["spectrum_index"] == w["spectrum_index"] and applied["all_spectra"] is True
        assert applied["spectra_in_file"] == 61
        assert got["fit"]["n_points"] == w["n_points"] < 41  # the crop applied to each
        assert got["fit"]["chi2"] == pytest.approx(w["chi2"], rel=1e-9)
        for name, p in w["parameters"].items():
            assert np.isclose(got["fit"]["parameters"][name]["value"], p["value"], rtol=1e-9)
        assert got["fit"]["status"] == w["status"]
        # no "only spectrum 0 of 61 was analysed" note: all were
        assert "single_spectrum_of_many" not in {r["code"] for r in got["fit"]["reasons"]}


def test_a_series_over_every_spectrum_equals_eis_series_all(tmp_path, cli, geis):
    copies = []
    for t in TEMPS_C:  # the same file as three temperatures: 3 x 61 spectra in one series
        p = tmp_path / f"geis_{t}C.mpr"
        p.write_bytes(geis.read_bytes())
        copies.append((p, t))
    manifest = _manifest(tmp_path, copies, "    f_min_Hz: 10")
    rc, out, err = cli("run", manifest, "--no-report", "--json")
    assert rc in (0, 3), err
    series = [a["result"] for a in _stored(manifest) if a["method"] == "eis_series"]
    assert len(series) == 1
    got = series[0]
    temps = [str(t) for t in TEMPS_C for _ in range(61)]
    args = ["eis", "series", *[p for p, _ in copies], "--all", "--circuit", CIRCUIT, "--bulk", "R1",
            "--thickness", "1 mm", "--diameter", "10 mm", "--fmin", "10", "--json"]
    for t in temps:
        args += ["--temperature", t]
    rc, out, err = cli(*args)
    assert rc in (0, 3), err
    want = json.loads(out)
    assert len(got["table"]) == len(want["table"]) == 183
    for g, w in zip(got["table"], want["table"]):
        assert g["temperature_K"] == pytest.approx(w["temperature_K"])
        assert g["R_b_ohm"] == pytest.approx(w["R_b_ohm"], rel=1e-9)
        assert g["status"] == w["status"]
    assert got["arrhenius"]["Ea_eV"] == pytest.approx(want["arrhenius"]["Ea_eV"], rel=1e-9, abs=1e-12)


def test_global_fit_task_uses_the_spectra_the_fits_used(geis):
    """An eis_global task over per-spectrum tasks fits those spectra, not each file's first."""
    from sselab.eis.global_fit import fit_global
    from sselab.io import read
    from sselab.study.analyses import eis_global
    from sselab.study.tasks import make_task

    settings = {"circuit": CIRCUIT, "weighting": "modulus", "global_shared": ["CPE1.n"], "global_arrhenius": [],
                "bulk_element": "R1", "f_min_Hz": 10}
    temps = [298.15, 313.15, 333.15]
    task = make_task(id="s/eis/global", kind="eis_global", sample="s", technique="eis", files=[geis] * 3,
                     settings=settings, context={"temperatures_K": temps, "spectrum_indices": [0, 30, 60]})
    got = eis_global(task)
    from sselab.eis.mask import select_from_settings

    spectra = [select_from_settings(read(geis, "spectrum")[k], settings).spectrum for k in (0, 30, 60)]
    want = fit_global(spectra, CIRCUIT, shared=["CPE1.n"], arrhenius=[], temperatures_K=temps).to_dict()
    assert got["chi2"] == pytest.approx(want["chi2"], rel=1e-9)
