"""``python -m sselab.cli ARGS`` is the ``sselab`` command (the entry point lives in the CLI
layer: the package ``sselab`` itself never imports it)."""

import sys

from sselab.cli.main import main

sys.exit(main(sys.argv[1:]))
