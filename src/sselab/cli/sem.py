"""``sselab sem info | particles | layers | porosity``: SEM micrographs.

The pixel size comes from the file's metadata (Zeiss, FEI/Thermo, TESCAN, JEOL sidecar);
``--pixel-size "11.65 nm"`` overrides it (bare numbers are µm) and the JSON says so;
``--scale-bar "100 um"`` measures the burned-in scale bar in the data bar instead (its label
is given, not read).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer

from ..numfmt import format_uncertain
from ._common import echo_json, exit_for, verdict_line

sem_app = typer.Typer(help="SEM images: pixel size, particle size distribution, layer thicknesses.", no_args_is_help=True)


def _image(path: Path, pixel_size: Optional[str], scale_bar: Optional[str] = None):
    from ..microscopy.image import read_sem_image, with_scale_bar
    from ..units import parse_length

    img = read_sem_image(path)
    if scale_bar is not None:
        img = with_scale_bar(img, parse_length(scale_bar, default_unit="um"), scale_bar)
    if pixel_size is not None:
        px = parse_length(pixel_size, default_unit="um")
        img = replace(img, pixel_size_m=px, pixel_size_source=f"given on the command line ({pixel_size})")
    return img


@sem_app.command("info")
def info_cmd(
    image: Path = typer.Argument(..., help="SEM TIFF"),
    scale_bar: Optional[str] = typer.Option(None, "--scale-bar", help='label of the burned-in bar, e.g. "100 um"'),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (its to_dict())."),
) -> None:
    """Vendor, image size, pixel size and where it came from; the burned-in bar's length [px]."""
    from ..microscopy.image import measure_scale_bar

    img = _image(image, None, scale_bar)
    s = {**img.summary(), "scale_bar_px": measure_scale_bar(img)}
    if as_json:
        echo_json(s)
        return
    for k, v in s.items():
        typer.echo(f"{k}: {v}")


@sem_app.command("particles")
def particles_cmd(
    image: Path = typer.Argument(..., help="SEM TIFF (Zeiss, FEI/Thermo, TESCAN, JEOL + .txt)"),
    dark: bool = typer.Option(False, "--dark", help="particles darker than the background"),
    threshold: str = typer.Option("otsu", "--threshold", help="otsu, multiotsu, li, triangle, yen or a fraction 0-1"),
    smooth: float = typer.Option(1.0, "--smooth", help="Gaussian denoising sigma [px]"),
    min_area: int = typer.Option(12, "--min-area", help="smallest particle [px]"),
    split_ratio: float = typer.Option(1.5, "--split-ratio", help="watershed split: peak/neck distance ratio"),
    background: Optional[int] = typer.Option(None, "--background-px", help="background radius [px], 0 = none"),
    pixel_size: Optional[str] = typer.Option(None, "--pixel-size", help='override, e.g. "11.65 nm" (bare: µm)'),
    scale_bar: Optional[str] = typer.Option(None, "--scale-bar", help='label of the burned-in bar, e.g. "100 um": measure it'),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write the overlay + histogram PNG"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Particle size distribution: d10/d50/d90, log-normal fit, border particles excluded."""
    from ..microscopy.particles import particle_sizes

    img = _image(image, pixel_size, scale_bar)
    thr: str | float = threshold
    try:
        thr = float(threshold)
    except ValueError:
        pass
    r = particle_sizes(img, polarity="dark" if dark else "bright", smooth_px=smooth, min_area_px=min_area,
                       split_ratio=split_ratio, background_px=background, threshold=thr)
    if plot is not None:
        import matplotlib.pyplot as plt

        from ..microscopy.plots import plot_particles

        plt.close(plot_particles(img, r, plot))
    if as_json:
        echo_json({"file": str(image), **r.to_dict()})
        exit_for(r)
        return
    u = "µm" if r.unit == "um" else "px"
    typer.echo(f"{image.name}: {r.n_particles} particles ({r.n_edge_excluded} at the border excluded), "
               f"pixel " + ("not calibrated" if img.pixel_size_um is None else f"{img.pixel_size_um:.6g} µm")
               + f" ({img.pixel_size_source})")
    for k, (v, se) in r.percentiles.items():
        typer.echo(f"  {k}: {format_uncertain(v, se, u)}")
    ln = r.lognormal
    typer.echo(f"  log-normal: median {format_uncertain(ln['median'], ln['median_stderr'], u)}, "
               f"σg {format_uncertain(ln['sigma_g'], ln['sigma_g_stderr'])}")
    if r.n_particles:
        typer.echo(f"  range {r.diameters_um.min():.3g}–{r.diameters_um.max():.3g} {u}; area fraction {r.area_fraction:.3f}")
    typer.echo(verdict_line(r))
    exit_for(r)


@sem_app.command("layers")
def layers_cmd(
    image: Path = typer.Argument(..., help="SEM TIFF of a cross-section"),
    n_layers: Optional[int] = typer.Option(None, "--layers", help="expected number of layers"),
    vertical: bool = typer.Option(False, "--vertical", help="layers run top to bottom (profile along columns)"),
    smooth: float = typer.Option(2.0, "--smooth", help="profile smoothing sigma [px]"),
    min_contrast: float = typer.Option(8.0, "--min-contrast", help="boundary strength in noise units"),
    pixel_size: Optional[str] = typer.Option(None, "--pixel-size", help='override, e.g. "0.1 um"'),
    scale_bar: Optional[str] = typer.Option(None, "--scale-bar", help='label of the burned-in bar, e.g. "100 um"'),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write the image + profile PNG"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Layer boundaries and thicknesses from the profile across the section."""
    from ..microscopy.layers import layer_thicknesses

    img = _image(image, pixel_size, scale_bar)
    r = layer_thicknesses(img, n_layers=n_layers, orientation="vertical" if vertical else "horizontal",
                          smooth_px=smooth, min_contrast=min_contrast)
    if plot is not None:
        import matplotlib.pyplot as plt

        from ..microscopy.plots import plot_layers

        plt.close(plot_layers(img, r, plot))
    if as_json:
        echo_json({"file": str(image), **r.to_dict()})
        exit_for(r)
        return
    for ly in r.thicknesses:
        t = format_uncertain(ly["thickness_px"], ly["thickness_stderr_px"], "px")
        um = f" = {ly['thickness_um']:.3g} µm" if ly["thickness_um"] is not None else ""
        typer.echo(f"  layer {ly['index']}: {ly['from_px']:.1f}–{ly['to_px']:.1f} px, {t}{um}"
                   + (" (open: reaches the image border)" if ly["open"] else ""))
    typer.echo(verdict_line(r))
    exit_for(r)


@sem_app.command("porosity")
def porosity_cmd(
    image: Path = typer.Argument(..., help="SEM TIFF of a polished pellet"),
    pixel_size: Optional[str] = typer.Option(None, "--pixel-size", help='override, e.g. "0.1 um" (figure axes only)'),
    plot: Optional[Path] = typer.Option(None, "--plot", help="write the micrograph with the pores tinted (PNG/SVG/PDF)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Pore area fraction (dark pores, Otsu) and compactness = 1 − pore fraction."""
    from ..microscopy.particles import pore_labels, porosity

    img = _image(image, pixel_size)
    r = porosity(img)
    if plot is not None:
        from ..report.plots_cli import porosity_figure
        from ..report.style import save

        save(porosity_figure(img.data, pore_labels(img) > 0, r, img.pixel_size_um), plot)
    if as_json:
        echo_json({"file": str(image), **r})
        exit_for(r)
        return
    se = r["pore_area_fraction_stderr"]
    typer.echo(f"pore area fraction {format_uncertain(r['pore_area_fraction'], se, style='pm')}, "
               f"compactness {format_uncertain(r['compactness'], se, style='pm')} (± field-to-field, 3 × 3 tiles)")
    typer.echo(verdict_line(r))
    exit_for(r)


def register(app: typer.Typer) -> None:
    app.add_typer(sem_app, name="sem")
