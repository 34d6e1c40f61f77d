"""Fixtures of the XRD tests."""

from __future__ import annotations

import pytest

from sselab.exceptions import SselabError


@pytest.fixture
def xrd_cli(capsys):
    """Like the shared ``cli`` fixture, but with only the xrd commands registered, so a
    broken command module elsewhere cannot fail these tests; errors handled as in main()."""
    import typer

    from sselab.cli import xrd as xrd_cli_module

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        pass

    xrd_cli_module.register(app)

    def run(*args):
        try:
            rc = app(args=[str(a) for a in args], standalone_mode=False) or 0
        except SselabError as exc:
            print("error: " + str(exc), file=__import__("sys").stderr)
            rc = 2
        out = capsys.readouterr()
        return rc, out.out, out.err

    return run


@pytest.fixture
def xcli(xrd_cli):
    """The same CLI under the name the verdict tests use."""
    return xrd_cli
