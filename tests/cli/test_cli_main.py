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


def test_the_command_leaves_its_objects_to_the_exit(tmp_path):
    """``sselab`` (console_main) freezes the heap once the command is done, so that the
    interpreter's finalisation does not traverse it (0.6–0.8 s at the end of ``sselab demo``);
    the output is complete and the exit code the command's.  ``main`` (tests, callers that go
    on) freezes nothing."""
    import subprocess
    import sys

    code = ("import gc, sys\nfrom sselab.cli.main import console_main, main\n"
            "rc = main(['--version']); print('frozen after main', gc.get_freeze_count())\n"
            "rc = console_main(sys.argv[1:]); print('frozen after console_main', gc.get_freeze_count() > 0)\n"
            "sys.exit(rc)\n")
    r = subprocess.run([sys.executable, "-c", code, "nosuch"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "No such command" in r.stderr
    assert "frozen after main 0" in r.stdout and "frozen after console_main True" in r.stdout
    r = subprocess.run([sys.executable, "-m", "sselab.cli", "--version"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == __version__
