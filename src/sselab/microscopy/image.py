"""SEM micrographs: the image, its pixel size and where the pixel size came from.

Readers (:func:`read_sem_image`) by vendor metadata:

- Zeiss SmartSEM (TIFF tag 34118 ``CZ_SEM``) and FEI/Thermo xT (tags 34682/34683): RosettaSciIO's
  TIFF reader gives the pixel size (Zeiss: the 1024-px store scale × 1024 / image width, so a
  512-px image gets twice the header's "Pixel Size");
- TESCAN (tag 50431: a JPEG thumbnail then INI text): ``PixelSizeX``/``PixelSizeY`` [m] and
  ``ImageStripSize`` (the info panel's height) parsed here;
- JEOL (a ``.txt`` sidecar with ``$CM_``/``$$SM_`` keys): ``$$SM_MICRON_BAR`` pixels for
  ``$$SM_MICRON_MARKER`` (e.g. ``100um``), and ``$CM_FULL_SIZE`` (the image without the data bar);
- ImageJ/Fiji TIFFs (a calibrated image saved by Fiji): XResolution pixels per ``unit``.

:func:`measure_scale_bar` measures the burned-in scale bar in the data bar (for files without a
pixel size; the bar's label is given by the user), :func:`with_scale_bar` applies it.

The data bar (text panel) under the image is cut off: from the vendor's own numbers where it
gives them (TESCAN, JEOL), else from a black separator row in the bottom third (Zeiss); other
files keep the full frame.  ``data_bar_source`` says which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..exceptions import ReaderError

_UNITS = {"nm": 1e-9, "um": 1e-6, "µm": 1e-6, "μm": 1e-6, "mm": 1e-3, "m": 1.0}


@dataclass(frozen=True)
class SEMImage:
    """A grey-level SEM image (data bar removed) with its pixel size.

    Attributes
    ----------
    data
        2-D float array (rows, columns), the image area only.
    pixel_size_m
        Size of one pixel [m] (square pixels), ``None`` when the file does not say.
    pixel_size_source
        Where the pixel size came from (a sentence), or why there is none.
    vendor
        ``"zeiss"``, ``"fei"``, ``"tescan"``, ``"jeol"``, ``"imagej"``, ``"synthetic"`` or ``"unknown"``.
    data_bar_rows
        Rows cut from the bottom of the stored frame.
    """

    data: np.ndarray
    pixel_size_m: float | None
    pixel_size_source: str
    vendor: str = "unknown"
    data_bar_rows: int = 0
    data_bar_source: str = "none"
    path: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    data_bar: np.ndarray | None = field(default=None, repr=False)

    @property
    def pixel_size_um(self) -> float | None:
        return None if self.pixel_size_m is None else self.pixel_size_m * 1e6

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.data.shape)  # type: ignore[return-value]

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path, "vendor": self.vendor, "shape_px": list(self.shape),
            "pixel_size_um": self.pixel_size_um, "pixel_size_source": self.pixel_size_source,
            "data_bar_rows": self.data_bar_rows, "data_bar_source": self.data_bar_source,
            **{k: v for k, v in self.metadata.items() if isinstance(v, (int, float, str))},
        }


def _grey(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim == 3:  # RGB(A) or palette expanded: take luminance of the first three channels
        a = a[..., :3].mean(axis=-1) if a.shape[-1] in (3, 4) else a[0]
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {a.shape}")
    return a.astype(float)


def separator_row(a: np.ndarray) -> int | None:
    """The top row of a data bar: the topmost all-black row in the bottom third that is
    followed by no image-like rows (``None`` when there is none)."""
    lo, hi = float(a.min()), float(a.max())
    if hi <= lo:
        return None
    dark = (a <= lo + 0.05 * (hi - lo)).mean(axis=1) >= 0.95
    start = int(a.shape[0] * 2 / 3)
    rows = np.flatnonzero(dark[start:])
    return int(start + rows[0]) if rows.size else None


def _tescan(tif) -> dict[str, str] | None:
    tag = tif.pages[0].tags.get(50431)
    if tag is None:
        return None
    text = bytes(tag.value).decode("latin-1")
    return dict(m.groups() for m in re.finditer(r"(?m)^([A-Za-z0-9_]+)=([^\r\n]*)", text))


def _jeol_sidecar(path: Path) -> dict[str, str] | None:
    for side in (path.with_suffix(".txt"), path.with_suffix(".TXT")):
        if side.exists():
            out = {}
            for line in side.read_text(errors="replace").splitlines():
                m = re.match(r"^\$+([A-Z0-9_]+)\s*(.*)$", line.strip())
                if m:
                    out[m.group(1)] = m.group(2).strip()
            return out
    return None


def _length_m(text: str) -> float | None:
    m = re.fullmatch(r"\s*([0-9.]+)\s*([a-zµμ]+)\s*", text)
    if not m or m.group(2) not in _UNITS:
        return None
    return float(m.group(1)) * _UNITS[m.group(2)]


def _imagej_pixel(tif) -> float | None:
    """Pixel size [m] of an ImageJ/Fiji TIFF (XResolution in pixels per ``unit``)."""
    unit = str((tif.imagej_metadata or {}).get("unit", "")).replace("\\u00B5", "µ").replace("micron", "um")
    res = tif.pages[0].tags.get("XResolution")
    if unit not in _UNITS or res is None:
        return None
    num, den = res.value
    return den / num * _UNITS[unit] if num else None


def read_sem_image(path: str | Path) -> SEMImage:
    """Read an SEM TIFF and its pixel size from the vendor's metadata.

    Raises
    ------
    ReaderError
        The file is not a readable TIFF.
    """
    import tifffile

    path = Path(path)
    if not path.is_file():
        raise ReaderError(path, "no such file")
    try:
        tif = tifffile.TiffFile(path)
    except (OSError, ValueError, tifffile.TiffFileError) as exc:
        raise ReaderError(path, f"not a readable TIFF ({exc})") from None
    with tif:
        raw = tif.pages[0].asarray()
        a = _grey(raw)
        tescan = _tescan(tif)
        is_zeiss, is_fei = tif.is_sem, tif.is_fei
        fei_hfw = (tif.fei_metadata or {}).get("Scan", {}).get("HorFieldsize") if is_fei else None
        imagej = _imagej_pixel(tif) if tif.is_imagej else None
    jeol = _jeol_sidecar(path) if not (tescan or is_zeiss or is_fei) else None
    px, src, vendor, bar, bar_src, meta = None, "no pixel size in the file's metadata", "unknown", 0, "none", {}
    if is_zeiss or is_fei:
        vendor = "zeiss" if is_zeiss else "fei"
        from rsciio.tiff import file_reader

        axes = file_reader(str(path))[0]["axes"]
        xs = [ax for ax in axes if ax.get("name") == "width"]
        if xs and xs[0].get("units") == "m":
            px = float(xs[0]["scale"])
            src = ("Zeiss CZ_SEM store scale × 1024 / image width (rosettasciio)" if is_zeiss
                   else "FEI/Thermo [Scan] PixelWidth (rosettasciio)")
    elif tescan:
        vendor = "tescan"
        meta = {k: tescan[k] for k in ("Device", "Magnification", "Date") if k in tescan}
        if "PixelSizeX" in tescan:
            px = float(tescan["PixelSizeX"])
            src = "TESCAN tag 50431 PixelSizeX"
        if tescan.get("ImageStripSize", "").strip().isdigit():
            bar, bar_src = int(tescan["ImageStripSize"]), "TESCAN ImageStripSize"
    elif jeol:
        vendor = "jeol"
        meta = {k: jeol[k] for k in ("CM_MAG", "CM_ACCEL_VOLT", "CM_SIGNAL_NAME") if k in jeol}
        length = _length_m(jeol.get("SM_MICRON_MARKER", ""))
        try:
            bar_px = float(jeol.get("SM_MICRON_BAR", "nan"))
        except ValueError:
            bar_px = float("nan")
        if length and np.isfinite(bar_px) and bar_px > 0:
            px = length / bar_px
            src = f"JEOL sidecar: $$SM_MICRON_MARKER {jeol['SM_MICRON_MARKER']} = $$SM_MICRON_BAR {bar_px:g} px"
        full = jeol.get("CM_FULL_SIZE", "").split()
        if len(full) == 2 and full[1].isdigit() and int(full[1]) < a.shape[0]:
            bar, bar_src = a.shape[0] - int(full[1]), "JEOL $CM_FULL_SIZE"
    elif imagej is not None:
        vendor, px, src = "imagej", imagej, "ImageJ/Fiji TIFF: XResolution and unit"
    if bar == 0 and vendor == "zeiss":  # not for unknown files: a dark bottom layer is not a data bar
        row = separator_row(a)
        if row is not None:
            bar, bar_src = a.shape[0] - row, "black separator row above the data bar"
    if fei_hfw is not None:
        meta = {"HFW_m": fei_hfw}
    data = a[: a.shape[0] - bar] if bar else a
    return SEMImage(data, px, src, vendor, bar, bar_src, str(path), meta, a[a.shape[0] - bar:] if bar else None)


def _longest_run(mask_row: np.ndarray) -> tuple[int, int]:
    """(length, start) of the longest run of True in a 1-D boolean array."""
    d = np.diff(np.concatenate([[0], mask_row.astype(int), [0]]))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    if not starts.size:
        return 0, 0
    k = int(np.argmax(ends - starts))
    return int(ends[k] - starts[k]), int(starts[k])


def measure_scale_bar(img: SEMImage) -> int | None:
    """Length [px] of the burned-in scale bar in the data bar: the longest horizontal run of a
    tone that is not the panel's background (a white bar on a black panel, a black line on a
    white one, a white ruler on grey), shorter than half the width.  ``None`` without a data bar.  The bar's label (e.g. 100 µm)
    is not read: give it (``--scale-bar``)."""
    bar = img.data_bar
    if bar is None or bar.size == 0:
        return None
    lo, hi = float(bar.min()), float(bar.max())
    if hi <= lo:
        return None
    bright, dark = bar >= lo + 0.8 * (hi - lo), bar <= lo + 0.2 * (hi - lo)
    best = 0
    for mask in (bright, dark):
        if mask.mean() >= 0.5:  # the panel's own background, not a bar
            continue
        for row in mask:
            n, _ = _longest_run(row)
            if best < n < 0.5 * bar.shape[1]:
                best = n
    return best or None


def with_scale_bar(img: SEMImage, length_m: float, label: str) -> SEMImage:
    """``img`` with the pixel size from its burned-in scale bar of ``length_m`` (raises
    :class:`ReaderError` when no bar is found)."""
    from dataclasses import replace

    n = measure_scale_bar(img)
    if not n:
        raise ReaderError(img.path or "image", "no burned-in scale bar found in a data bar")
    src = f"burned-in scale bar measured: {n} px = {label}"
    if img.pixel_size_m is not None:
        src += f" (metadata said {img.pixel_size_m * 1e6:.6g} µm/px)"
    return replace(img, pixel_size_m=length_m / n, pixel_size_source=src)


def from_array(data: np.ndarray, pixel_size_m: float | None, source: str = "given") -> SEMImage:
    """An :class:`SEMImage` from an array (synthetic images, other readers)."""
    return SEMImage(_grey(data), pixel_size_m, source, "synthetic")
