"""The command line loads a command's module (and its numpy/scipy/pandas/matplotlib) only when
that command runs: start-up stays cheap.  Checked by what is imported, not by timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from sselab.cli import main as cli_main

HEAVY = ("numpy", "scipy", "pandas", "matplotlib")


def _imported_after(code: str, *argv: str) -> dict:
    """Run ``code`` in a fresh interpreter; return its JSON line plus the heavy packages loaded."""
    probe = (
        "import json, sys\n" + code + "\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env, check=True)
    return {"stdout": out.stdout, "heavy": json.loads(out.stdout.strip().splitlines()[-1])}


def test_importing_the_entry_point_loads_no_analysis_package():
    assert _imported_after("import sselab.cli.main")["heavy"] == []


def test_help_lists_every_command_without_loading_them():
    code = (
        "from sselab.cli.main import main\n"
        "import contextlib, io\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    rc = main(['--help'])\n"
        "assert rc == 0, rc\n"
        "print(json.dumps(buf.getvalue()))"
    )
    res = _imported_after(code)
    assert res["heavy"] == []
    text = json.loads(res["stdout"].splitlines()[-2])
    for name in cli_main.COMMANDS:
        assert f" {name} " in text, name


def test_one_file_circuit_fit_needs_no_scipy_pandas_matplotlib(tmp_path):
    f = np.logspace(6, -1, 40)
    z = 50 + 1000 / (1 + (2j * np.pi * f * 1e-6) ** 0.9)
    path = tmp_path / "spectrum.csv"
    np.savetxt(path, np.column_stack([f, z.real, z.imag]), delimiter=",", header="freq,zreal,zimag", comments="")
    code = (
        "from sselab.cli.main import main\n"
        "import contextlib, io\n"
        "buf = io.StringIO()\n"
        "with contextlib.redirect_stdout(buf):\n"
        "    rc = main(['eis', 'fit', sys.argv[1], '-c', 'R0-p(R1,CPE1)', '--json'])\n"
        "print(json.dumps([rc, buf.getvalue()]))"
    )
    res = _imported_after(code, str(path))
    rc, out = json.loads(res["stdout"].splitlines()[-2])
    assert rc == 0
    fit = json.loads(out)
    assert abs(fit["parameters"]["R1"]["value"] - 1000) < 1
    assert set(res["heavy"]) == {"numpy"}


def test_the_table_says_what_each_module_registers():
    by_module: dict[str, dict[str, str]] = {}
    for name, (module, short) in cli_main.COMMANDS.items():
        by_module.setdefault(module, {})[name] = short
    for module, expected in by_module.items():
        commands = cli_main.module_commands(module)
        assert sorted(commands) == sorted(expected), module
        for name, short in expected.items():
            assert commands[name].get_short_help_str(limit=300) == short, name


def test_a_lazily_loaded_command_runs(cli):
    rc, out, _ = cli("conductivity", "--help")
    assert rc == 0 and "S/cm" in out
    rc, _, err = cli("no-such-command")
    assert rc == 2
