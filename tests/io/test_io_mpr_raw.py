"""sselab's own ``.mpr`` module parser, used where galvani refuses a column ID.

Truth: the ``.mpt`` text export of the same run (dgbowl/yadg@61d55fe
tests/test_x_eclab/peis.issue_225.ewe_ece.mpt, rows read by hand: 32 data rows; row 1
freq 1.9999814E+005 Hz, Re(Z) 1.2292420E+000, -Im(Z) 1.1167378E-001, <Ece> -9.5301187E-001 V;
row 32 freq 1.0016024E+000, Re(Z) 4.0345757E+001, -Im(Z) 1.4368776E+001, <Ece> -9.5411932E-001),
and galvani itself: on every shared ``.mpr`` galvani reads, the parser must give the same
column names and the same bytes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read
from sselab.io.formats.biologic_mpr_raw import RawMPR

EWE_ECE = "yadg__peis.issue_225.ewe_ece.mpr"


def test_mpr_with_ece_columns_galvani_refuses_reads_as_its_mpt_twin(shared_data):
    path = shared_data / "realfiles" / EWE_ECE
    galvani = pytest.importorskip("galvani.BioLogic")
    with pytest.raises(NotImplementedError, match="Column ID 215"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        galvani.MPRfile(str(path))  # the peer's refusal this parser exists for
    [s] = read(path)
    assert s.n_points == 32 and s.verdict.status == "ok"
    f32 = np.float32
    assert s.frequency_Hz[0] == f32(1.9999814e5) and s.frequency_Hz[-1] == f32(1.0016024)
    assert s.impedance_ohm[0] == complex(f32(1.2292420), -f32(1.1167378e-1))
    assert s.impedance_ohm[-1] == complex(f32(4.0345757e1), -f32(1.4368776e1))
    raw = RawMPR(path)
    assert raw.data["<Ece>/V"][0] == f32(-9.5301187e-1) and raw.data["<Ece>/V"][-1] == f32(-9.5411932e-1)
    assert 215 in raw.column_ids
    assert any("sselab's module parser" in n for n in s.notes)


def test_parser_equals_galvani_on_every_mpr_galvani_reads(shared_data):
    galvani = pytest.importorskip("galvani.BioLogic")
    checked = 0
    for path in sorted((shared_data / "realfiles").glob("*.mpr")):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = galvani.MPRfile(str(path))
        except NotImplementedError:
            continue
        raw = RawMPR(path)
        assert len(raw.data) == len(ref.data), path.name
        assert raw.data.dtype.itemsize == ref.data.dtype.itemsize, path.name
        assert raw.data.tobytes() == np.asarray(ref.data).tobytes(), path.name
        # names agree except galvani's '<Ecv>/V' for ID 441, which EC-Lab's .mpt calls '<Ece>/V'
        for a, b in zip(ref.data.dtype.names, raw.data.dtype.names):
            assert a == b or (a, b) == ("<Ecv>/V", "<Ece>/V"), path.name
        if ref.loop_index is not None:
            np.testing.assert_array_equal(raw.loop_index, ref.loop_index)
        checked += 1
    assert checked >= 10


def test_damaged_mpr_is_a_clean_refusal(shared_data, tmp_path):
    full = (shared_data / "realfiles" / EWE_ECE).read_bytes()
    for cut in (60, 200, len(full) // 2, len(full) - 3):
        p = tmp_path / f"cut{cut}.mpr"
        p.write_bytes(full[:cut])
        with pytest.raises(ReaderError):
            RawMPR(p)


def test_unknown_column_id_is_refused_with_the_id(shared_data, tmp_path):
    path = shared_data / "realfiles" / EWE_ECE
    raw = RawMPR(path)
    data = bytearray(path.read_bytes())
    mod = next(m for m in raw.modules if m["shortname"].strip() == b"VMP data")
    start = bytes(data).find(mod["data"])
    ids_at = start + 5 + 2 * list(raw.column_ids).index(215)
    order = "little" if mod["version"] in (2, 3) else "big"
    data[ids_at:ids_at + 2] = (250).to_bytes(2, order)  # an ID neither table knows
    p = tmp_path / "unknown.mpr"
    p.write_bytes(bytes(data))
    with pytest.raises(ReaderError, match="column ID 250"):
        RawMPR(p)


def test_gcpl_mpr_without_a_current_column_gives_the_current_of_its_mpt_twin(shared_data):
    # the .mpr holds dq/mA.h and control/V/mA (a set value that is in V during potential steps)
    # but no I or <I>; EC-Lab's text export of the same run writes <I>/mA = dq/Δt
    [a] = read(shared_data / "realfiles" / "yadg__gcpl.issue_149.mpr")
    [b] = read(shared_data / "realfiles" / "yadg__gcpl.issue_149.mpt")
    assert "I/mA" not in RawMPR(shared_data / "realfiles" / "yadg__gcpl.issue_149.mpr").data.dtype.names
    assert a.time_s.size == b.time_s.size == 132
    np.testing.assert_allclose(a.current_A, b.current_A, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(a.voltage_V.astype(np.float32), b.voltage_V.astype(np.float32))  # f4 in the .mpr
    assert any("dq/Δt" in n for n in a.notes)


@pytest.mark.parametrize("version,flag", [(2, 1), (3, 1), (0, 1), (0, 0)])
def test_data_module_cut_inside_its_column_ids_is_a_reader_error(version, flag, tmp_path):
    # 1 point, 200 column IDs announced, 3 bytes of them present: a ReaderError, not numpy's ValueError
    from sselab.io.formats.biologic_mpr_raw import _data
    buf = bytes([1, 0, 0, 0, 200, flag, 0, 2])
    with pytest.raises(ReaderError, match="column IDs"):
        _data(tmp_path / "cut.mpr", {"data": buf, "version": version})
