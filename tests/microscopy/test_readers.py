"""SEM and EDS readers on the real files of shared/data/sem-eds (values stated in its SOURCES.md)."""

import numpy as np
import pytest

from sselab.eds.spectrum import EDSMap, EDSSpectrum, read_eds
from sselab.exceptions import ReaderError
from sselab.io import read
from sselab.microscopy.image import read_sem_image

# file, stated pixel size [µm] (SOURCES.md), image rows without the data bar, vendor
SEM = [
    ("zeiss_merlin_grains_1k.tif", 2.614514, 691, "zeiss"),       # Width 2.677 mm / 1024; rsciio 2.614514
    ("zeiss_inlens_particles_512.tif", 0.011649976, 350, "zeiss"),  # 5.965 µm / 512, not the header's 5.825 nm
    ("tescan_mira3_se.tif", 2.5012, 888 - 120, "tescan"),          # PixelSizeX; ImageStripSize=120
    ("jeol_jxa8530f_particles.tif", 100 / 101, 960, "jeol"),       # 100 µm marker = 101 px; CM_FULL_SIZE 960
    ("thermo_helios_g4_pfib_pillar.tif", 0.385417, 1024, "fei"),   # PixelWidth 3.85417e-7 m, no data bar
]


@pytest.mark.parametrize("name,px_um,rows,vendor", SEM)
def test_sem_pixel_size_as_stated(shared_data, name, px_um, rows, vendor):
    im = read_sem_image(shared_data / "sem-eds" / name)
    assert im.vendor == vendor
    assert im.pixel_size_um == pytest.approx(px_um, rel=1e-6)
    assert im.shape[0] == rows
    # the image area has no all-black separator row left in it
    assert not np.any((im.data <= im.data.min() + 1).mean(axis=1) >= 0.95)


def test_zeiss_header_pixel_size_is_for_1024_store(shared_data):
    im = read_sem_image(shared_data / "sem-eds/zeiss_inlens_particles_512.tif")
    assert im.pixel_size_m == pytest.approx(2 * 5.825e-9, rel=2e-3)  # header 5.825 nm at 1024 px


def test_registry_reads_sem_and_eds(shared_data):
    (im,) = read(shared_data / "sem-eds/tescan_mira3_se.tif", kind="sem_image")
    assert im.pixel_size_m == pytest.approx(2.5012e-6)
    (sp,) = read(shared_data / "sem-eds/nist_K412_glass.msa", kind="eds")
    assert isinstance(sp, EDSSpectrum)


@pytest.mark.parametrize("name,channels,ch_eV,off_eV,beam,elements", [
    ("nist_K412_glass.msa", 4096, 9.99856, 1.63032, 20, ()),
    ("bruker_albite.spx", 4096, 4.999, -477.30452, 20, ("C", "O", "Na", "Al", "Si")),
    ("tescan_tima_calcite.msa", 3000, 10.0, 0.0, 25, ()),
    ("thermo_nss_monzogabbro.emsa", 2048, 10.0, 0.0, 15, ()),
])
def test_eds_spectra_calibration(shared_data, name, channels, ch_eV, off_eV, beam, elements):
    (sp,) = read_eds(shared_data / "sem-eds" / name)
    s = sp.summary()
    assert s["channels"] == channels
    assert s["channel_eV"] == pytest.approx(ch_eV, rel=1e-4)
    assert s["offset_eV"] == pytest.approx(off_eV, abs=1e-3)
    assert sp.beam_energy_keV == beam
    assert sp.elements_listed == elements


def test_bcf_maps(shared_data):
    (m,) = read_eds(shared_data / "sem-eds/bruker_chevkinite_30x30.bcf")
    assert isinstance(m, EDSMap) and m.cube.shape == (30, 30, 2048)
    assert m.pixel_size_m[0] == pytest.approx(1.66740910949362e-6)
    assert m.cube.reshape(900, -1).sum(axis=1).mean() == pytest.approx(20.7e3, rel=0.05)  # ~20.7 k counts/px
    (m2,) = read_eds(shared_data / "sem-eds/bruker_bcf_v2_50x50px.bcf")
    assert m2.cube.shape == (50, 50, 2048) and set(m2.elements_listed) == {"Ag", "Al", "C", "Cu", "O"}


def test_bad_files(tmp_path):
    bad = tmp_path / "x.tif"
    bad.write_bytes(b"not a tiff at all")
    with pytest.raises(ReaderError):
        read_sem_image(bad)
    bad2 = tmp_path / "x.msa"
    bad2.write_text("#FORMAT: EMSA/MAS\nnonsense\n")
    with pytest.raises(ReaderError):
        read_eds(bad2)


@pytest.mark.parametrize("name,label_m,stated_px", [
    ("jeol_jxa8530f_particles.tif", 100e-6, 102),     # SOURCES.md: "the drawn bar measures 102 px"
    ("tescan_mira3_se.tif", 500e-6, None),            # white ruler labelled 500 µm
    ("zeiss_merlin_grains_1k.tif", 200e-6, None),     # |—| labelled 200 µm
    ("zeiss_inlens_particles_512.tif", 200e-9, None),  # |—| labelled 200 nm
])
def test_burned_in_scale_bar(shared_data, name, label_m, stated_px):
    from sselab.microscopy.image import measure_scale_bar, with_scale_bar

    im = read_sem_image(shared_data / "sem-eds" / name)
    n = measure_scale_bar(im)
    if stated_px is not None:
        assert n == stated_px
    # the bar agrees with the metadata's pixel size to its end ticks (±1 px of ~20–200 px)
    bar = with_scale_bar(im, label_m, "label")
    assert bar.pixel_size_m == pytest.approx(im.pixel_size_m, rel=0.06)
    assert "burned-in scale bar" in bar.pixel_size_source


def test_plain_tiff_keeps_a_dark_bottom(tmp_path):
    import tifffile

    a = np.full((90, 120), 200, np.uint8)
    a[60:] = 0  # a black bottom layer (resin), not a data bar
    tifffile.imwrite(tmp_path / "plain.tif", a)
    im = read_sem_image(tmp_path / "plain.tif")
    assert im.shape == (90, 120) and im.pixel_size_m is None and im.vendor == "unknown"
