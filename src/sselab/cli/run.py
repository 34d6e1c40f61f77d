"""``sselab run STUDY.yaml``: run every analysis of a study into the results database, then the report.

``--jobs N`` uses N local processes (default: this machine's CPUs, at most 4, the rule of
``sselab demo``: :func:`sselab.study.jobs.default_jobs`); ``--scheduler tcp://host:8786`` an existing Dask cluster
(see :mod:`sselab.study.dask_executor`, e.g. dask-jobqueue on SLURM/PBS).  An unreachable
scheduler is one error line and exit code 2; a run in which any analysis failed ends with the
summary and exit code 3.  SIGTERM or Ctrl+C stops the workers with the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..study.jobs import default_jobs

#: After SIGTERM the run's cleanup (terminating the workers, closing the database) has this
#: long before the process exits regardless [s].
STOP_DEADLINE_S = 15.0


def run(
    manifest: Path = typer.Argument(..., help="The study manifest (YAML)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the report (default: beside the database)."),
    db: Optional[str] = typer.Option(None, "--db", help="Results database: SQLite path or URL (default: from the manifest)."),
    jobs: int = typer.Option(default_jobs(), "--jobs", min=1,
                             help="Local worker processes for the analyses and the report's figures, without "
                                  "--scheduler (default: this machine's CPUs, at most 4, as `sselab demo`; "
                                  "1 runs everything here)."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler",
        help="Run the analyses on this running Dask cluster (tcp://host:8786); its workers need this sselab "
             "version and the input files at the same paths. Results go to the same database."),
    no_report: bool = typer.Option(False, "--no-report", help="Only run the analyses."),
    json_out: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
) -> None:
    """Run the study's analyses incrementally (unchanged inputs and settings are not refitted)."""
    _exit_on_sigterm()  # first: a SIGTERM at any point ends the run through its cleanup
    from ..study.manifest import load_manifest
    from ..study.pipeline import run_study

    from ._common import check_option

    check_option("--jobs", jobs, ge=1, le=256)
    summary = run_study(manifest, db, jobs=jobs, scheduler=scheduler, progress=not json_out)
    result = summary.to_dict()
    result["verdicts"] = _verdicts(summary.db_url, summary.study)
    if not no_report:
        from ..report import write_report  # matplotlib and pandas load only for a report

        study = load_manifest(manifest)
        target = db if db is not None else study.db_path
        folder = out or (Path(target).parent / "report" if "://" not in str(target) else Path("sselab-report"))
        result["report"] = str(write_report(target, folder, study=study.manifest.study, jobs=jobs))
    if json_out:
        from ._common import echo_json

        echo_json(result)
    else:
        typer.echo(f"{summary.n_run} analyses run, {summary.n_skipped} unchanged (skipped), {summary.n_failed} failed "
                   f"in {summary.seconds:.1f} s → {summary.db_url}")
        for f in summary.failures:
            typer.echo(f"  failed: {f}")
        v = result["verdicts"]
        typer.echo(f"verdicts: {v['ok']} ok, {v['warning']} warning, {v['failed']} failed")
        for task_id, why in v["failed_results"].items():
            typer.echo(f"  failed result: {task_id}: {why}")
        if "report" in result:
            typer.echo(f"report: {result['report']}")
    if summary.n_failed:
        from ..verdict import EXIT_FAILED

        typer.echo(f"{summary.n_failed} of {summary.n_tasks} analyses failed (exit code {EXIT_FAILED})", err=True)
        raise typer.Exit(EXIT_FAILED)


def _exit_on_sigterm() -> None:
    """SIGTERM ends the run like Ctrl+C: the pipeline's cleanup terminates the workers and
    closes the database (the default action would skip all cleanup).  A worker forked from this
    process inherits the handler until its initializer resets it; one terminated before that (a
    bad manifest stops the pool the run started first) dies as SIGTERM's default would, instead of
    raising SystemExit inside the interpreter's after-fork code, which printed a traceback."""
    import os
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        run_pid = os.getpid()

        def stop(signum: int, frame: object) -> None:
            if os.getpid() != run_pid:  # a forked worker still starting
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
                return
            # the cleanup is bounded: whatever it waits on, the process is gone STOP_DEADLINE_S later
            # (committed results are safe in the database; an unfinished transaction rolls back)
            deadline = threading.Timer(STOP_DEADLINE_S, os._exit, (128 + signum,))
            deadline.daemon = True  # does not hold up a cleanup that ends in time
            deadline.start()
            raise SystemExit(128 + signum)

        signal.signal(signal.SIGTERM, stop)


def _verdicts(db_url: str, study: str) -> dict:
    """How many stored results of ``study`` are ok / warning / failed, and why each failed."""
    from ..store import open_store
    from ..store.queries import verdict_counts

    with open_store(db_url) as store:
        return verdict_counts(store.verdicts(study=study, status="ok"))


def register(app: typer.Typer) -> None:
    app.command("run")(run)
