"""``sselab demo``: the Mg3AsN study reproduced on a fresh machine, with no data of the user's."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from ..study.jobs import default_jobs


def demo(
    out: Path = typer.Option(Path("sselab-demo"), "--out", help="Folder for the simulated files, database and report."),
    json_out: bool = typer.Option(False, "--json", help="Print the recovered values as JSON."),
    quick: Optional[bool] = typer.Option(False, "--quick", help="Only the impedance part (seconds)."),
    jobs: int = typer.Option(default_jobs(), "--jobs", min=1,
                             help="Local worker processes for the pipeline and the report's figures "
                                  "(default: this machine's CPUs, at most 4; 1 runs everything here)."),
) -> None:
    """Simulate the virtual Mg3AsN study, analyse it, and compare with truth and the paper."""
    from ..demo import run_demo

    console = Console()
    summary = run_demo(out, quick=bool(quick), console=None if json_out else console, jobs=jobs)
    if json_out:
        from ._common import echo_json

        echo_json(summary)
        return
    from ..numfmt import format_uncertain

    notes: dict[str, str] = {}
    fmt = lambda v: "" if v is None else (f"{v:.5g}" if isinstance(v, (int, float)) else str(v))  # noqa: E731
    cells = []
    for row in summary.get("rows") or summary["comparison"]:
        rec = row["recovered"]
        shown = "—" if rec is None else format_uncertain(rec, row.get("stderr"), digits=5)
        status = row.get("status") or ""
        if status and status != "ok":
            for msg in row.get("reasons") or []:
                notes.setdefault(msg, status)
        cells.append((row["quantity"], row.get("sample", ""), shown, fmt(row["truth"]), fmt(row["paper"]), row["unit"], status))
    from rich import box

    title = ("Mg3AsN virtual study: every number of the paper — recovered ± standard error vs the simulated truth "
             "(the paper's number by construction wherever the paper gives one) vs the paper")
    heads = ("quantity", "sample", "recovered", "truth", "paper", "unit", "status")
    widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(heads)]
    if sum(widths[1:]) + 20 + 2 * len(heads) > console.width:  # too narrow for one line per row: never cut a number
        console.print(title, markup=False, highlight=False)
        console.print("  ".join(h.rjust(widths[k]) if k in (2, 3, 4) else h.ljust(widths[k])
                                for k, h in enumerate(heads) if k), markup=False, highlight=False, soft_wrap=True)
        for c in cells:
            console.print(f"{c[0]}", markup=False, highlight=False)
            console.print("  ".join(v.rjust(widths[k]) if k in (2, 3, 4) else v.ljust(widths[k])
                                    for k, v in enumerate(c) if k), markup=False, highlight=False, soft_wrap=True)
        table = None
    else:
        table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
        for k, col in enumerate(heads):
            if col == "quantity":  # the one column that wraps; numbers are never cut
                table.add_column(col, overflow="fold", ratio=1, min_width=20)
            else:
                table.add_column(col, justify="right" if col in ("recovered", "truth", "paper") else "left",
                                 no_wrap=True, min_width=widths[k])
        for c in cells:
            table.add_row(*c)
    if table is not None:
        console.print(table)
    for msg, status in notes.items():
        console.print(f"{status}: {msg}", markup=False, highlight=False)
    for key, path in summary["outputs"].items():
        console.print(f"{key}: {path}")
    console.print(f"finished in {summary['seconds']:.1f} s")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
