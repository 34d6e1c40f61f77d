"""The top of the CLI: version, and usage errors as short messages with exit code 2."""

import pytest

from sselab import __version__


def test_version(cli):
    rc, out, _ = cli("--version")
    assert rc == 0 and out.strip() == __version__


@pytest.mark.parametrize(
    "args, words",
    [(("nosuch",), "No such command"), (("eis", "fit"), "Missing argument"),
     (("eis", "fit", "x.csv", "--circuit", "R0", "--weight"), "requires an argument")],
)
def test_usage_errors_exit_2_without_traceback(cli, args, words):
    rc, out, err = cli(*args)
    assert rc == 2
    assert words in err and "Traceback" not in err + out
