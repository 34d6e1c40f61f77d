"""``sselab eis drt FILE [--json] [--plot OUT]``: the DRT of a spectrum, its peaks as processes.

The ``eis`` command group calls :func:`register_drt` to add the command.

Examples
--------
>>> import typer
>>> app = typer.Typer()
>>> register_drt(app)
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._common import exit_for, verdict_line
from ..exceptions import SselabError
from ._eis_input import (all_option, fmax_option, fmin_option, index_option, inductive_option,
                              mask_option, with_reading)
from ..eis.drt.peaks import DEFAULT_PROMINENCE


def drt_command(
    file: Path = typer.Argument(..., help="Spectrum file (CSV/TXT, .z, .mpt, .mpr, .DTA)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object (lambda, method, peaks, ...)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the DRT beside the Nyquist plot (PNG/SVG/PDF)."),
    basis: str = typer.Option("rbf", "--basis", help="rbf (Gaussian) | pwl (piecewise linear)."),
    method: str = typer.Option("auto", "--method", help="λ selection: auto (GCV, or cgcv for correlated residuals) | gcv | mgcv | rgcv | cgcv | lcurve."),
    derivative: int = typer.Option(2, "--derivative", help="Order of the penalised derivative (0, 1, 2)."),
    part: str = typer.Option("both", "--part", help="Fit both | real | imag parts."),
    n_tau: Optional[int] = typer.Option(None, "--n-tau", help="Number of basis functions (default: the data's density)."),
    lam: Optional[float] = typer.Option(None, "--lambda", help="Use this λ instead of choosing it."),
    bootstrap: int = typer.Option(0, "--bootstrap", help="Residual-bootstrap refits for a bootstrap band instead of the bias-aware one (0: none)."),
    band: str = typer.Option("auto", "--band", help="95 % band: auto (bias-aware, or bootstrap with --bootstrap N) | bias-aware | posterior | bootstrap | none."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the bootstrap."),
    inductance: bool = typer.Option(True, "--inductance/--no-inductance", help="Fit a series inductance L ≥ 0."),
    prominence: float = typer.Option(DEFAULT_PROMINENCE, "--prominence", help="Minimum peak prominence (fraction of the highest peak)."),
    blocking: str = typer.Option("auto", "--blocking", help="Series CPE for a blocking electrode's low-frequency tail: auto | yes | no."),
    fmin: Optional[float] = fmin_option(),
    fmax: Optional[float] = fmax_option(),
    drop_inductive: bool = inductive_option(),
    mask: Optional[str] = mask_option(),
    index: Optional[int] = index_option(),
    every: bool = all_option(),
) -> None:
    """Distribution of relaxation times of a spectrum; the peaks are reported as processes."""
    from ._common import check_option, echo_json
    from ._eis_input import load
    from ..limits import MAX_N_TAU
    from ..eis.drt.solver import drt

    check_option("--derivative", derivative, ge=0, le=2)
    check_option("--n-tau", n_tau, ge=3, le=MAX_N_TAU)
    check_option("--lambda", lam, gt=0)
    check_option("--bootstrap", bootstrap, ge=0, le=10_000)
    check_option("--seed", seed, ge=0)
    check_option("--prominence", prominence, ge=0, lt=1)
    check_option("--index", index, ge=0)
    choice = {"auto": "auto", "yes": True, "no": False}.get(blocking)
    if choice is None:
        raise SselabError(f"--blocking must be auto, yes or no (got {blocking!r})")
    items = load(file, index, every, fmin, fmax, drop_inductive, mask)
    if len(items) > 1:
        outs = []
        for item in items:
            r = drt(item.spectrum, basis=basis, method=method, derivative=derivative, n_tau=n_tau, bootstrap=bootstrap,
                    inductance=inductance, seed=seed, part=part, lambda_value=lam, prominence=prominence,
                    blocking=choice, band=band)
            r = with_reading(r, item.selection)
            if plot is not None:
                from ..eis.drt.plot import plot_drt

                plot_drt(r, plot.with_name(f"{plot.stem}_{item.index}{plot.suffix}"), title=item.label,
                         masked=item.selection.masked)
            outs.append({**r.to_dict(), **item.describe(), "source": str(file)})
            if not json_out:
                typer.echo(f"{item.label}: λ = {r.lambda_value:.3g}, R_inf = {r.R_inf_ohm:.4g} Ω, "
                           f"R_pol = {r.R_polarisation_ohm:.4g} Ω, {len(r.peaks)} peaks"
                           + "".join(f"; τ = {p.tau_s:.3g} s R = {p.R_ohm:.3g} Ω" for p in r.peaks))
        if json_out:
            echo_json(outs)
        return
    [item] = items
    selection = item.selection
    result = drt(item.spectrum, basis=basis, method=method, derivative=derivative, n_tau=n_tau,
                 bootstrap=bootstrap, inductance=inductance, seed=seed, part=part, lambda_value=lam,
                 prominence=prominence, blocking=choice, band=band)
    result = with_reading(result, selection)
    if plot is not None:
        from ..eis.drt.plot import plot_drt

        plot_drt(result, plot, title=Path(file).name, masked=selection.masked)
    if json_out:
        out = result.to_dict()
        out.update(item.describe())
        out["source"] = str(file)
        echo_json(out)
        exit_for(result)
        return
    if selection.n_masked:
        typer.echo(f"{file}: {selection.summary()}")
    typer.echo(f"{file}: DRT ({result.basis.kind} basis, derivative {result.derivative}, λ = {result.lambda_value:.3g} by {result.method})")
    typer.echo(f"R_inf = {result.R_inf_ohm:.4g} Ω, L = {result.L_H:.3g} H, "
               f"R_pol = {result.R_polarisation_ohm:.4g} Ω, rms residual {100 * result.rms_relative_residual:.2f} %")
    if result.blocking_Q is not None:
        typer.echo(f"blocking tail: series CPE Q = {result.blocking_Q:.4g} S·s^n, n = {result.blocking_n:.3f}")
    if result.band is not None:
        typer.echo(f"95 % band: {result.band}" + (f" ({result.n_bootstrap} refits)" if result.band == "bootstrap" else ""))
    typer.echo(f"{'tau [s]':>12} {'f [Hz]':>12} {'R [Ω]':>12} {'C [F]':>12}")
    for p in result.peaks:
        typer.echo(f"{p.tau_s:12.4g} {p.frequency_Hz:12.4g} {p.R_ohm:12.4g} {p.C_F:12.4g}")
    if not result.peaks:
        typer.echo("no peaks")
    if plot is not None:
        typer.echo(f"plot written to {plot}")
    typer.echo(verdict_line(result))
    exit_for(result)


def register_drt(eis_app: typer.Typer) -> None:
    """Add ``drt`` to the ``sselab eis`` command group."""
    eis_app.command("drt")(drt_command)
