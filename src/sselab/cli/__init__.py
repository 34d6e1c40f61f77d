"""The ``sselab`` command line.  One module per command group; each defines
``register(app: typer.Typer) -> None`` and is discovered by :mod:`sselab.cli.main`."""
