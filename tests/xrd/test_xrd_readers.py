"""XRD readers on every shared file, bad files, and the LaB6 instrument profile."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.exceptions import ReaderError
from sselab.io import read
from sselab.io.formats.xrd_xy import write_xye
from sselab.measurements import DiffractionPattern

SHARED = {
    # file: (reader, n points, first 2θ, last 2θ)
    "LaB6_d500_si_psd.xye.bz2": ("xrd-xy", 17381, 4.57208, 150.5783),
    "210520step1_30min.xrdml": ("xrd-xrdml", 4489, 5.008, 80.009),
    "TiO2.raw": ("xrd-bruker-raw", 1647, 10.0, 70.04),
    "TiOF.brml": ("xrd-bruker-brml", 2469, 9.9988, 60.0128),
}


@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_files_read(shared_data, name):
    reader, n, first, last = SHARED[name]
    pat = read(shared_data / "xrd" / name)[0]
    assert isinstance(pat, DiffractionPattern)
    assert pat.instrument == reader
    assert pat.two_theta_deg.size == n
    assert pat.two_theta_deg[0] == pytest.approx(first, abs=2e-3)
    assert pat.two_theta_deg[-1] == pytest.approx(last, abs=2e-3)
    assert np.all(np.isfinite(pat.intensity)) and pat.intensity.max() > 100


def test_tio2_raw_strongest_peak_is_titania(shared_data):
    pat = read(shared_data / "xrd" / "TiO2.raw")[0]
    tt = pat.two_theta_deg[np.argmax(pat.intensity)]
    # anatase 101 at 25.28° or rutile 110 at 27.45° (Cu Kα)
    assert min(abs(tt - 25.28), abs(tt - 27.45)) < 0.3
    assert pat.wavelength_A[0] == pytest.approx(1.5406, abs=1e-4)


def test_xye_round_trip_and_bad_files(tmp_path):
    pat = DiffractionPattern(two_theta_deg=np.array([10.0, 10.02, 10.04]), intensity=np.array([5.0, 9.0, 4.0]),
                             wavelength_A=(1.540598,))
    back = read(write_xye(tmp_path / "p.xye", pat))[0]
    np.testing.assert_allclose(back.intensity, pat.intensity)
    np.testing.assert_allclose(back.sigma, np.sqrt(pat.intensity), rtol=1e-5)
    bad = tmp_path / "bad.xy"
    bad.write_text("10 5\n10.02 6\nhello world\n")
    with pytest.raises(ReaderError, match="line 3"):
        read(bad)
    raw = tmp_path / "bad.raw"
    raw.write_bytes(b"RAW4.00" + b"\x00" * 70)
    with pytest.raises(ReaderError):
        read(raw)
    brml = tmp_path / "bad.brml"
    brml.write_bytes(b"not a zip")
    with pytest.raises(ReaderError, match="zip"):
        read(brml)


def test_lab6_instrument_profile_is_sane(shared_data):
    from sselab.xrd import fit_instrument

    pat = read(shared_data / "xrd" / "LaB6_d500_si_psd.xye.bz2")[0]
    inst, res = fit_instrument(pat, two_theta_range=(15, 120))
    from sselab.xrd.library import lab6

    assert res.phase("LaB6").lattice["a"] == lab6().lattice_parameters["a"]  # certified value held fixed
    assert res.Rwp < 15
    for tt in (30.0, 60.0, 110.0):
        t = np.tan(np.radians(tt / 2))
        g = np.sqrt(inst.U * t * t + inst.V * t + inst.W)
        lor = inst.X * t + inst.Y / np.cos(np.radians(tt / 2))
        assert 0.01 < g + lor < 0.3  # laboratory instrument FWHM, degrees
    assert abs(res.zero_deg) < 0.1
