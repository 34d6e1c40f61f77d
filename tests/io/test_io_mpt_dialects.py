"""EC-Lab ``.mpt`` dialects met in yadg's test files (dgbowl/yadg@61d55fe tests/test_x_eclab),
rebuilt here from the shared ``.mpt`` files so the truth is the unmodified file's reading:

- ``Loop k from point number a to b`` header lines (ca.issue_149.mpt): one transient per loop,
  as the ``.mpr`` of the same run is split by its loop module;
- a 3-line header without a technique (gcpl.pr_182.*.mpt, vsp_ocv_with.mpt): read only on
  column evidence, refused otherwise;
- ``<Ewe/V>`` for ``<Ewe>/V`` (ocv.issue_149.mpt, cp.issue_149.mpt);
- a stray empty name and one more name after the last column (peis.issue_225.with_ece.mpt).
"""

from __future__ import annotations

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read
from sselab.measurements import CurrentTransient, GalvanostaticRecord, PotentialRecord


def _split(path):
    lines = path.read_bytes().decode("latin-1").splitlines()
    n = int(lines[1].split(":")[1])
    return lines[: n - 1], lines[n - 1], lines[n:]


def _write(tmp_path, name, header, names, rows):
    header = list(header)
    header[1] = f"Nb header lines : {len(header) + 1}"
    p = tmp_path / name
    p.write_bytes(("\r\n".join(header + [names] + rows) + "\r\n").encode("latin-1"))
    return p


def test_loops_in_the_header_split_a_transient_like_the_mpr(shared_data, tmp_path):
    src = shared_data / "realfiles" / "yadg__ca.mpt"
    [whole] = read(src)
    header, names, rows = _split(src)
    assert len(rows) == 721
    loops = ["Number of loops : 3", "Loop 0 from point number 0 to 239", "Loop 1 from point number 240 to 479",
             "Loop 2 from point number 480 to 720"]
    parts = read(_write(tmp_path, "loops.mpt", header + loops, names, rows))
    assert [type(p) for p in parts] == [CurrentTransient] * 3
    assert [p.time_s.size for p in parts] == [240, 240, 241]
    np.testing.assert_array_equal(np.concatenate([p.current_A for p in parts]), whole.current_A)
    assert [p.metadata["loop"] for p in parts] == [0, 1, 2]
    # loops that do not tile the rows are not used
    bad = ["Number of loops : 2", "Loop 0 from point number 0 to 100", "Loop 1 from point number 200 to 720"]
    assert len(read(_write(tmp_path, "gap.mpt", header + bad, names, rows))) == 1


def test_headerless_export_read_on_column_evidence_only(shared_data, tmp_path):
    src = shared_data / "realfiles" / "yadg__gcpl.issue_149.mpt"
    [ref] = read(src)
    _, names, rows = _split(src)
    [g] = read(_write(tmp_path, "gcpl.mpt", ["EC-Lab ASCII FILE", "", ""], names, rows))
    assert isinstance(g, GalvanostaticRecord) and g.time_s.size == ref.time_s.size == 132
    np.testing.assert_array_equal(g.voltage_V, ref.voltage_V)
    assert any("names no technique; read as galvanostatic" in n for n in g.notes)

    src = shared_data / "realfiles" / "yadg__ca.mpt"
    _, names, rows = _split(src)
    cols = names.split("\t")
    it, ie, ii = cols.index("time/s"), cols.index("Ewe/V"), cols.index("I/mA")
    pot = ["\t".join((r.split("\t")[it], r.split("\t")[ie])) for r in rows]
    [p] = read(_write(tmp_path, "ocv.mpt", ["EC-Lab ASCII FILE", "", ""], "time/s\tEwe/V", pot))
    assert isinstance(p, PotentialRecord) and p.time_s.size == 721
    assert p.potential_V[0] == 1.4643160e-1  # row 1 of yadg__ca.mpt, read by hand
    cur = ["\t".join((r.split("\t")[it], r.split("\t")[ii])) for r in rows]
    with pytest.raises(ReaderError, match="names no technique"):
        read(_write(tmp_path, "cur.mpt", ["EC-Lab ASCII FILE", "", ""], "time/s\tI/mA", cur))


def test_unit_inside_brackets_name(shared_data, tmp_path):
    src = shared_data / "realfiles" / "yadg__ca.mpt"
    [ref] = read(src)
    header, names, rows = _split(src)
    renamed = names.replace("\tEwe/V\t", "\t<Ewe/V>\t")
    assert renamed != names
    [t] = read(_write(tmp_path, "alias.mpt", header, renamed, rows))
    np.testing.assert_array_equal(t.potential_V, ref.potential_V)
    assert any("'<Ewe/V>' read as '<Ewe>/V'" in n for n in t.notes)


def test_stray_names_after_the_last_column(shared_data, tmp_path):
    src = shared_data / "realfiles" / "pyimpspec__data.mpt"
    [ref] = read(src)
    header, names, rows = _split(src)
    [s] = read(_write(tmp_path, "stray.mpt", header, names.rstrip("\t") + "\t\tEwe-Ece/V", rows))
    np.testing.assert_array_equal(s.impedance_ohm, ref.impedance_ohm)
    assert any("names 2 columns more than the rows hold" in n for n in s.notes)
    # a row short of a field in the middle is still an error naming the line
    bad = list(rows)
    bad[5] = bad[5].rsplit("\t", 2)[0]
    with pytest.raises(ReaderError, match=f"line {len(header) + 1 + 6} has"):
        read(_write(tmp_path, "short.mpt", header, names, bad))


def test_counter_reset_inside_a_sweep_does_not_split_it():
    # yadg's mb.issue_149.mpt rows 126-138: one 13-point sweep (10 kHz → 100 Hz, time going on)
    # whose 'z cycle' goes 3 → 0 after 8 points; a DC row between two parts does split
    from sselab.io.biologic_columns import spectra_from_columns

    f = np.logspace(4, 2, 13)
    zc = np.array([3.0] * 8 + [0.0] * 5)
    cols = {"freq/Hz": f, "Re(Z)/Ohm": np.linspace(10, 30, 13), "-Im(Z)/Ohm": np.full(13, 2.0), "z cycle": zc}
    [s] = spectra_from_columns(cols, "x.mpt", "biologic-mpt")
    assert s.n_points == 13 and "1 counter change(s)" in s.notes[-1]
    gap = {k: np.insert(v, 8, 0.0) for k, v in cols.items()}  # a row without a frequency between
    assert [p.n_points for p in spectra_from_columns(gap, "x.mpt", "biologic-mpt")] == [8, 5]
    restart = {**cols, "freq/Hz": np.r_[f[:8], f[:5]]}  # the frequency restarting always splits
    assert [p.n_points for p in spectra_from_columns(restart, "x.mpt", "biologic-mpt")] == [8, 5]
