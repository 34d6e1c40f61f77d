"""Shared fixtures.  Real measured files are read in place from ../shared/data (beside the
repository); tests that need them skip, saying why, when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real measured files (see its SOURCES.md); skips when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it lies beside the clone in CI)")
    return SHARED_DATA


@pytest.fixture
def cli(capsys):
    """Run ``sselab ARGS`` in-process: returns (exit code, stdout, stderr)."""
    from sselab.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        rc = main([str(a) for a in args])
        out = capsys.readouterr()
        return rc, out.out, out.err

    return run


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test left open: many tests draw a figure to inspect it, and the web
    server, run in this process by the browser tests, would otherwise pass matplotlib's
    20-open-figures warning, which the test settings turn into an error."""
    yield
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
