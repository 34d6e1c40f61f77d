"""The circuit parser accepts the language and rejects malformed strings with a position."""

import pytest

from sselab.eis import Circuit, parse
from sselab.exceptions import CircuitSyntaxError


@pytest.mark.parametrize(
    "text",
    ["R0", "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3", "p(R1,C1,L1)", "R_mof-p(R_ap,CPE_ap)-p(R_int,CPE_int)",
     "p(R1-p(R2,C2),CPE1)", " R0 - p( R1 , C1 ) ", "Ws1-Wo1-G1-W1-L1"],
)
def test_accepts(text):
    tree = parse(text)
    assert str(tree) == text.replace(" ", "")


@pytest.mark.parametrize(
    "text, column, words",
    [
        ("R0-p(R1,CPE1", 13, "expected ',' or ')'"),
        ("R0--R1", 4, "expected an element"),
        ("Rx", 1, "unknown element 'Rx'"),
        ("R1-R1", 4, "duplicate element name 'R1'"),
        ("p(R1)", 1, "at least two branches"),
        ("R1 + R2", 4, "unexpected character '+'"),
        ("", 1, "empty circuit"),
        ("R1-", 4, "found end of string"),
        ("R1)", 3, "expected '-' or end"),
        ("__import__('os')", 1, "unexpected character '_'"),
    ],
)
def test_rejects_with_position(text, column, words):
    with pytest.raises(CircuitSyntaxError) as info:
        parse(text)
    assert info.value.position + 1 == column
    assert words in str(info.value)


def test_circuit_reports_unknown_parameter():
    from sselab.exceptions import ParameterError

    with pytest.raises(ParameterError, match="no parameter 'R9'"):
        Circuit("R0-p(R1,C1)").parameter_index("R9")
