"""Readers added for issue #15: Autolab ``.dfr`` (the peer pyimpspec reads it), checked
against the same spectrum in its BioLogic ``.mpt`` twin, and strict on cut or damaged files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read


def test_dfr_equals_the_same_spectrum_in_its_mpt_twin(shared_data):
    [s] = read(shared_data / "realfiles" / "pyimpspec__data.dfr")
    [ref] = read(shared_data / "realfiles" / "pyimpspec__data.mpt")  # pyimpspec's test data: one spectrum, 5 formats
    assert s.instrument == "autolab-dfr" and s.n_points == 29 and s.verdict.status == "ok"
    np.testing.assert_allclose(s.frequency_Hz, ref.frequency_Hz, rtol=1e-6)
    np.testing.assert_allclose(s.impedance_ohm, ref.impedance_ohm, rtol=1e-6)
    # read off the file by hand: point 1 and point 29
    assert s.frequency_Hz[0] == 10000.0 and s.impedance_ohm[0] == complex(109.00918219439028, -26.55567987651522)
    assert s.frequency_Hz[-1] == 1.0 and s.impedance_ohm[-1] == complex(645.4787001504939, -90.61812830738303)


def test_dfr_cut_anywhere_never_changes_a_value(shared_data, tmp_path):
    full = (shared_data / "realfiles" / "pyimpspec__data.dfr").read_bytes()
    [ref] = read(shared_data / "realfiles" / "pyimpspec__data.dfr")
    cut = tmp_path / "cut.dfr"
    short_warned = 0
    for n in range(20, len(full), 7):
        cut.write_bytes(full[:n])
        try:
            [s] = read(cut)
        except ReaderError:
            continue
        k = s.n_points
        np.testing.assert_array_equal(s.frequency_Hz, ref.frequency_Hz[:k])
        np.testing.assert_array_equal(s.impedance_ohm, ref.impedance_ohm[:k])
        if k < ref.n_points:
            assert s.verdict.status == "warning" and "declared_count_mismatch" in s.verdict.codes
            short_warned += 1
    assert short_warned > 100  # most cuts were read as a shorter spectrum, each with a warning


def test_dfr_with_a_word_inside_a_point_is_an_error_naming_the_line(shared_data, tmp_path):
    lines = (shared_data / "realfiles" / "pyimpspec__data.dfr").read_text().splitlines()
    lines[13] = "oops"  # line 14: the second point's frequency
    bad = tmp_path / "bad.dfr"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReaderError, match="line 14"):
        read(bad)


# -- VersaStudio .par (synthetic: the layout of pyimpspec's tests/data.par, values known) ----------
F = np.logspace(5, 0, 11)
Z = 20 + 500 / (1 + 1j * 2 * np.pi * F * 500 * 1e-7)
DEFINITION = ("Definition=Segment #, Point #, E(V), I(A), Elapsed Time(s), ADC Sync Input(V), Current Range, Status, "
              "E Applied(V), Frequency(Hz), E Real, E Imag, I Real, I Imag, Z Real, Z Imag, E2 Status, E2(V), "
              "E2 Real, E2 Imag, Z2 Real, Z2 Imag, ActionId, AC Amplitude, 0")


def _par(rows=None, close=True, definition=DEFINITION) -> str:
    if rows is None:
        rows = [f"0,{k},0.0001,7.2E-07,{1 + k * 0.02!r},0,5,144834565,0,{float(f)!r},1,2,3,4,{float(z.real)!r},{float(z.imag)!r},5,0,0,0,0,0,21,0.01"
                for k, (f, z) in enumerate(zip(F, Z))]
    head = ["<Application>", "Version=2.61.2.0", "Language [VersaStudio]=English", "</Application>", "",
            "<Action1>", "Name=Potentiostatic EIS", "</Action1>", "", "<Segment1>", "Type=30", "Version=3", definition]
    return "\n".join(head + rows + (["</Segment1>", "", "<Graph1>", "Show=True", "</Graph1>"] if close else [])) + "\n"


def test_par_spectrum_values(tmp_path):
    p = tmp_path / "eis.par"
    p.write_text(_par())
    [s] = read(p)
    assert s.instrument == "versastudio-par" and s.n_points == F.size and s.verdict.status == "ok"
    np.testing.assert_allclose(s.frequency_Hz, F, rtol=1e-15)
    np.testing.assert_allclose(s.impedance_ohm, Z, rtol=1e-15)


def test_par_cut_in_the_last_row_drops_it_with_a_warning(tmp_path):
    p = tmp_path / "cut.par"
    text = _par(close=False)
    p.write_text(text[: text.rindex(",") - 3])  # inside the last row's Z Imag ... gone: too few values
    [s] = read(p)
    assert s.n_points == F.size - 1 and s.verdict.codes == ("rows_dropped",)
    np.testing.assert_allclose(s.impedance_ohm, Z[:-1], rtol=1e-15)


def test_par_malformed_row_inside_is_an_error_and_dc_only_is_refused(tmp_path):
    lines = _par().splitlines()
    lines[15] = lines[15].replace(",1,2,3,4,", ",1,2,oops,4,")
    p = tmp_path / "bad.par"
    p.write_text("\n".join(lines))
    with pytest.raises(ReaderError, match="Segment1 line 16: a value is not a number"):
        read(p)
    dc = tmp_path / "dc.par"
    dc.write_text(_par(rows=["0,0,0.1,1e-6,0.0", "0,1,0.2,2e-6,1.0"],
                       definition="Definition=Segment #, Point #, E(V), I(A), Elapsed Time(s), 0"))
    with pytest.raises(ReaderError, match="only the impedance segments"):
        read(dc)


# -- PalmSens .pssession (synthetic: PSTrace's JSON layout, UTF-16 with BOM as PSTrace writes it) ----------
def _session(measurements) -> bytes:
    doc = {"Type": "PalmSens.DataFiles.SessionFile", "CoreVersion": "5.9", "MethodForMeasurement": "",
           "Measurements": measurements}
    return b"\xff\xfe" + json.dumps(doc).encode("utf-16-le") + "\ufeff".encode("utf-16-le")


def _arr(unit, values):
    return {"Type": "PalmSens.Data.DataArray", "Unit": {"Type": f"PalmSens.Units.{unit}"},
            "DataValues": [{"V": float(v)} for v in values]}


def _eis(title="cell A", f=F, z=Z, units=("Hertz", "ZRe", "ZIm")):
    arrays = [_arr("Time", np.arange(3)), _arr(units[0], f), _arr(units[1], z.real), _arr(units[2], -z.imag)]
    return {"Title": title, "DataSet": {"Type": "PalmSens.Data.DataSetEIS", "Values": arrays}}


def test_pssession_spectra_values(tmp_path):
    p = tmp_path / "s.pssession"
    cv = {"Title": "cv", "DataSet": {"Type": "PalmSens.Data.DataSet", "Values": [_arr("Volt", [0, 1])]}}
    p.write_bytes(_session([_eis("A"), cv, _eis("B", z=2 * Z)]))
    a, b = read(p)
    assert a.instrument == "palmsens-pssession" and a.metadata["title"] == "A" and b.metadata["title"] == "B"
    np.testing.assert_array_equal(a.frequency_Hz, F)
    np.testing.assert_allclose(a.impedance_ohm, Z, rtol=1e-15)
    np.testing.assert_allclose(b.impedance_ohm, 2 * Z, rtol=1e-15)


def test_pssession_cut_damaged_or_without_eis_is_refused(tmp_path):
    good = _session([_eis()])
    p = tmp_path / "s.pssession"
    for n in (len(good) // 2, len(good) - 10):
        p.write_bytes(good[:n])
        with pytest.raises(ReaderError, match="file cut or damaged|not UTF-16"):
            read(p)
    p.write_bytes(_session([_eis(units=("Hertz", "ZRe", "Z"))]))
    with pytest.raises(ReaderError, match="0 arrays of unit PalmSens.Units.ZIm"):
        read(p)
    p.write_bytes(_session([_eis(f=F[:-1])]))
    with pytest.raises(ReaderError, match="10 frequencies, 11 Z'"):
        read(p)
    p.write_bytes(_session([{"Title": "cv", "DataSet": {"Type": "PalmSens.Data.DataSet", "Values": []}}]))
    with pytest.raises(ReaderError, match="none EIS"):
        read(p)


# -- Arbin .res (MS Access) -------------------------------------------------------------------------
def test_arbin_res_equals_the_mdbtools_export(shared_data):
    """Truth: ``mdb-export navani__arbin_example.res Channel_Normal_Table`` (mdbtools 1.0.0, the
    tool navani and cellpy use): 2150 rows; rows 1 and 2150 copied from its output."""
    [r] = read(shared_data / "realfiles" / "navani__arbin_example.res")
    assert r.instrument == "arbin-res" and r.time_s.size == 2150 and r.verdict.status == "ok"
    assert r.time_s[0] == pytest.approx(0.07259541979508601, rel=1e-12)
    assert r.voltage_V[0] == pytest.approx(3.8591957, rel=1e-7) and r.current_A[0] == 0
    assert r.time_s[-1] == pytest.approx(345733.3894574374, rel=1e-12)
    assert r.voltage_V[-1] == pytest.approx(3.872108, rel=1e-6)
    assert sorted(set(r.metadata["cycle"])) == [1, 2, 3, 4, 5] and r.metadata["cycle"][-1] == 5
    assert np.all(np.diff(r.time_s) > 0)


def test_a_damaged_access_file_is_refused_with_how_to_export(shared_data, tmp_path):
    data = (shared_data / "realfiles" / "navani__arbin_example.res").read_bytes()
    p = tmp_path / "cut.res"
    p.write_bytes(data[:5000])  # header page and a little: the tables are gone
    with pytest.raises(ReaderError, match="mdb-export|Excel or CSV"):
        read(p)


def test_flat_ods_reads_as_the_same_workbook_read_by_odfpy(shared_data, tmp_path):
    # pyimpspec's tests hold data.fods and data.ods (same workbook); here the .fods is made from
    # the shared .ods's content.xml (the same XML a flat ODS holds) and checked against the
    # .ods read through pandas/odfpy
    import zipfile

    ods = shared_data / "realfiles" / "pyimpspec__data.ods"
    fods = tmp_path / "data.fods"
    with zipfile.ZipFile(ods) as zf:
        fods.write_bytes(zf.read("content.xml"))
    got, ref = read(fods), read(ods)
    assert [s.metadata["sheet"] for s in got] == [s.metadata["sheet"] for s in ref] and len(got) == 4
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a.frequency_Hz, b.frequency_Hz)
        np.testing.assert_array_equal(a.impedance_ohm, b.impedance_ohm)
    fods.write_bytes(zf_bytes := fods.read_bytes()[: len(fods.read_bytes()) // 2])
    assert zf_bytes
    with pytest.raises(ReaderError, match="flat OpenDocument"):
        read(fods)


@pytest.mark.parametrize("cell", ['<table:table-cell office:value-type="float" office:value="1.5x"/>',
                                  '<table:table-cell table:number-columns-repeated="two"><text:p>1</text:p></table:table-cell>'])
def test_flat_ods_with_a_non_numeric_value_or_repeat_count_is_a_reader_error(tmp_path, cell):
    # was float()/int()'s ValueError as a traceback
    fods = tmp_path / "bad.fods"
    fods.write_text(
        '<?xml version="1.0"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        f'<table:table table:name="S"><table:table-row>{cell}</table:table-row></table:table>'
        '</office:spreadsheet></office:body></office:document>')
    with pytest.raises(ReaderError, match="damaged flat OpenDocument"):
        read(fods)
