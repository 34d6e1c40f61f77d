"""Memory ceilings: hostile inputs end with one clear line under a 1 GB address-space limit.

Each case runs the real command line in a subprocess with ``resource.setrlimit(RLIMIT_AS,
1 GiB)`` (and a CPU-time limit), so a regression that allocates gigabytes fails as a
MemoryError/kill instead of passing.  Ceilings: sselab.safeyaml (100 000 values),
sselab.io.safezip (ratio 200:1), sselab.io.bounds (32 MiB text, 4 MiB line),
sselab.limits (20 000 EIS points).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
CEILING = 1024 * 2**20

RUNNER = textwrap.dedent(f"""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({CEILING}, {CEILING}))
    resource.setrlimit(resource.RLIMIT_CPU, (120, 120))
    from sselab.cli.main import main
    sys.exit(main(sys.argv[1:]))
""")


def sselab_limited(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", RUNNER, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def one_clear_line(proc: subprocess.CompletedProcess, pattern: str) -> None:
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    import re
    assert re.search(pattern, proc.stderr), proc.stderr


def test_baseline_command_runs_under_the_ceiling(shared_data):
    proc = sselab_limited("eis", "kk", shared_data / "eis" / "exampleData.csv")
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_yaml_bomb_manifest(tmp_path):
    lols = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    manifest = tmp_path / "study.yaml"
    manifest.write_text("study: x\nsamples: oops\n" + lols)
    one_clear_line(sselab_limited("run", manifest), r"study.yaml, line \d+: YAML expands to more than 100000 values")


def test_zip_bomb_brml(tmp_path):
    from test_safezip import bomb_bytes

    path = tmp_path / "bomb.brml"
    path.write_bytes(bomb_bytes(2 * CEILING))  # inflates to 2 GiB
    assert path.stat().st_size < 3 * 2**20
    import zipfile
    assert zipfile.ZipFile(path).infolist()[0].file_size == 2 * CEILING
    one_clear_line(sselab_limited("xrd", "wh", path), r"bomb.brml: .*(would inflate to|zip bomb)")


def test_two_million_row_csv(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"1.000000e+03,1.000000e+02,-1.000000e+01\n" * 2_000_000)
    one_clear_line(sselab_limited("eis", "fit", path, "-c", "R0-p(R1,C1)"), r"big.csv: text file is \d+ MiB, more than")


def test_points_over_the_eis_ceiling_but_under_the_file_ceiling(tmp_path):
    import numpy as np

    f = np.logspace(6, -2, 30_000)
    z = 10 + 100 / (1 + 2j * np.pi * f * 1e-6)
    path = tmp_path / "many.csv"
    path.write_text("".join(f"{a:.6e},{b.real:.6e},{b.imag:.6e}\n" for a, b in zip(f, z)))
    for command in (("fit", "-c", "R0-p(R1,C1)"), ("kk",), ("drt",)):
        one_clear_line(sselab_limited("eis", command[0], path, *command[1:]),
                       r"many.csv: 30000 points; the (EIS fit|Kramers–Kronig test|DRT) accepts at most 20000")


def test_twenty_megabyte_single_line_xy(tmp_path):
    path = tmp_path / "line.xy"
    path.write_bytes(b" ".join(b"%.3f" % (10 + 0.01 * i) for i in range(2_500_000)))
    assert path.stat().st_size > 20e6
    one_clear_line(sselab_limited("xrd", "wh", path), r"line.xy: line 1 is longer than 4 MiB")


def test_n_tau_beyond_its_ceiling(shared_data):
    one_clear_line(sselab_limited("eis", "drt", shared_data / "eis" / "exampleData.csv", "--n-tau", "100000"),
                   r"--n-tau must be ≤ 2000, got 100000")
