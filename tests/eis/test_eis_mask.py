"""Masking and cropping (sselab.eis.mask): the record, the fit it enables, the CLI, the manifest."""

import json

import numpy as np
import pytest

from sselab.eis import fit_circuit, simulate_spectrum
from sselab.eis.mask import parse_indices, select, select_from_settings
from sselab.exceptions import SselabError
from sselab.io import read
from sselab.io.writers import write_spectrum_csv
from sselab.measurements import Spectrum

TRUTH = {"R0": 500, "R1": 1e4, "CPE1.Q": 1e-9, "CPE1.n": 0.9}
F = np.logspace(6, -1, 50)


def _spoiled():
    """A clean R0-p(R1,CPE1) spectrum whose 5 highest frequencies are turned inductive
    (Im Z flipped to > 0, as cable inductance does) and whose point 30 is an outlier."""
    s = simulate_spectrum("R0-p(R1,CPE1)", TRUTH, F)
    z = s.impedance_ohm.copy()
    z[:5] = z[:5].real - 0.5j * z[:5].imag
    z[30] *= 1.3
    return Spectrum(frequency_Hz=F, impedance_ohm=z, source="spoiled")


def test_parse_indices_ranges_and_errors():
    assert parse_indices("3,4,10-12, 4") == (3, 4, 10, 11, 12)
    assert parse_indices([5, 1]) == (1, 5)
    with pytest.raises(SselabError):
        parse_indices("3;4")
    with pytest.raises(SselabError):
        parse_indices("5-2")


def test_masking_recovers_the_truth_that_the_spoiled_points_hide():
    s = _spoiled()
    assert int(np.sum(s.impedance_ohm.imag > 0)) == 5
    sel = s.select(drop_inductive=True, mask="30")
    assert sel.masked_indices == (0, 1, 2, 3, 4, 30)
    assert [sel.reasons[i] for i in (0, 30)] == ["inductive", "user"]
    clean = fit_circuit(sel.spectrum, "R0-p(R1,CPE1)")
    raw = fit_circuit(s, "R0-p(R1,CPE1)")
    for name, true in TRUTH.items():
        assert clean[name].value == pytest.approx(true, rel=1e-6), name  # noise-free: exact
    assert abs(raw["R1"].value / 1e4 - 1) > 1e-3 or abs(raw["CPE1.n"].value / 0.9 - 1) > 1e-3


def test_frequency_window_by_hand():
    s = simulate_spectrum("R0-p(R1,CPE1)", TRUTH, F)
    sel = select(s, f_min_Hz=1.0, f_max_Hz=1e5)
    keep = (F >= 1.0) & (F <= 1e5)
    assert sel.spectrum.n_points == int(keep.sum())
    np.testing.assert_array_equal(sel.spectrum.frequency_Hz, F[keep])
    d = sel.to_dict()
    assert d["n_points_total"] == 50 and d["n_masked"] == int((~keep).sum())
    assert {m["reason"] for m in d["masked"]} == {"below_fmin", "above_fmax"}
    assert sel.spectrum.metadata["mask"]["n_masked"] == d["n_masked"]
    assert sel.masked.n_points == d["n_masked"]


def test_nothing_masked_returns_the_spectrum_itself():
    s = simulate_spectrum("R0-p(R1,CPE1)", TRUTH, F)
    sel = select(s)
    assert sel.spectrum is s and sel.n_masked == 0 and sel.summary() == "all 50 points used"


def test_user_errors():
    s = simulate_spectrum("R0-p(R1,CPE1)", TRUTH, F)
    with pytest.raises(SselabError, match="beyond"):
        select(s, mask=[50])
    with pytest.raises(SselabError, match="below f_max"):
        select(s, f_min_Hz=10, f_max_Hz=1)
    with pytest.raises(SselabError, match="points left"):
        select(s, f_min_Hz=3e5)


def test_example_data_inductive_points(shared_data):
    s = read(shared_data / "eis" / "exampleData.csv", kind="spectrum")[0]
    sel = s.select(drop_inductive=True)
    # exampleData.csv (impedance.py's): 66 points, the 9 above 1.26 kHz are inductive
    assert sel.n_masked == 9 and s.n_points == 66
    assert min(s.frequency_Hz[list(sel.masked_indices)]) > 1.26e3
    assert np.all(sel.spectrum.impedance_ohm.imag <= 0)


def test_manifest_settings_use_the_same_function():
    from sselab.study.settings import EISSettings

    s = _spoiled()
    settings = EISSettings(drop_inductive=True, mask=(30,), f_min_Hz=0.5).model_dump()
    sel = select_from_settings(s, settings)
    assert sel.masked_indices == tuple(sorted({0, 1, 2, 3, 4, 30} | set(np.flatnonzero(F < 0.5).tolist())))


def test_masked_points_drawn_hollow():
    from sselab.eis.plots import plot_fit

    s = _spoiled()
    sel = s.select(drop_inductive=True, mask="30")
    fig = plot_fit(sel.spectrum, fit_circuit(sel.spectrum, "R0-p(R1,CPE1)"), masked=sel.masked)
    nyq = fig.axes[0]
    used, masked = nyq.lines[0], [ln for ln in nyq.lines if ln.get_label().startswith("masked")][0]
    assert len(masked.get_xdata()) == 6 and masked.get_markerfacecolor() == "none"
    assert used.get_markerfacecolor() != "none"


def test_cli_fit_kk_drt_record_the_mask(tmp_path, cli):
    path = tmp_path / "spoiled.csv"
    write_spectrum_csv(path, _spoiled())
    rc, out, err = cli("eis", "fit", path, "-c", "R0-p(R1,CPE1)", "--drop-inductive", "--mask", "30", "--json")
    assert rc == 0, err
    d = json.loads(out)
    assert d["n_points"] == 44 and [m["index"] for m in d["mask"]["masked"]] == [0, 1, 2, 3, 4, 30]
    assert d["parameters"]["R1"]["value"] == pytest.approx(1e4, rel=1e-5)
    assert any("6 of 50 points masked" in n for n in d["notes"])
    rc, out, _ = cli("eis", "kk", path, "--fmin", "1", "--json")
    # the inductive points and the outlier are still in: the KK test fails them (exit 3)
    assert rc == 3 and json.loads(out)["n_points"] == int(np.sum(F >= 1)) and json.loads(out)["status"] == "failed"
    rc, out, _ = cli("eis", "drt", path, "--fmax", "1e5", "--mask", "30", "--json")  # the outlier too
    assert rc == 0 and json.loads(out)["mask"]["n_masked"] == int(np.sum(F > 1e5)) + 1
    rc, _, err = cli("eis", "fit", path, "-c", "R0-p(R1,CPE1)", "--mask", "99")
    assert rc == 2 and "beyond" in err and "Traceback" not in err


def test_cli_multi_spectrum_file(shared_data, cli):
    path = shared_data / "biologic" / "geis.mpr"
    rc, out, err = cli("eis", "kk", path, "--json")  # these GEIS spectra drift: KK fails them (exit 3)
    assert rc == 3 and "holds 61 spectra" in err
    d = json.loads(out)
    assert d["spectrum_index"] == 0 and d["spectra_in_file"] == 61
    rc, out, err = cli("eis", "kk", path, "--index", "60", "--json")
    assert rc == 3 and json.loads(out)["spectrum_index"] == 60 and "holds" not in err
    rc, _, err = cli("eis", "kk", path, "--index", "61")
    assert rc == 2 and "no index 61" in err
    rc, _, err = cli("eis", "kk", path, "--index", "1", "--all")
    assert rc == 2 and "exclude" in err
