"""Fixtures of the trap suite."""

from __future__ import annotations

import pytest


@pytest.fixture
def one_line_refusal(cli):
    """``one_line_refusal(*args, match=...)``: run ``sselab ARGS`` and assert the refusal users must
    get — exit 2, nothing on stdout, one line on stderr naming the problem, no traceback."""
    def run(*args, match):
        rc, out, err = cli(*args)
        assert rc == 2 and out == "", (rc, out, err)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert match in err
        return err

    return run
