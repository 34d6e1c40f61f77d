"""``python -m sselab.cli ARGS`` is the ``sselab`` command (the entry point lives in the CLI
layer: the package ``sselab`` itself never imports it)."""

import sys

from sselab.cli.main import console_main

sys.exit(console_main(sys.argv[1:]))
