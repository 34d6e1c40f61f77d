"""``sselab eis suggest``: rank candidate circuits for one spectrum or a temperature series."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ..io import read


def suggest_command(
    files: List[Path] = typer.Argument(..., help="One spectrum, or a temperature series (one topology is chosen for all)."),
    extra: List[str] = typer.Option([], "--candidate", help="Also try this circuit (repeatable)."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the (first) spectrum's Nyquist plot with the 3 best circuits (PNG/SVG/PDF)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON: 'candidates' best first."),
) -> None:
    """Propose and rank equivalent circuits (DRT peaks + physical grammar; BIC + plausibility)."""
    from ..eis.selection import suggest

    spectra = [read(f, kind="spectrum")[0] for f in files]
    result = suggest(spectra, extra=extra)
    if plot is not None:
        from ..report.plots_cli import suggest_figure
        from ..report.style import save

        save(suggest_figure(spectra[0], result), plot)
    if json_out:
        from ._common import echo_json

        echo_json(result.to_dict())
        return
    typer.echo(suggestion_text(result, len(files)))


def _key_values(c) -> str:
    """Resistances, exponents and effective capacitances of a candidate's first fit."""
    from ..numfmt import format_uncertain

    if not c.fits:
        return ""
    fit = c.fits[0]
    parts = []
    for p in fit.result.parameters:
        label, _, sub = p.name.partition(".")
        if p.unit == "Ohm" and not sub or sub in ("n", "a", "b", "R") or label.startswith("R"):
            parts.append(f"{p.name} = {format_uncertain(p.value, p.stderr, p.unit, lower=p.min, upper=p.max)}")
    parts += [f"C_eff({r}) = {v:.3g} F" for r, v in fit.effective_capacitance.items()]
    return ", ".join(p.replace(" ", "\u00a0") for p in parts)  # a value is never split across lines


def suggestion_text(result, n_files: int, width: int = 80) -> str:
    """The ranked candidates as text wrapped (never cut) to ``width`` columns, each with its
    BIC, verdict and key fitted values (of the first spectrum for a series)."""
    import textwrap

    lines = [f"circuits for {n_files} spectrum file(s), best first"]
    for k, c in enumerate(result.candidates, 1):
        verdict = "plausible" if c.plausible else "rejected: " + "; ".join(c.rejections)
        head = f"{k}. {c.circuit}  (BIC {c.bic:.1f}, {c.origin}) {verdict}"
        lines += textwrap.wrap(head, width, subsequent_indent="     ", break_on_hyphens=False)
        values = _key_values(c)
        if values:
            lines += textwrap.wrap(values, width, initial_indent="   ", subsequent_indent="   ")
    return "\n".join(lines)


def register_suggest(eis_app: typer.Typer) -> None:
    eis_app.command("suggest")(suggest_command)
