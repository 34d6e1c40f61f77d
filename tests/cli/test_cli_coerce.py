"""The CLI's start-up: option values converted without pydantic (sselab.cli._coerce) exactly as
typer's own adapters convert them; ``eis fit --help`` and a one-file fit load neither pydantic
nor scipy/pandas; ``sselab.eis`` loads its names on first use and ``sselab.eis.drt`` stays the
DRT function."""

import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from sselab.cli import _coerce
from sselab.cli.eis import CIRCUIT_HELP, circuit_help

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _python(code: str) -> str:
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": SRC},
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_circuit_help_matches_the_element_table():
    assert CIRCUIT_HELP == circuit_help()


def _both(annotation, value, **info):
    """(plain coercion, typer's adapter) of ``value`` for a parameter ``annotation``."""
    from typer._coercion import build_runtime_param

    app = typer.Typer()
    default = info.pop("default", None)

    @app.command()
    def cmd(x: annotation = typer.Option(default, "--x", **info)) -> None:  # type: ignore[valid-type]
        pass

    command = typer.main.get_command(app)
    [param] = [p for p in command.params if p.name == "x"]
    ctx = command.make_context("cmd", [])
    plain = _coerce._Plain(param)
    theirs = build_runtime_param(param.type_descriptor)

    def run(rt):
        try:
            return "ok", rt.coerce(value, param=param, ctx=ctx)
        except Exception as exc:  # noqa: BLE001 - the error itself is compared
            return type(exc).__name__, str(exc)

    return plain, run(plain), run(theirs)


@pytest.mark.parametrize("annotation, value", [
    (float, "1.5"), (float, "-2e-3"), (float, "3"), (float, 3), (float, 2.5), (float, "abc"), (float, "1_0"),
    (float, " 1"), (float, "nan"), (float, "inf"), (float, "1."), (float, ".5"), (float, "1e400"),
    (Optional[float], "7"), (Optional[float], "x"), (int, "12"), (int, "-3"), (int, "007"), (int, "1.0"), (int, 4),
    (int, "9" * 30), (str, "modulus"), (str, ""), (Optional[str], "a,b"), (Path, "some/file.csv"),
    (Optional[Path], "x.svg"), (List[float], ("1", "2.5")), (List[float], ("1", "y")), (List[str], ("a", "b")),
    (List[Path], ("a.csv", "b.csv")), (bool, True), (bool, False), (bool, "yes"),
])
def test_plain_coercion_equals_typers(annotation, value):
    plain, mine, theirs = _both(annotation, value)
    assert repr(mine) == repr(theirs)  # repr: nan == nan
    if mine[0] == "ok":
        assert type(mine[1]) is type(theirs[1])  # noqa: E721 - 3.0 vs 3 would differ in JSON


def test_bounds_and_parsers_go_to_typer():
    plain, mine, theirs = _both(float, "5", min=0, max=1)
    assert not plain.usable and mine == theirs and mine[0] != "ok"
    plain, mine, theirs = _both(List[Path], ("a", "b"), parser=Path)
    assert plain.usable and mine == theirs == ("ok", [Path("a"), Path("b")])


def test_path_checks_are_typers(tmp_path):
    missing = str(tmp_path / "none.csv")
    plain, mine, theirs = _both(Path, missing, exists=True)
    assert mine == theirs and mine[0] == "BadParameter" and "does not exist" in mine[1]
    plain, mine, theirs = _both(Path, str(tmp_path), dir_okay=False)
    assert mine == theirs and "is a directory" in mine[1]


def test_options_still_refuse_bad_values(tmp_path):
    from sselab.cli.main import app

    r = CliRunner().invoke(app, ["eis", "fit", str(tmp_path / "a.csv"), "-c", "R0", "--fmin", "abc"])
    assert r.exit_code == 2 and "Invalid value for '--fmin'" in r.output


def test_help_and_one_file_fit_load_no_pydantic(tmp_path):
    from sselab.eis import simulate_spectrum
    from sselab.io.writers import write_spectrum_csv

    path = tmp_path / "s.csv"
    write_spectrum_csv(path, simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 1e3, "CPE1.Q": 1e-9, "CPE1.n": 0.9},
                                               np.logspace(6, -1, 40), noise=0.003, seed=1))
    heavy = "('pydantic', 'scipy', 'pandas', 'matplotlib', 'numba', 'sselab.eis.drt.solver')"
    out = _python(f"""
import sys, io, contextlib
from sselab.cli.main import main
with contextlib.redirect_stdout(io.StringIO()):
    main(['eis', 'fit', '--help'])
print(sorted(m for m in {heavy} + ('numpy',) if m in sys.modules))
with contextlib.redirect_stdout(io.StringIO()) as buf:
    rc = main(['eis', 'fit', {str(path)!r}, '-c', 'R0-p(R1,CPE1)', '--json'])
print(rc, '"status": "ok"' in buf.getvalue(), sorted(m for m in {heavy} if m in sys.modules))
""")
    assert out.splitlines() == ["[]", "0 True []"]


def test_eis_names_load_lazily_and_drt_stays_the_function():
    out = _python("""
import sys
import sselab.eis as e
print('sselab.eis.fit' in sys.modules, 'sselab.eis.drt' in sys.modules)
import sselab.eis.drt.band  # the subpackage imported first
from sselab.eis import drt, DRTResult, fit_circuit
print(drt.__module__, callable(e.drt), e.drt is drt, DRTResult.__module__, fit_circuit.__module__)
print(sorted(set(e.__all__) - set(dir(e))))
""")
    assert out.splitlines() == ["False False",
                                "sselab.eis.drt.solver True True sselab.eis.drt.result sselab.eis.fit", "[]"]
