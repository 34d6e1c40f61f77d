"""The peers (impedance.py, pyimpspec) for the benchmarks, run in their own interpreter.

sselab never imports a peer.  Benchmarks that compare against them start this file as a worker
process in the peers' venv and send it spectra; the worker fits them and times itself, so its
import and start-up are never timed.  The peers' interpreter is, in order of precedence:

1. the ``--peers-venv DIR`` option of the benchmark (``DIR/bin/python``),
2. the ``SSELAB_PEERS_VENV`` environment variable (a venv directory),
3. ``benchmarks/.venv-peers`` (git-ignored), the historical default,
4. the benchmark's own interpreter, if pyimpspec and impedance are importable there.

Set the venv up once, outside any git tree if you like::

    python3.11 -m venv /work/peers-venv
    /work/peers-venv/bin/pip install -r benchmarks/peers-requirements.txt   # pyimpspec 5.1.3, impedance 1.7.1
    export SSELAB_PEERS_VENV=/work/peers-venv

Worker protocol (``python benchmarks/peers.py --worker``; needs only numpy and the peers): one
JSON line out at start (the versions), then per JSON request line in (``{"tool", "data", "n",
"kwargs"}``; ``data`` an ``.npz`` with ``f{k}``, ``z{k}`` and, for impedance.py, ``g{k}`` the
initial guess and ``circuit``) one JSON line out: ``{"wall", "cpu", "out"}`` where ``out`` is an
``.npz`` with ``p{k}`` the predicted impedance of spectrum k (NaN where the fit raised).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from importlib.util import find_spec
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VENV = ROOT / "benchmarks" / ".venv-peers"
ENV_VAR = "SSELAB_PEERS_VENV"


def peers_python(venv: str | os.PathLike | None = None) -> tuple[Path | None, str]:
    """The peers' interpreter and where it came from (``None`` and the reason when there is none)."""
    for source, d in (("--peers-venv", venv), (ENV_VAR, os.environ.get(ENV_VAR)), ("default", DEFAULT_VENV)):
        if not d:
            continue
        py = Path(d) / "bin" / "python"
        if py.exists():
            return py, f"{source} {d}"
        if source != "default":
            return None, f"{source} {d}: no bin/python there"
    if find_spec("pyimpspec") and find_spec("impedance"):
        return Path(sys.executable), "this interpreter"
    return None, f"no peers' venv: give --peers-venv DIR or {ENV_VAR}=DIR (default {DEFAULT_VENV} is absent)"


class PeerWorker:
    """A worker process in the peers' interpreter; one request at a time, in order."""

    def __init__(self, python: Path) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="sselab-peers-")
        self._err = open(Path(self.tmp.name) / "stderr.txt", "w+")  # noqa: SIM115  (lives as long as the worker)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")  # one core, like sselab
        self.proc = subprocess.Popen([str(python), __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._err, text=True, env=env)
        self.versions = self._reply()
        self._n = 0

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self._err.seek(0)
            raise RuntimeError(f"peers' worker died:\n{self._err.read()[-3000:]}")
        return json.loads(line)

    def put(self, data, circuit: str = "", guesses=None) -> str:
        """Write spectra ``[(f, z), ...]`` (and initial guesses) for the worker; returns their key."""
        self._n += 1
        path = Path(self.tmp.name) / f"data{self._n}.npz"
        arrays = {"circuit": np.array(circuit)}
        for k, (f, z) in enumerate(data):
            arrays[f"f{k}"], arrays[f"z{k}"] = f, z
            if guesses is not None:
                arrays[f"g{k}"] = np.asarray(guesses[k], float)
        np.savez(path, **arrays)
        return str(path)

    def run(self, tool: str, data: str, n: int, **kwargs):
        """Fit the first ``n`` spectra of ``data`` with ``tool``: (predictions, wall s, CPU s)."""
        self.proc.stdin.write(json.dumps({"tool": tool, "data": data, "n": n, "kwargs": kwargs}) + "\n")
        self.proc.stdin.flush()
        r = self._reply()
        if "error" in r:
            raise RuntimeError(f"peers' worker: {r['error']}")
        with np.load(r["out"]) as d:
            preds = [d[f"p{k}"] for k in range(n)]
        return [None if not np.all(np.isfinite(p)) else p for p in preds], r["wall"], r["cpu"]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        self._err.close()
        self.tmp.cleanup()


# --- worker side (peers' interpreter: numpy and the peers only, never sselab) ---------------------

PYIMPSPEC_CDC = "R(RQ)(RQ)"  # R0-p(R1,CPE1)-p(R2,CPE2) in pyimpspec's circuit description code
SEVEN = "R0-p(R1,CPE1)-p(R2,CPE2)"  # impedance.py's labels of both 7-parameter circuits


def _fit_pyimpspec(f, z, g, **kwargs):
    import pyimpspec

    res = pyimpspec.fit_circuit(pyimpspec.parse_cdc(PYIMPSPEC_CDC), pyimpspec.DataSet(f, z), **kwargs)
    return res.circuit.get_impedances(f)


def _fit_impedance(f, z, g, **kwargs):
    from impedance.models.circuits import CustomCircuit

    m = CustomCircuit(circuit=SEVEN, initial_guess=[float(v) for v in g])
    m.fit(f, z, **kwargs)
    return m.predict(f)


def _worker() -> None:
    from importlib.metadata import version

    import impedance.models.circuits
    import pyimpspec

    del impedance, pyimpspec  # imported before any timing, used by the fitters

    fitters = {"pyimpspec": _fit_pyimpspec, "impedance": _fit_impedance}
    print(json.dumps({"pyimpspec": version("pyimpspec"), "impedance": version("impedance"),
                      "python": sys.version.split()[0], "numpy": np.__version__}), flush=True)
    cache: dict[str, dict] = {}
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["data"] not in cache:
                with np.load(req["data"]) as d:
                    cache[req["data"]] = {k: d[k] for k in d.files}
            d, fit, n = cache[req["data"]], fitters[req["tool"]], req["n"]
            preds = {}
            w, c = time.perf_counter(), time.process_time()
            for k in range(n):
                f, z = d[f"f{k}"], d[f"z{k}"]
                try:
                    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                            warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        preds[f"p{k}"] = np.asarray(fit(f, z, d.get(f"g{k}"), **req["kwargs"]), complex)
                except Exception:  # noqa: BLE001  (a benchmark counts failures)
                    preds[f"p{k}"] = np.full(len(f), np.nan, complex)
            wall, cpu = time.perf_counter() - w, time.process_time() - c
            out = req["data"][:-4] + f"_{req['tool']}_out.npz"
            np.savez(out, **preds)
            print(json.dumps({"wall": wall, "cpu": cpu, "out": out}), flush=True)
        except Exception as e:  # noqa: BLE001  (reported to the benchmark, which stops)
            print(json.dumps({"error": f"{type(e).__name__}: {e}"}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        _worker()
    else:
        py, where = peers_python(sys.argv[1] if len(sys.argv) > 1 else None)
        print(f"peers' interpreter: {py} ({where})")
