"""Every CLI option with a domain is checked: one line on stderr naming the flag, exit 2."""

from __future__ import annotations

import numpy as np
import pytest

from sselab.exceptions import CircuitSyntaxError, FitError
from sselab.eis.language import MAX_DEPTH, parse

EIS = "{data}/eis/exampleData.csv"
XPS = "{data}/xps/Pt4f.vms"

CASES = [
    (("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--step", "0"), "--step must be > 0, got 0"),
    (("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--step", "nan"), "--step must be a finite number"),
    (("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--step", "1e-7"), "at most 200000"),
    (("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--start", "50", "--stop", "20"), "--stop must be > 50"),
    (("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--a", "-4"), "--a must be > 0"),
    (("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--wavelength", "0"), "--wavelength must be > 0"),
    (("xrd", "simulate", "--antiperovskite", "Mg3AsN", "--size-nm", "-5"), "--size-nm must be > 0"),
    (("xps", "quantify", XPS, "--rsf", "C 1s=0"), "--rsf 'C 1s=0': the value must be > 0"),
    (("xps", "quantify", XPS, "--rsf", "C 1s=inf"), "--rsf expects NAME=VALUE with a finite number"),
    (("xps", "fit", XPS, "--region", "Pt 4f", "--components", "74", "--fwhm", "0"), "--fwhm must be > 0"),
    (("xps", "fit", XPS, "--region", "Pt 4f", "--components", "500,74"), "Pt4f_500 at 500 eV outside the data"),
    (("xps", "profile", XPS, "--region", "Pt 4f", "--components", "74", "--rate", "-1"), "--rate must be > 0"),
    (("eis", "drt", EIS, "--n-tau", "100000"), "--n-tau must be ≤ 2000, got 100000"),
    (("eis", "drt", EIS, "--n-tau", "2"), "--n-tau must be ≥ 3"),
    (("eis", "drt", EIS, "--lambda", "-1"), "--lambda must be > 0"),
    (("eis", "drt", EIS, "--lambda", "nan"), "--lambda must be a finite number"),
    (("eis", "drt", EIS, "--derivative", "5"), "--derivative must be ≤ 2"),
    (("eis", "drt", EIS, "--bootstrap", "-3"), "--bootstrap must be ≥ 0"),
    (("eis", "drt", EIS, "--prominence", "2"), "--prominence must be < 1"),
    (("eis", "drt", EIS, "--index", "-1"), "--index must be ≥ 0"),
    (("eis", "kk", EIS, "--threshold", "0"), "--threshold must be > 0"),
    (("eis", "fit", EIS, "-c", "R0-p(R1,C1)", "--initial", "R0=nan"), "--initial expects NAME=VALUE with a finite"),
    (("eis", "fit", EIS, "-c", "R0-p(R1,C1)", "--fix", "=3"), "--fix expects NAME=VALUE"),
    (("run", "study.yaml", "--jobs", "100000"), "--jobs must be ≤ 256"),
    (("serve", "--port", "99999"), "--port must be ≤ 65535, got 99999"),
    (("serve", "--port", "0"), "--port must be ≥ 1"),
    (("serve", "--workers", "0"), "--workers must be ≥ 1"),
    (("conductivity", "--resistance", "0", "--thickness", "1 mm", "--area", "1 cm2"), "--resistance must be > 0"),
    (("conductivity", "--resistance", "nan", "--thickness", "1 mm", "--area", "1 cm2"), "--resistance must be a finite"),
    (("conductivity", "--resistance", "5", "--resistance-stderr", "-1", "--thickness", "1 mm", "--area", "1 cm2"),
     "--resistance-stderr must be ≥ 0"),
    (("deconvolve", EIS, "--reference", "14 ohm", "--thickness", "1 mm", "--area", "1 cm2", "--layers", "0"),
     "--layers must be ≥ 1"),
    (("cv", EIS, "--onset-fraction", "1.5"), "--onset-fraction must be < 1"),
    (("cycling", EIS, "--r-ohm", "-2"), "--r-ohm must be > 0"),
    (("dc", "tion", "{data}/biologic/missing.mpr", "--index", "-1"), "--index must be ≥ 0"),
]


@pytest.mark.parametrize("args, message", CASES, ids=[" ".join(a[:2]) + " " + m[:24] for a, m in CASES])
def test_option_outside_its_domain_is_one_line(cli, shared_data, args, message):
    rc, out, err = cli(*[a.format(data=shared_data) for a in args])
    assert rc == 2, (out, err)
    assert message in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_dc_window_options(cli, shared_data):
    from sselab.cli.dc import _criterion
    from sselab.exceptions import SselabError

    for args, message in (((0.0, 0.1, None), "--threshold must be > 0"), ((0.02, 1.5, None), "--window-fraction must be ≤ 1"),
                          ((0.02, 0.1, -3.0), "--window must be > 0")):
        with pytest.raises(SselabError, match=message):
            _criterion(*args)
    assert _criterion(0.02, 0.1, 10.0).window_s == 10.0


def test_circuits_nested_deeper_than_the_limit_are_syntax_errors():
    def nested(depth: int) -> str:
        text = "R0"
        for k in range(1, depth + 1):
            text = f"p(R{k},{text})"
        return text

    assert len(list(parse(nested(MAX_DEPTH)).elements())) == MAX_DEPTH + 1
    for depth in (MAX_DEPTH + 1, 300, 3000):
        with pytest.raises(CircuitSyntaxError, match=f"nested deeper than {MAX_DEPTH}|at most 2000"):
            parse(nested(depth))


def test_all_zero_xrd_pattern_is_a_clear_error(tmp_path):
    from sselab.measurements import DiffractionPattern
    from sselab.xrd import Instrument, parse_antiperovskite, refine

    x = np.arange(10, 80, 0.02)
    pat = DiffractionPattern(source="zero.xy", instrument="test", two_theta_deg=x, intensity=np.zeros_like(x),
                             sigma=np.ones_like(x), wavelength_A=(1.5406,))
    with pytest.raises(FitError, match="zero.xy: no positive, varying intensity"):
        refine(pat, [parse_antiperovskite("Mg3AsN", 4.23)], Instrument.cu_ka())
