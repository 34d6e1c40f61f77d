"""Real instrument files (../shared/data/realfiles, see SOURCES.md there): each read against
numbers checked by hand in the file itself (point count, first/last frequency, one value),
and the conservative sniffing that keeps a file from being read as something it is not."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read
from sselab.measurements import GalvanostaticRecord, PotentialRecord, Spectrum


@pytest.fixture
def real(shared_data):
    d = shared_data / "realfiles"
    if not d.is_dir():
        pytest.skip("realfiles corpus absent")
    return d


# file, spectra, points in the first, first f, last f, first Z (from the file's own rows)
SPECTRA = [
    ("impedancepy__exampleDataAutolab.txt", 1, 41, 10000, 0.1, 0.013785863964281 + 0.007191946305823j),
    ("impedancepy__exampleDataBioLogic_MissingFreq.mpt", 1, 43, 1000.3201, 0.016895540, 65.470886 - 0.38998979j),
    ("gamryparser__eispot_data.dta", 1, 10, 10000, 0.5, 224.6075 - 3.767681j),
    ("pyimpspec__data-header-variant-3.csv", 1, 29, 10000, 1.0, 109.00918219439028 - 26.55567987651522j),
    ("pyimpspec__case-multiple-spectra.csv", 4, 29, 10000, 1.0, 109.00918219439028 - 26.55567987651522j),
    ("pyimpspec__data-comma-decimal-separator.csv", 1, 29, 10000, 1.0, 109.00918219439028 - 26.55567987651522j),
    ("hybriddrt__Sample2_PEIS_AtRest.csv", 10, 89, 7000018.5, None, None),
    ("impedancepy__exampleDataParstat.txt", 1, 31, 10000, 10, None),
    ("impedancepy__exampleDataZPlot.z", 1, 21, 3e5, 3000, None),
]


@pytest.mark.parametrize("name, n_spectra, n, f0, f1, z0", SPECTRA)
def test_impedance_dialects_read_with_no_kind(real, name, n_spectra, n, f0, f1, z0):
    spectra = read(real / name)
    assert len(spectra) == n_spectra
    s = spectra[0]
    assert isinstance(s, Spectrum) and s.n_points == n
    assert s.frequency_Hz[0] == pytest.approx(f0, rel=1e-7)
    if f1 is not None:
        assert s.frequency_Hz[-1] == pytest.approx(f1, rel=1e-7)
    if z0 is not None:
        assert s.impedance_ohm[0] == pytest.approx(z0, rel=1e-7)


def test_zero_frequency_separators_dropped_and_sweeps_split(real):
    spectra = read(real / "hybriddrt__Sample2_PEIS_AtRest.csv")
    # 900 rows: 10 loops of 89 points + 10 rows of f = 0
    assert [s.n_points for s in spectra] == [89] * 10
    assert any("10 of 900 rows with frequency 0" in n for n in spectra[0].notes)
    # |Z| and phase of the first row: 50.752583 Ω at -20.75998°
    z = 50.752583 * np.exp(1j * np.deg2rad(-20.75998))
    assert spectra[0].impedance_ohm[0] == pytest.approx(z, rel=1e-7)


def test_parstat_dc_rows_are_not_a_transient(real):
    [s] = read(real / "impedancepy__exampleDataParstat.txt")
    assert isinstance(s, Spectrum)
    assert any("781 of 812 rows with frequency 0" in n for n in s.notes)


def test_declared_count_short_is_a_warning(real):
    [s] = read(real / "impedancepy__exampleDataZPlot.z")  # header: "Data Points: 56", 21 rows
    assert s.verdict.status == "warning" and s.verdict.codes == ("declared_count_mismatch",)
    [ok] = read(real / "impedancepy__Circuit2_EIS_1.z")  # 56 declared, 56 rows
    assert ok.n_points == 56 and ok.verdict.status == "ok"


def test_gamry_blank_led_rows_are_read_and_noted(real):
    [s] = read(real / "gamryparser__eispot_data.dta")
    assert s.frequency_Hz.tolist()[-4:] == [10, 5, 1, 0.5]
    assert any("4 rows led by blanks" in n for n in s.notes)


def test_ocv_is_a_potential_record(real):
    [ocv] = read(real / "yadg__ocv.mpr")
    assert isinstance(ocv, PotentialRecord) and ocv.time_s.size == 602


@pytest.mark.parametrize("name, n", [("yadg__cp.mpr", 121), ("yadg__bcd.issue_241.mpr", 2550),
                                     ("navani__00_test_04_MB_C01.mpr", 1501)])
def test_non_ca_mpr_are_not_current_transients(real, name, n):
    [m] = read(real / name)
    assert isinstance(m, GalvanostaticRecord) and m.time_s.size == n


@pytest.mark.parametrize("mpr, mpt", [("yadg__ca.mpr", "yadg__ca.mpt"), ("yadg__cv.mpr", "yadg__cv.mpt"),
                                      ("yadg__gcpl.issue_149.mpr", "yadg__gcpl.issue_149.mpt")])
def test_mpr_and_mpt_of_one_run_agree(real, mpr, mpt):
    a, b = read(real / mpr), read(real / mpt)
    assert len(a) == len(b) and type(a[0]) is type(b[0])
    np.testing.assert_allclose(a[0].time_s, b[0].time_s, atol=1e-3)


def test_impedance_table_never_read_as_xps(real):
    for name in ("pyimpspec__data-header-variant-3.csv", "pyimpspec__case-multiple-spectra.csv"):
        assert all(isinstance(m, Spectrum) for m in read(real / name))


def test_biologic_damaged_eis_rows_dropped_with_warning(real, tmp_path):
    lines = (real / "pyimpspec__data.mpt").read_bytes().split(b"\n")
    n_header = 68
    row = lines[n_header + 4].split(b"\t")
    row[0] = b"NaN"
    lines[n_header + 4] = b"\t".join(row)
    row = lines[n_header + 6].split(b"\t")
    row[0] = b"0"
    lines[n_header + 6] = b"\t".join(row)
    bad = tmp_path / "bad.mpt"
    bad.write_bytes(b"\n".join(lines))
    [s] = read(bad)
    assert s.n_points == 27
    assert s.verdict.status == "warning" and "rows_dropped" in s.verdict.codes
    assert "2 of 29 rows dropped: 1 NaN, 1 zero frequency" in s.verdict.reasons[0].message


def test_unknown_technique_mpt_refused(tmp_path, real):
    text = (real / "yadg__ca.mpt").read_bytes().replace(b"Chronoamperometry / Chronocoulometry", b"Something New")
    p = tmp_path / "x.mpt"
    p.write_bytes(text)
    with pytest.raises(ReaderError, match="names no technique"):
        read(p)
    assert len(read(p, kind="transient")[0].time_s) == 721


@pytest.mark.parametrize("name", ["pyimpspec__data.xlsx", "pyimpspec__data.ods"])
def test_spreadsheets(real, name):
    # four sheets, one per header variant (f/Z'/Z'', freq/Zre/-Zim, frequency/real/imaginary,
    # frequency/|Z|/-phase), all holding the same 29 points
    spectra = read(real / name)
    assert [s.metadata["sheet"] for s in spectra] == [f"header-variant-{k}" for k in (1, 2, 3, 4)]
    for s in spectra:
        assert s.instrument == "spreadsheet" and s.n_points == 29
        assert s.frequency_Hz[0] == 10000 and s.frequency_Hz[-1] == pytest.approx(1.0)
        assert s.impedance_ohm[0] == pytest.approx(109.00918219439028 - 26.55567987651522j, rel=1e-6)


def test_spreadsheet_zip_bomb_refused(tmp_path):
    import zipfile

    p = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    with pytest.raises(ReaderError, match="inflate"):
        read(p)


def test_neware_ndax(real):
    [rec] = read(real / "navani__test.ndax")
    assert isinstance(rec, GalvanostaticRecord) and rec.time_s.size == 1464
    assert rec.voltage_V[0] == pytest.approx(3.4666) and rec.time_s[1] == pytest.approx(30.0)
    assert rec.metadata["step_type"][0] == "Rest"


def test_maccor_text_cut_last_line_dropped_with_warning(real):
    [rec] = read(real / "cellpy__maccor_two.txt")
    assert isinstance(rec, GalvanostaticRecord) and rec.time_s.size == 213  # 214th line cut short
    assert rec.time_s[0] == 0.0 and rec.voltage_V[0] == pytest.approx(0.1377)  # line 16: Rec 1
    assert rec.time_s[-1] == 212.0 and rec.voltage_V[-1] == pytest.approx(0.1490)  # Rec 213
    assert rec.verdict.codes == ("rows_dropped",) and rec.metadata["step_type"][0] == "R"


def test_pec_csv_with_hms_times_and_text_columns(real):
    [rec] = read(real / "cellpy__pec_Test25195.csv")
    # the last two rows: 00:02:40.000 and 00:02:42.363, 3.5689624 V and 3.568858 V
    assert rec.time_s.size == 19 and rec.time_s[-2] == 160.0 and rec.time_s[-1] == pytest.approx(162.363)
    assert rec.voltage_V[-2] == pytest.approx(3.5689624) and rec.voltage_V[-1] == pytest.approx(3.568858)
    assert rec.metadata["step_type"][0] == "Idle"


def test_ivium_idf(real):
    [s] = read(real / "pyimpspec__data.idf")
    # primary_data block: 3 columns, 29 rows; first row 1.09009E+02 -2.65557E+01 1.00000E+04
    assert s.instrument == "ivium" and s.n_points == 29
    assert s.frequency_Hz[0] == 1e4 and s.impedance_ohm[0] == pytest.approx(109.009 - 26.5557j, rel=1e-9)


def test_ivium_cut_file_is_an_error(real, tmp_path):
    lines = (real / "pyimpspec__data.idf").read_bytes().split(b"\n")
    p = tmp_path / "cut.idf"
    p.write_bytes(b"\n".join(lines[:180]))
    with pytest.raises(ReaderError, match="declares 29 rows"):
        read(p)
