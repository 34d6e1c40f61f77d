"""``python -m sselab ARGS`` is the ``sselab`` command."""

import sys

from sselab.cli.main import main

sys.exit(main(sys.argv[1:]))
