"""The shared verdict type and the uncertainty formatting (hand-checked values)."""

from __future__ import annotations

import pytest

from sselab.numfmt import format_relative, format_uncertain
from sselab.verdict import Reason, Verdict, from_inputs, status_of, worst


def test_status_is_worst_reason():
    v = Verdict.ok()
    assert v.status == "ok"
    v = v.add("undetermined", "R2 not determined")
    assert v.status == "warning"
    v = v.add("diverged", "R1 ran off", "failed")
    assert v.status == "failed" and v.codes == ("undetermined", "diverged")
    assert Verdict.from_dict(v.to_dict()) == v


def test_worst_rejects_unknown():
    assert worst("ok", "warning") == "warning"
    with pytest.raises(ValueError):
        worst("fine")
    with pytest.raises(ValueError):
        Reason("x", "y", "ok")  # a reason is never ok


def test_from_inputs_names_failed_and_dropped():
    good = Verdict.ok().to_dict()
    bad = Verdict.ok().add("diverged", "R1 ran off", "failed").to_dict()
    v = from_inputs({"25 C": good, "50 C": bad}, what="spectrum")
    assert v.status == "failed" and "50 C" in v.reasons[0].message
    v = from_inputs({"25 C": good, "50 C": bad}, dropped=["50 C"], what="spectrum")
    assert v.status == "warning" and v.codes == ("input_dropped",)
    assert status_of({"status": "warning"}) == "warning" and status_of(None) == "ok"


@pytest.mark.parametrize(
    "value, stderr, unit, style, expected",
    [
        (5.538e-4, 1.4e-6, "S/cm", "paren", "5.538(14)e-4 S/cm"),
        (5.54e-4, 2e-6, "S/cm", "paren", "5.54(2)e-4 S/cm"),
        (0.30012, 0.0011, "eV", "pm", "0.3001 ± 0.0011 eV"),
        (0.3004, 0.001, "eV", "pm", "0.300 ± 0.001 eV"),
        (0.921, 0.017, "", "paren", "0.921(17)"),
        (4.157172, 3.1e-5, "Å", "paren", "4.15717(3) Å"),
        (9.96e-11, 4e-11, "A", "paren", "1.0(4)e-10 A"),  # rounding carries into the exponent
        (9.996e-5, 2e-7, "", "paren", "1.000(2)e-4"),
    ],
)
def test_format_uncertain(value, stderr, unit, style, expected):
    assert format_uncertain(value, stderr, unit, style=style) == expected


def test_format_bounds_and_missing():
    assert format_uncertain(9.8597e-305, None, "Ohm", lower=0.0) == "0 (at lower bound) Ohm"
    assert format_uncertain(1.0, float("nan"), "") == "1 ± ?"
    assert "undetermined" in format_uncertain(1.1e27, 2.1e55, "Ohm")
    assert format_relative(float("inf"), 1.0) == "n/a"
    assert format_relative(1.0, 0.0) == "n/a"
    assert format_relative(0.02, 1.0) == "2 %"
