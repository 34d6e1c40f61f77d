"""Both model-free validity checks of a spectrum in one compact record (for the study
pipeline and the report): the linear KK test and Z-HIT.

Examples
--------
>>> import numpy as np
>>> from sselab.eis import simulate_spectrum
>>> s = simulate_spectrum("R0-p(R1,CPE1)", {"R0": 10, "R1": 100, "CPE1.Q": 1e-5, "CPE1.n": 0.8},
...                       np.logspace(5, -1, 60))
>>> validity(s)["status"]
'ok'
"""

from __future__ import annotations

from typing import Any

from ..fitting.result import _num
from ..measurements import Spectrum
from ..verdict import Verdict
from .kramers_kronig import kramers_kronig
from .zhit import zhit


def validity(spectrum: Spectrum, kk: Any = None) -> dict[str, Any]:
    """``kk_passed``, ``kk_max_residual_percent``, ``kk_n_elements``, ``zhit_passed``,
    ``zhit_max_residual_percent`` and a verdict (a warning per failed check), with the
    defaults of ``sselab eis kk`` and ``sselab eis zhit`` (``kk``: the test already run on
    this spectrum, not run again)."""
    kk = kramers_kronig(spectrum) if kk is None else kk
    zh = zhit(spectrum)
    v = Verdict.ok()
    if not kk.passed:
        v = v.add("kk_residuals", f"linear KK residuals up to {100 * kk.max_residual:.2g} % fail the test",
                  "warning")
    v = v.merge(zh.verdict)
    return {"kk_passed": kk.passed, "kk_max_residual_percent": _num(100 * kk.max_residual),
            "kk_n_elements": kk.n_elements, "zhit_passed": zh.passed,
            "zhit_max_residual_percent": _num(100 * zh.max_residual), **v.to_dict()}
