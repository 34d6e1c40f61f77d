"""XRD readers on real files (truth checked by hand against the files) and on crafted bad files (#15, #22)."""

from __future__ import annotations

import bz2
import gzip
import re
import shutil
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read

HERE = Path(__file__).parent / "data"

# file: (reader, scan index, points, first 2θ, last 2θ, (index, intensity), wavelengths)
REAL = {
    "datalab__HL1-2_5-90_60min.xrdml": ("xrd-xrdml", 0, 6474, 5.00116514, 89.99348491, (0, 1426.0), 2),
    "nomad__XRD-918-16_10.xrdml": ("xrd-xrdml", 0, 5027, 4.00656514, 69.99936587, (0, 1305.0), 2),
    # <intensities> are counts: 1719 as in the same scan's PANalytical CSV export, not 1719/50.165 s
    "yadg__210520step1_30min.xrdml": ("xrd-xrdml", 0, 4489, 5.00835563, 80.0085308, (0, 1719.0), 1),
    "yadg__210520step1_30min.csv": ("xrd-xy", 0, 4489, 5.008355630, 80.0085308, (0, 1719.0), 1),
    "xrayutilities__inas_layer_radial_002_004.ras.bz2": ("xrd-rigaku-ras", 1, 2501, 56.0, 66.0, (-1, 107.0164), 1),
    "nomad__Omega-2Theta_scan_high_temperature.rasx": ("xrd-rigaku-rasx", 0, 1042, 44.0, 48.9968, (0, 2.16424083709717), 1),
    "datalab__TiOF.brml": ("xrd-bruker-brml", 0, 2469, 9.9988, 60.0128, None, None),
    "datalab__example_mythen.dat": ("xrd-xy", 0, 730, 2.084, 5.0, (-1, 3259.561469), 0),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_files_read_right(shared_data, name):
    reader, idx, n, first, last, value, n_wl = REAL[name]
    pats = read(shared_data / "realfiles" / name, "diffraction")
    pat = pats[idx]
    assert pat.instrument == reader
    assert pat.two_theta_deg.size == n
    assert pat.two_theta_deg[0] == pytest.approx(first, abs=1e-4)
    assert pat.two_theta_deg[-1] == pytest.approx(last, abs=1e-4)
    if value is not None:
        assert pat.intensity[value[0]] == pytest.approx(value[1], rel=1e-6)
    if n_wl is not None:
        assert len(pat.wavelength_A) == n_wl


def test_xrdml_sigma_is_poisson_on_counts(shared_data):
    pat = read(shared_data / "realfiles" / "yadg__210520step1_30min.xrdml")[0]
    np.testing.assert_allclose(pat.sigma, np.sqrt(np.maximum(pat.intensity, 1)))


def test_ras_two_scans_and_rasx_kalpha1(shared_data):
    pats = read(shared_data / "realfiles" / "xrayutilities__inas_layer_radial_002_004.ras.bz2")
    assert [p.two_theta_deg.size for p in pats] == [1501, 2501]
    assert pats[0].intensity[0] == pytest.approx(51.4986)
    assert pats[1].intensity.max() == pytest.approx(532695488.0)  # InAs/substrate peak at 61.124°
    assert pats[1].two_theta_deg[np.argmax(pats[1].intensity)] == pytest.approx(61.124)
    assert pats[0].wavelength_A == (1.540593,)  # WAVE_TYPE Ka1


def test_xrdml_area_scan_refused_as_pattern_read_as_map(shared_data):
    path = shared_data / "realfiles" / "nomad__m82762_rc_mesh_long.xrdml"
    with pytest.raises(ReaderError, match="area measurement"):
        read(path)
    from sselab.io.formats.xrd_xrdml import read_area_map

    m = read_area_map(path)
    assert m.counts.shape == (101, 255)
    assert m.omega_deg[0] == pytest.approx(60.9727) and m.omega_deg[-1] == pytest.approx(61.9727)
    assert m.two_theta_deg[0, 0] == pytest.approx(67.45053915)
    assert m.counts[0, 0] == 41


def test_xrdml_gzipped_reads_the_same(shared_data, tmp_path):
    src = shared_data / "realfiles" / "nomad__XRD-918-16_10.xrdml"
    gz = tmp_path / "scan.xrdml.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    a, b = read(src)[0], read(gz)[0]
    np.testing.assert_array_equal(a.intensity, b.intensity)
    np.testing.assert_array_equal(a.two_theta_deg, b.two_theta_deg)


def test_xrdml_bzip2_reads_the_same_and_maps_still_refused(shared_data, tmp_path):
    """xrayutilities ships its examples as .xrdml.bz2 (rsm_*.xrdml.bz2): read like the plain file,
    and an area scan compressed is refused as a map, not as an unknown file type."""
    src = shared_data / "realfiles" / "nomad__XRD-918-16_10.xrdml"
    bz = tmp_path / "scan.xrdml.bz2"
    bz.write_bytes(bz2.compress(src.read_bytes()))
    a, b = read(src)[0], read(bz)[0]
    assert b.two_theta_deg.size == 5027 and b.intensity[0] == 1305 and b.intensity[-1] == 171
    np.testing.assert_array_equal(a.intensity, b.intensity)
    np.testing.assert_array_equal(a.two_theta_deg, b.two_theta_deg)
    mesh = tmp_path / "mesh.xrdml.bz2"
    mesh.write_bytes(bz2.compress((shared_data / "realfiles" / "nomad__m82762_rc_mesh_long.xrdml").read_bytes()))
    with pytest.raises(ReaderError, match="area measurement"):
        read(mesh)


def _xrdml(counts: str, atten: str | None = None, tag: str = "counts", start=10.0, end=10.4, extra="") -> str:
    att = f"<beamAttenuationFactors>{atten}</beamAttenuationFactors>" if atten else ""
    return (
        '<?xml version="1.0"?><xrdMeasurements xmlns="http://www.xrdml.com/XRDMeasurement/1.5">'
        '<xrdMeasurement measurementType="Scan" status="Completed"><usedWavelength>'
        '<kAlpha1 unit="Angstrom">1.5405980</kAlpha1><kAlpha2 unit="Angstrom">1.5444260</kAlpha2>'
        f"<ratioKAlpha2KAlpha1>0.5</ratioKAlpha2KAlpha1></usedWavelength>{extra}"
        '<scan scanAxis="Gonio" status="Completed"><dataPoints>'
        f'<positions axis="2Theta" unit="deg"><startPosition>{start}</startPosition><endPosition>{end}</endPosition></positions>'
        f'<commonCountingTime unit="seconds">2.0</commonCountingTime>{att}<{tag} unit="counts">{counts}</{tag}>'
        "</dataPoints></scan></xrdMeasurement></xrdMeasurements>"
    )


def test_xrdml_beam_attenuation_applied_to_counts(tmp_path):
    p = tmp_path / "att.xrdml"
    p.write_text(_xrdml("100 1877 400", "1 188.0 1"))
    pat = read(p)[0]
    np.testing.assert_allclose(pat.intensity, [100, 1877 * 188.0, 400])
    np.testing.assert_allclose(pat.sigma, [10, np.sqrt(1877) * 188.0, 20])
    p.write_text(_xrdml("100 352876 400", "1 188.0 1", tag="intensities"))
    pat = read(p)[0]  # <intensities> are already corrected: not multiplied again
    np.testing.assert_allclose(pat.intensity, [100, 352876, 400])
    np.testing.assert_allclose(pat.sigma[1], np.sqrt(352876 * 188.0))
    p.write_text(_xrdml("100 1877 400", "1 188.0"))
    with pytest.raises(ReaderError, match="2 beamAttenuationFactors but 3"):
        read(p)


def test_xrdml_first_two_theta_zero_is_valid(tmp_path):
    p = tmp_path / "zero.xrdml"
    p.write_text(_xrdml("5 6 7 8 9", start=0.0, end=0.08))
    pat = read(p)[0]
    assert pat.two_theta_deg[0] == 0.0 and pat.two_theta_deg.size == 5
    xy = tmp_path / "zero.xy"
    xy.write_text("0.00 5\n0.02 6\n0.04 7\n")
    assert read(xy)[0].two_theta_deg[0] == 0.0


def test_xrdml_missing_counts_refused_not_stretched(shared_data, tmp_path):
    text = (shared_data / "realfiles" / "nomad__XRD-918-16_10.xrdml").read_text()
    m = re.search(r"(<intensities unit=\"counts\">)([^<]*)<", text)
    numbers = m.group(2).split()
    for drop in (1, 5):
        cut = " ".join(numbers[:1000] + numbers[1000 + drop :])
        p = tmp_path / f"missing{drop}.xrdml"
        p.write_text(text[: m.start(2)] + cut + text[m.end(2) :])
        with pytest.raises(ReaderError, match="active length"):
            read(p)


def test_xrdml_truncated_and_non_numeric(shared_data, tmp_path):
    raw = (shared_data / "realfiles" / "nomad__XRD-918-16_10.xrdml").read_bytes()
    p = tmp_path / "cut.xrdml"
    p.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ReaderError, match="truncated|malformed"):
        read(p)
    p.write_text(_xrdml("5 6 x7 8"))
    with pytest.raises(ReaderError, match="non-number"):
        read(p)


def test_gsas_std_with_prm():
    pat = read(HERE / "PBSO4.XRA")[0]
    assert pat.instrument == "xrd-gsas"
    assert pat.two_theta_deg.size == 6001
    assert pat.two_theta_deg[0] == pytest.approx(10.0) and pat.two_theta_deg[-1] == pytest.approx(160.0)
    assert pat.intensity[:3].tolist() == [179, 147, 165] and pat.intensity[-1] == 368
    assert pat.wavelength_A == (1.5405, 1.5443)


def test_gsas_fxye_esd_and_cut(tmp_path):
    (tmp_path / "a.instprm").write_text("#GSAS-II instrument parameter file\nType:PXC\nLam:0.413529\nZero:0.0\n")
    rows = "\n".join(f"{500 + 10 * i:.6f} {100 + i:.4f} {10.0:.4f}" for i in range(5))
    f = tmp_path / "a.fxye"
    f.write_text("title\nBANK 1 5 5 CONS 500.0 10.0 0 0 FXYE\n" + rows + "\n")
    pat = read(f)[0]
    np.testing.assert_allclose(pat.two_theta_deg, [5.0, 5.1, 5.2, 5.3, 5.4])
    assert pat.intensity[-1] == 104 and pat.wavelength_A == (0.413529,)
    (tmp_path / "sub").mkdir()
    esd = tmp_path / "sub" / "b.gsa"
    esd.write_text("title\nBANK 1 3 1 CONST 1000 5 0 0 ESD\n" + "".join(f"{v:8.0f}{e:8.1f}" for v, e in [(10, 3), (20, 4.5), (30, 5)]) + "\n")
    pat = read(esd)[0]
    assert pat.intensity.tolist() == [10, 20, 30] and pat.sigma.tolist() == [3, 4.5, 5]
    assert any("wavelength unknown" in w for w in pat.metadata["reader_warnings"])
    cut = tmp_path / "c.gsa"
    cut.write_text("title\nBANK 1 12 2 CONST 1000 5 0 0 STD\n" + "".join(f"{v:8d}" for v in range(1, 11)) + "\n")
    with pytest.raises(ReaderError, match="declares 12 points but holds 10"):
        read(cut)
    tof = tmp_path / "d.gsa"
    tof.write_text("title\nBANK 1 3 1 SLOG 1000 5 0 0 FXYE\n1 2 3\n")
    with pytest.raises(ReaderError, match="time of flight"):
        read(tof)


def test_stoe_raw_real_and_corrupt(tmp_path):
    pat = read(HERE / "xrdpattern_stoe.raw")[0]
    assert pat.instrument == "xrd-stoe-raw"
    assert pat.two_theta_deg.size == 5404
    assert pat.two_theta_deg[0] == pytest.approx(10.0) and pat.two_theta_deg[-1] == pytest.approx(91.045, abs=1e-4)
    assert pat.intensity[:3].tolist() == [4213, 4179, 4109]
    assert pat.intensity.min() == 1129 and pat.intensity.max() == 5824
    raw = (HERE / "xrdpattern_stoe.raw").read_bytes()
    p = tmp_path / "cut.raw"
    p.write_bytes(raw[:10000])
    with pytest.raises(ReaderError, match="truncated|outside"):
        read(p)
    bad = bytearray(raw)
    struct.pack_into("<I", bad, 2560 + 40, 999999)  # one count changed: disagrees with the header max
    p.write_bytes(bytes(bad))
    with pytest.raises(ReaderError, match="disagree"):
        read(p)


def test_xy_cut_inside_a_number_and_nan(tmp_path):
    p = tmp_path / "cut.xy"
    body = "".join(f"{10 + 0.02 * i:.4f} {1000 + i:.3f}\n" for i in range(6))
    p.write_text(body + "10.1200 10")  # last intensity cut: "1006.000" → "10"
    pat = read(p, "diffraction")[0]
    assert pat.two_theta_deg.size == 6 and pat.intensity.max() == pytest.approx(1005.0)
    assert "dropped" in pat.metadata["reader_warnings"][0]
    p.write_text(body + "10.1200 1006.000")  # complete last row without a newline is kept, silently
    pat = read(p, "diffraction")[0]
    assert pat.two_theta_deg.size == 7 and not pat.metadata["reader_warnings"]
    p.write_text(body + "10.12")
    assert read(p, "diffraction")[0].two_theta_deg.size == 6
    p.write_text("10.00 5\n10.02 nan\n10.04 inf\n10.06 8\n")
    pat = read(p, "diffraction")[0]
    assert pat.intensity.tolist() == [5, 8]
    assert "dropped 2 points" in pat.metadata["reader_warnings"][0]
    p.write_text("10.00 5\n10.02 6 1\n10.04 7\n")
    with pytest.raises(ReaderError, match="different numbers of columns"):
        read(p, "diffraction")


def test_ras_declared_count_and_rasx_bomb(shared_data, tmp_path):
    text = bz2.decompress((shared_data / "realfiles" / "xrayutilities__inas_layer_radial_002_004.ras.bz2").read_bytes())
    lines = text.split(b"\n")
    k = next(i for i, ln in enumerate(lines) if ln.startswith(b"*RAS_INT_START")) + 100
    p = tmp_path / "short.ras"
    p.write_bytes(b"\n".join(lines[:k] + lines[k + 1 :]))
    with pytest.raises(ReaderError, match="declares 1501 points but 1500"):
        read(p)
    bomb = tmp_path / "bomb.rasx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Data0/Profile0.txt", b"0" * 50_000_000)
    with pytest.raises(ReaderError, match="ratio|refused"):
        read(bomb)


def test_every_xrd_reader_is_linear_time_on_a_long_line(tmp_path):
    """A 2 MB single line must fail fast (no regex backtracking)."""
    import time

    p = tmp_path / "long.xy"
    p.write_text("1" * 2_000_000 + " x")
    t0 = time.perf_counter()
    with pytest.raises(ReaderError):
        read(p, "diffraction")
    assert time.perf_counter() - t0 < 5


def _two_profile_rasx(src: Path, dst: Path, rsm: bool) -> Path:
    """The real single-scan .rasx with its profile stored twice (Data0, Data1); with ``rsm`` the
    conditions carry a SmartLab <RSMInformation> block stepping Omega, as an RSM export does."""
    with zipfile.ZipFile(src) as z:
        prof, cond = z.read("Data0/Profile0.txt"), z.read("Data0/MesurementConditions0.xml").decode("utf-8-sig")
    if rsm:
        cond = cond.replace("</ScanInformation>", "</ScanInformation><RSMInformation><StepAxisName>Omega"
                            "</StepAxisName><StepAxisStep>0.01</StepAxisStep></RSMInformation>", 1)
    with zipfile.ZipFile(dst, "w") as z:
        for i in (0, 1):
            z.writestr(f"Data{i}/Profile{i}.txt", prof)
            z.writestr(f"Data{i}/MesurementConditions{i}.xml", cond)
    return dst


def test_rasx_reciprocal_space_map_refused_repeated_scans_read(shared_data, tmp_path):
    """nomad-measurements' RSM_111_sdd=350.rasx (401 profiles, <RSMInformation> stepping Omega) was
    read as 401 powder patterns; a map is refused, while repeated 2θ scans still read one by one."""
    src = shared_data / "realfiles" / "nomad__Omega-2Theta_scan_high_temperature.rasx"
    both = read(_two_profile_rasx(src, tmp_path / "twice.rasx", rsm=False))
    assert len(both) == 2 and both[1].two_theta_deg.size == 1042 and both[1].two_theta_deg[-1] == pytest.approx(48.9968)
    with pytest.raises(ReaderError, match="area measurement .*stepped in Omega"):
        read(_two_profile_rasx(src, tmp_path / "rsm.rasx", rsm=True))


def test_headerless_csv_not_claimed_as_a_powder_pattern_unasked(tmp_path, shared_data):
    """LG4X-V2's test/Highres_Au4f_hv_180_testfile.csv is two header-less columns, Au 4f in kinetic
    energy (85-96 eV at hv 180): read() returned it as a diffraction pattern.  Without a header
    naming the angle a .csv is not claimed; asked for, it still reads; a headed one reads unasked."""
    p = tmp_path / "Au4f.csv"
    ke = np.linspace(85.0, 95.9746, 269)
    p.write_text("".join(f"{e:.4f},{1590 - i}\n" for i, e in enumerate(ke)))
    with pytest.raises(ReaderError, match="state the kind"):
        read(p)
    pat = read(p, kind="diffraction")[0]
    assert pat.two_theta_deg.size == 269 and pat.two_theta_deg[-1] == pytest.approx(95.9746)
    headed = read(shared_data / "realfiles" / "yadg__210520step1_30min.csv")[0]
    assert headed.two_theta_deg.size == 4489 and headed.intensity[0] == 1719
